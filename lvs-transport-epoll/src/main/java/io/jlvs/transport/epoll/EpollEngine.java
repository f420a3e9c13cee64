package io.jlvs.transport.epoll;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.conn.ConnectionTable;
import io.jlvs.core.listing.ConnectionSnapshot;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.VirtualService;
import io.jlvs.core.session.LoopEngine;
import io.jlvs.core.transport.DirectorRuntime;
import io.jlvs.core.transport.UdpFlowImports;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The running epoll engine: its event loops, and the listeners it keeps in step with the director's services (one
 * {@code SO_REUSEPORT} listener per service on every loop: a listening socket for TCP, a {@link UdpEndpoint} for
 * UDP). The lifecycle every loop engine shares is core's {@link LoopEngine}; this class supplies the epoll loops and
 * sockets.
 *
 * <p>Thread-safe: control operations come from any thread and reach the loops through their command queues. Shared
 * state: the counters and {@code live} are atomic; {@code health} is volatile.
 */
final class EpollEngine extends LoopEngine<EpollLoop, UdpEndpoint, EpollEngine.ServiceState> {
    private static final Logger LOG = LoggerFactory.getLogger(EpollEngine.class);

    /** What the engine knows of one service: what its sessions share, and its listeners' addresses. */
    static final class ServiceState extends LoopEngine.Service {
        ServiceState(final VirtualService service) {
            super(service);
        }
    }

    final DirectorRuntime runtime;
    final EpollCounters counters = new EpollCounters();
    /** Connections holding sockets, over every service. */
    final AtomicInteger live = new AtomicInteger();
    final EpollLoop[] loops;
    /** Synced UDP flows imported at a sync takeover ({@link #importFlows}); thread-safe. */
    final UdpFlowImports<EpollLoop, UdpEndpoint> flowImport = flowImports();
    /** Datagrams per recvmmsg/sendmmsg call of the UDP services. */
    final int udpBatch;
    /** The TCP relay path; set by {@link #start} before the loops start, read by the loop threads. */
    SpliceMode splice = EpollTransport.DEFAULT_SPLICE;
    /** The pipe size asked for; set by {@link #start} before the loops start, read by the loop threads. */
    int pipeBytes = EpollTransport.DEFAULT_PIPE_BYTES;
    /** The health-check thread, once started. */
    private volatile EpollHealth health;

    private EpollEngine(final DirectorRuntime runtime, final int udpBatch) {
        super(runtime, LOG);
        this.runtime = runtime;
        this.udpBatch = udpBatch;
        this.loops = new EpollLoop[runtime.options().eventLoops()];
        final long now = runtime.clock().nanoTime();
        for (int i = 0; i < loops.length; i++) {
            loops[i] = new EpollLoop(this, i, newTable(i, now));
        }
    }

    static EpollEngine start(final DirectorRuntime runtime, final int udpBatch) throws IOException {
        return start(runtime, udpBatch, EpollTransport.DEFAULT_SPLICE, EpollTransport.DEFAULT_PIPE_BYTES);
    }

    static EpollEngine start(final DirectorRuntime runtime, final int udpBatch, final SpliceMode splice,
                             final int pipeBytes) throws IOException {
        final EpollEngine e = new EpollEngine(runtime, udpBatch);
        e.splice = splice;
        e.pipeBytes = pipeBytes;
        e.begin();
        e.health = new EpollHealth(e);
        e.health.begin();
        LOG.info("JLVS epoll engine started: {} event loop(s), SO_REUSEPORT listeners, level-triggered epoll, TCP relay"
            + " path {} ({} byte pipes), UDP by recvmmsg/sendmmsg batches of {}, listening on {}", e.loops.length,
            splice.path(), pipeBytes, udpBatch, e.listening());
        return e;
    }

    void connectFailed(final VirtualService service, final RealServer server, final String why, final long now) {
        final EpollHealth h = health;
        if (h != null) {
            h.connectFailed(service, server, why, now); // passive checking
        }
        logConnectFailure(service, server, why, now);
    }

    /**
     * As the NIO engine does: a probe socket bound with {@code SO_REUSEADDR} and without {@code SO_REUSEPORT}
     * conflicts with a listener (this process's or another's) but not with connections in TIME_WAIT; for UDP a
     * datagram socket bound without either.
     */
    @Override
    protected void probe(final VirtualService s, final InetSocketAddress address) throws IOException {
        final StandardProtocolFamily family = address.getAddress() instanceof java.net.Inet6Address
            ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
        try {
            if (s.key().protocol() == Protocol.UDP) {
                try (java.nio.channels.DatagramChannel ch = java.nio.channels.DatagramChannel.open(family)) {
                    ch.bind(address); // without SO_REUSEADDR, which would let a datagram socket share
                }
            } else {
                try (SocketChannel ch = SocketChannel.open(family)) {
                    ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                    ch.bind(address);
                }
            }
        } catch (final BindException e) {
            throw new IOException("another listener holds " + s.key() + " already (another director or process: "
                + e.getMessage() + "); set reusePortShare (--reuse-port-share) to share the port on purpose", e);
        }
    }

    /** One listener per live loop, each opened on its loop's thread; a port 0 becomes the first one's port. */
    @Override
    protected void bind(final ServiceState st, final InetSocketAddress first, final List<EpollLoop> alive)
        throws IOException {
        final boolean udp = st.service.key().protocol() == Protocol.UDP;
        final int backlog = runtime.options().backlog();
        InetSocketAddress address = first;
        for (final EpollLoop loop : alive) {
            final InetSocketAddress at = address;
            final InetSocketAddress bound = await(loop.submit(() -> {
                try {
                    if (udp) {
                        return loop.udp.open(st, at, runtime.options().receiveBufferSize()).virtual;
                    }
                    final EpollListener l = EpollListener.open(loop, st, at, backlog);
                    loop.listeners.add(l);
                    return l.localAddress();
                } catch (final IOException e) {
                    throw new IllegalStateException(e);
                }
            }));
            st.bound.add(bound);
            address = bound; // a port 0 becomes the first listener's port for the other loops
        }
    }

    @Override
    protected void closeListenersOf(final EpollLoop loop, final ServiceState st) {
        removeAndClose(loop.listeners, l -> l.state == st, EpollListener::close);
        loop.paused.removeIf(l -> l.state == st);
        loop.udp.close(st);
    }

    @Override
    protected ServiceState newService(final VirtualService service) {
        return new ServiceState(service);
    }

    @Override
    protected EpollLoop[] loops() {
        return loops;
    }

    @Override
    protected void startLoops() throws IOException {
        for (final EpollLoop l : loops) {
            l.start();
        }
        for (final EpollLoop l : loops) {
            l.awaitStarted();
        }
    }

    @Override
    protected boolean takesListeners(final EpollLoop loop) {
        return loop.death() == null && loop.isAlive();
    }

    @Override
    protected void execute(final EpollLoop loop, final Runnable task) {
        loop.execute(task);
    }

    @Override
    protected <T> CompletableFuture<T> submit(final EpollLoop loop, final Supplier<T> task) {
        return loop.submit(task);
    }

    @Override
    protected CompletableFuture<List<ConnectionSnapshot>> snapshot(final EpollLoop loop) {
        return loop.snapshot();
    }

    @Override
    protected ConnectionTable table(final EpollLoop loop) {
        return loop.table;
    }

    @Override
    protected String death(final EpollLoop loop) {
        return loop.death();
    }

    @Override
    protected boolean running(final EpollLoop loop) {
        return loop.isAlive();
    }

    @Override
    protected String loopName(final EpollLoop loop) {
        return loop.getName();
    }

    @Override
    protected void closeListeners(final EpollLoop loop) {
        loop.closeListeners();
    }

    @Override
    protected void closeConnections(final EpollLoop loop) {
        loop.closeAllConnections();
    }

    @Override
    protected void stop(final EpollLoop loop) {
        loop.shutdown();
    }

    @Override
    protected void join(final EpollLoop loop, final long millis) throws InterruptedException {
        loop.join(millis);
    }

    @Override
    protected void startNodestSweep(final EpollLoop loop) {
        loop.startNodestSweep();
    }

    @Override
    protected Iterable<UdpEndpoint> udpEndpoints(final EpollLoop loop) {
        return loop.udp.endpoints;
    }

    @Override
    protected void stopHealth() {
        final EpollHealth h = health;
        if (h != null) {
            h.end();
        }
    }

    @Override
    protected String healthDeath() {
        final EpollHealth h = health;
        return h == null ? null : h.death();
    }

    @Override
    public int liveConnections() {
        return live.get();
    }

    @Override
    public Map<String, Long> counters() {
        final Map<String, Long> m = counters.snapshot();
        long calls = 0;
        for (final EpollLoop l : loops) {
            calls += l.systemCalls();
        }
        m.put("syscalls", calls);
        flowImport.counters(m);
        return m;
    }

    /** {@return the health-check thread (for tests), or null before start} */
    EpollHealth healthChecks() {
        return health;
    }
}
