/**
 * Micrometer metrics for JLVS: {@code io.jlvs.micrometer.JlvsMetrics} binds a running
 * {@code io.jlvs.core.LoadBalancer} to any Micrometer {@code MeterRegistry}. Works on the module path and on the
 * class path with no JVM flag.
 *
 * <p>{@code micrometer.core} is required transitively because {@code JlvsMetrics} is a {@code MeterBinder}; the
 * process gauges read {@code java.management} and, for the descriptor counts, {@code jdk.management}
 * ({@code com.sun.management.UnixOperatingSystemMXBean}).
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"}) // Micrometer: Automatic-Module-Name only
module io.jlvs.micrometer {
    requires transitive io.jlvs.core;
    requires transitive micrometer.core;
    requires org.slf4j;
    requires java.management;
    requires jdk.management;

    exports io.jlvs.micrometer;
}
