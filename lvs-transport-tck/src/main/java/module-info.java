/**
 * The JLVS transport conformance suite: {@code io.jlvs.transport.tck.TransportConformanceSuite}, an abstract JUnit 5
 * class that a transport's tests subclass, naming the transport, and the loopback backends and helpers it uses.
 *
 * <p>JUnit is required transitively: the suite's types carry JUnit annotations and a transport's tests get it
 * through this module. The suites wait on conditions with their own small poller, so the module
 * requires no automatic module. The package is opened to {@code org.junit.platform.commons} so that JUnit can call the suite's package-private test
 * methods on the module path. A transport whose tests run on the module
 * path opens its suite subclass's package to {@code io.jlvs.transport.tck}: the file-descriptor test builds that
 * class by reflection in a child JVM ({@code DirectorChild}).
 */
module io.jlvs.transport.tck {
    requires transitive io.jlvs.core;
    requires transitive org.junit.jupiter.api;
    requires java.management; // ChildJvm reads the parent JVM's arguments

    exports io.jlvs.transport.tck;
    opens io.jlvs.transport.tck to org.junit.platform.commons;
}
