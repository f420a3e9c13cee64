package io.jlvs.examples.tune;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;

import java.lang.management.ManagementFactory;

/**
 * The memory limits of a JVM: the most heap it may use ({@code -Xmx}, {@link Runtime#maxMemory()}) and the most
 * direct buffer memory ({@code -XX:MaxDirectMemorySize}, which defaults to the heap's maximum).
 *
 * <p>Immutable.
 *
 * @param maxHeapBytes the heap limit in bytes
 * @param maxDirectBytes the direct memory limit in bytes, or -1 when it could not be read
 * @param directSource where {@code maxDirectBytes} comes from, for the report
 */
public record JvmLimits(long maxHeapBytes, long maxDirectBytes, String directSource) {
    /**
     * The limits of the running JVM (run {@code jlvs tune} with the director's JVM options to check those).
     *
     * @return the limits
     */
    public static JvmLimits current() {
        final long heap = Runtime.getRuntime().maxMemory();
        try {
            final HotSpotDiagnosticMXBean hs = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            if (hs == null) {
                return new JvmLimits(heap, -1, "not readable: this JVM has no HotSpotDiagnosticMXBean");
            }
            final VMOption o = hs.getVMOption("MaxDirectMemorySize");
            final long v = Long.parseLong(o.getValue());
            return v == 0 ? new JvmLimits(heap, heap, "-XX:MaxDirectMemorySize not set: the heap's maximum")
                : new JvmLimits(heap, v, "-XX:MaxDirectMemorySize");
        } catch (final IllegalArgumentException e) {
            return new JvmLimits(heap, -1, "not readable: " + e.getMessage());
        }
    }
}
