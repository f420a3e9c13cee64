package io.jlvs.transport.nio;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.conn.ConnectionTable;
import io.jlvs.core.listing.ConnectionSnapshot;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.VirtualService;
import io.jlvs.core.session.LoopEngine;
import io.jlvs.core.transport.DirectorOptions;
import io.jlvs.core.transport.DirectorRuntime;
import io.jlvs.core.transport.UdpFlowImports;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The running NIO engine: its event loops, and the listeners it keeps in step with the director's services (the
 * lifecycle every loop engine shares is core's {@link LoopEngine}; this class supplies the java.nio sockets).
 *
 * <p>Thread-safe: control operations come from any thread and reach the loops through their command queues. Shared
 * state: the counters, {@code live} and the relay budget are atomic; {@code failureListeners} is copy-on-write;
 * {@code health} is volatile (written once at the start).
 */
final class NioEngine extends LoopEngine<EventLoop, UdpEndpoint, NioEngine.ServiceState> {
    private static final Logger LOG = LoggerFactory.getLogger(NioEngine.class);

    /** What the engine knows of one service: what its sessions share, and its listeners' addresses. */
    static final class ServiceState extends LoopEngine.Service {
        ServiceState(final VirtualService service) {
            super(service);
        }
    }

    /** Hears of failed connects and ICMP port-unreachable replies from real servers (passive health). */
    interface FailureListener {
        void connectFailed(VirtualService service, RealServer server, String why, long nowNs);
    }

    final DirectorRuntime runtime;
    final Counters counters = new Counters();
    /** The relay's direct-memory budget, shared by every loop's buffer pool. */
    final RelayBudget budget;
    /** Sessions holding sockets, over every service (also those of services removed meanwhile). */
    final AtomicInteger live = new AtomicInteger();
    final EventLoop[] loops;
    final boolean reusePort;
    /** Synced UDP flows imported at a sync takeover ({@link #importFlows}). */
    final UdpFlowImports<EventLoop, UdpEndpoint> flowImport = flowImports();
    private final List<FailureListener> failureListeners = new CopyOnWriteArrayList<>();
    private volatile HealthChecks health;

    private NioEngine(final DirectorRuntime runtime) throws IOException {
        super(runtime, LOG);
        this.runtime = runtime;
        this.reusePort = reusePortSupported();
        final DirectorOptions o = runtime.options();
        this.budget = new RelayBudget(RelayBudget.resolve(o.relayBufferBudget()));
        this.loops = new EventLoop[o.eventLoops()];
        final long now = runtime.clock().nanoTime();
        for (int i = 0; i < loops.length; i++) {
            loops[i] = new EventLoop(this, i, newTable(i, now));
        }
    }

    static NioEngine start(final DirectorRuntime runtime) throws IOException {
        final NioEngine e = new NioEngine(runtime);
        e.begin();
        e.health = new HealthChecks(e);
        e.health.begin();
        LOG.info("JLVS NIO engine started: {} event loop(s), SO_REUSEPORT {}, relay buffer budget {} MiB, listening on"
            + " {}", e.loops.length, e.reusePort ? "on" : "off (one acceptor hands off)", e.budget.limit() >> 20,
            e.listening());
        return e;
    }

    private static boolean reusePortSupported() {
        try (ServerSocketChannel ch = ServerSocketChannel.open()) {
            return ch.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT);
        } catch (final IOException e) {
            return false;
        }
    }

    void addFailureListener(final FailureListener l) {
        failureListeners.add(l);
    }

    void connectFailed(final VirtualService service, final RealServer server, final String why, final long now) {
        logConnectFailure(service, server, why, now);
        if (server == null) {
            return;
        }
        for (final FailureListener l : failureListeners) {
            l.connectFailed(service, server, why, now);
        }
    }

    /**
     * A probe socket bound without {@code SO_REUSEPORT} (TCP: a non-listening socket with {@code SO_REUSEADDR},
     * which conflicts with a listener but not with connections in TIME_WAIT or with connections a previous listener
     * accepted; UDP: without {@code SO_REUSEADDR}, which would let it share). EADDRINUSE means someone listens there:
     * this process (another director) or another one.
     */
    @Override
    protected void probe(final VirtualService s, final InetSocketAddress address) throws IOException {
        try {
            if (s.key().protocol() == Protocol.TCP) {
                try (SocketChannel ch = SocketChannel.open(Families.of(address.getAddress()))) {
                    ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                    ch.bind(address);
                }
            } else {
                try (DatagramChannel ch = DatagramChannel.open(Families.of(address.getAddress()))) {
                    ch.bind(address);
                }
            }
        } catch (final java.net.BindException e) {
            throw new IOException("another listener holds " + s.key() + " already (another director or process: "
                + e.getMessage() + "); set reusePortShare (--reuse-port-share) to share the port on purpose", e);
        }
    }

    /**
     * One listener per live loop with {@code SO_REUSEPORT}, else one (whose loop hands connections off); the
     * channels are opened here and handed to the loops, and closed here when a later one fails.
     */
    @Override
    protected void bind(final ServiceState st, final InetSocketAddress address, final List<EventLoop> alive)
        throws IOException {
        final DirectorOptions o = runtime.options();
        final List<java.io.Closeable> opened = new ArrayList<>();
        try {
            final int n = reusePort ? alive.size() : 1;
            for (int i = 0; i < n; i++) {
                final EventLoop loop = alive.get(i);
                if (st.service.key().protocol() == Protocol.TCP) {
                    final ServerSocketChannel ch = TcpListener.open(address, reusePort, o.backlog());
                    opened.add(ch);
                    await(loop.submit(() -> {
                        try {
                            final TcpListener l = new TcpListener(loop, st, ch, !reusePort && loops.length > 1);
                            loop.listeners.add(l);
                            return l;
                        } catch (final IOException e) {
                            throw new IllegalStateException(e);
                        }
                    }));
                    st.bound.add((InetSocketAddress) ch.getLocalAddress());
                } else {
                    final DatagramChannel ch = UdpEndpoint.open(address, reusePort, o.receiveBufferSize());
                    opened.add(ch);
                    await(loop.submit(() -> {
                        try {
                            final UdpEndpoint u = new UdpEndpoint(loop, st, ch);
                            loop.udpEndpoints.add(u);
                            return u;
                        } catch (final IOException e) {
                            throw new IllegalStateException(e);
                        }
                    }));
                    st.bound.add((InetSocketAddress) ch.getLocalAddress());
                }
            }
        } catch (final IOException | RuntimeException e) {
            for (final java.io.Closeable c : opened) {
                closeQuietly(c);
            }
            throw e;
        }
    }

    private static void closeQuietly(final java.io.Closeable c) {
        try {
            c.close();
        } catch (final IOException ignored) {
            // closing
        }
    }

    @Override
    protected void closeListenersOf(final EventLoop loop, final ServiceState st) {
        removeAndClose(loop.listeners, l -> l.state == st, TcpListener::close);
        loop.paused.removeIf(l -> l.state == st);
        removeAndClose(loop.udpEndpoints, u -> u.state == st, UdpEndpoint::close);
    }

    @Override
    protected ServiceState newService(final VirtualService service) {
        return new ServiceState(service);
    }

    @Override
    protected EventLoop[] loops() {
        return loops;
    }

    @Override
    protected void startLoops() {
        for (final EventLoop l : loops) {
            l.start();
        }
    }

    @Override
    protected void execute(final EventLoop loop, final Runnable task) {
        loop.execute(task);
    }

    @Override
    protected <T> CompletableFuture<T> submit(final EventLoop loop, final Supplier<T> task) {
        return loop.submit(task);
    }

    @Override
    protected CompletableFuture<List<ConnectionSnapshot>> snapshot(final EventLoop loop) {
        return loop.snapshot();
    }

    @Override
    protected ConnectionTable table(final EventLoop loop) {
        return loop.table;
    }

    @Override
    protected String death(final EventLoop loop) {
        return loop.death();
    }

    @Override
    protected boolean running(final EventLoop loop) {
        return loop.alive();
    }

    @Override
    protected String loopName(final EventLoop loop) {
        return "jlvs-loop-" + loop.index;
    }

    @Override
    protected void closeListeners(final EventLoop loop) {
        loop.closeListeners();
    }

    @Override
    protected void closeConnections(final EventLoop loop) {
        loop.closeAllSessions();
    }

    @Override
    protected void stop(final EventLoop loop) {
        loop.execute(loop::stop);
    }

    @Override
    protected void join(final EventLoop loop, final long millis) throws InterruptedException {
        loop.join(millis);
    }

    @Override
    protected void startNodestSweep(final EventLoop loop) {
        loop.startNodestSweep();
    }

    @Override
    protected Iterable<UdpEndpoint> udpEndpoints(final EventLoop loop) {
        return loop.udpEndpoints;
    }

    @Override
    protected void stopHealth() {
        final HealthChecks h = health;
        if (h != null) {
            h.stop();
        }
    }

    @Override
    protected String healthDeath() {
        final HealthChecks h = health;
        return h == null ? null : h.death();
    }

    @Override
    public int liveConnections() {
        return live.get();
    }

    @Override
    public Map<String, Long> counters() {
        final Map<String, Long> m = counters.snapshot();
        long buffers = 0;
        for (final EventLoop l : loops) {
            buffers += l.pool.allocated();
        }
        m.put("buffers_allocated", buffers);
        long failures = 0;
        for (final EventLoop l : loops) {
            failures += l.pool.allocationFailures();
        }
        m.put("buffer_allocation_failures", failures);
        m.put("buffer_refusals", budget.refusals());
        m.put("relay_budget_bytes", budget.limit());
        m.put("relay_reserved_bytes", budget.reserved());
        flowImport.counters(m);
        return m;
    }

    /** The health checker, for tests. */
    HealthChecks healthChecks() {
        return health;
    }

    /**
     * Bytes of PROXY headers read so far by connections still waiting for the rest of their header, on every loop,
     * for tests that must know a first piece was read before they send the next.
     */
    int headerBytesPending() throws IOException {
        int n = 0;
        for (final EventLoop l : loops) {
            n += await(l.submit(() -> {
                int sum = 0;
                for (ProxySession s = l.awaitingHeader.head; s != null; s = s.timerNext) {
                    sum += s.session.headerBuffer().position();
                }
                return sum;
            }));
        }
        return n;
    }

    /**
     * Returns once every loop has run a whole duty cycle (clock read, expiry, timers) that began after this call:
     * two task round trips per loop, since a task may run just before or just after the cycle's work. For tests that
     * move a fake clock and must know the loops saw it before they check that nothing happened.
     */
    void awaitFullCycle() throws IOException {
        for (int round = 0; round < 2; round++) {
            for (final EventLoop l : loops) {
                await(l.submit(() -> 0));
            }
        }
    }

    /** Buffers in flight on every loop, for tests of back-pressure. */
    int buffersInFlight() throws IOException {
        int n = 0;
        for (final EventLoop l : loops) {
            n += await(l.submit(l.pool::outstanding));
        }
        return n;
    }
}
