/**
 * The portable java.nio transport of JLVS: event loops, TCP relay over pooled direct buffers, UDP forwarding and
 * active health checkers. Found by {@code LoadBalancer} through {@link java.util.ServiceLoader}; applications
 * need not name any of its types.
 *
 * <p>{@code jdk.unsupported} is required because JCTools' queues use {@code sun.misc.Unsafe} and JCTools
 * requires that module only statically.
 */
@SuppressWarnings("requires-automatic")
module io.jlvs.transport.nio {
    requires transitive io.jlvs.core;
    requires io.jlvs.scheduler;
    requires org.agrona;
    requires org.jctools.core;
    requires org.slf4j;
    requires jdk.unsupported;
    requires java.management; // RelayBudget reads the direct-memory limit (HotSpot option, VM arguments)
    requires jdk.management;

    exports io.jlvs.transport.nio;

    provides io.jlvs.core.transport.Transport with io.jlvs.transport.nio.NioTransport;
}
