/**
 * The Linux epoll transport of JLVS on the Foreign Function and Memory API (Java 22+): found by
 * {@code io.jlvs.core.LoadBalancer} through {@link java.util.ServiceLoader} under the name {@code epoll};
 * applications need not name any of its types. Only {@code io.jlvs.transport.epoll} is exported; the native layer
 * ({@code io.jlvs.transport.epoll.internal}: system calls, memory layouts, relays) is not.
 *
 * <p>Native access: the transport calls {@code epoll}, {@code splice} and friends through downcall handles, which
 * the JVM allows only to modules granted native access. An application on the module path starts the JVM with
 * {@code --enable-native-access=io.jlvs.transport.epoll}; on the class path with
 * {@code --enable-native-access=ALL-UNNAMED} (the {@code jlvs.jar} manifest says so itself). Without it the
 * transport reports itself unavailable, with that reason, and the {@code auto} choice takes NIO. No
 * {@code --add-opens} or {@code --add-reads} is needed.
 */
module io.jlvs.transport.epoll {
    requires transitive io.jlvs.core;
    requires io.jlvs.scheduler;
    requires org.slf4j;

    exports io.jlvs.transport.epoll;

    provides io.jlvs.core.transport.Transport with io.jlvs.transport.epoll.EpollTransport;
}
