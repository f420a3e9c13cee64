package io.jlvs.transport.nio;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.config.Extensions;
import io.jlvs.core.config.LvsException;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.conn.ConnectionTable;
import io.jlvs.core.listing.ConnectionSnapshot;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.ServiceTable;
import io.jlvs.core.service.VirtualService;
import io.jlvs.core.session.ForwardedService;
import io.jlvs.core.session.RateLimitedLog;
import io.jlvs.core.transport.DirectorOptions;
import io.jlvs.core.transport.DirectorRuntime;
import io.jlvs.core.transport.Health;
import io.jlvs.core.transport.TransportEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The running NIO engine: its event loops, and the listeners it keeps in step with the director's services.
 *
 * <p>Thread-safe: control operations come from any thread and reach the loops through their command queues. Shared
 * state: the counters and the relay budget are atomic; the per-server connect-failure logs are a synchronized map
 * used on the failure path only (from any loop); {@code states} is a concurrent map; {@code closing} is volatile.
 */
final class NioEngine implements TransportEngine, ServiceTable.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(NioEngine.class);
    private static final long COMMAND_WAIT_SECONDS = 30;

    /** What the engine knows of one service: what its sessions share, and its listeners' addresses. */
    static final class ServiceState extends ForwardedService {
        final List<InetSocketAddress> bound = new CopyOnWriteArrayList<>();

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
    /** One rate-limited connect-failure line per real server (failure path only: the lock is off the data path). */
    private final Map<RealServer, RateLimitedLog> connectFailureLogs = Collections.synchronizedMap(
        new WeakHashMap<>());
    /** Sessions holding sockets, over every service (also those of services removed meanwhile). */
    final AtomicInteger live = new AtomicInteger();
    final EventLoop[] loops;
    final boolean reusePort;
    private final Map<VirtualService, ServiceState> states = new ConcurrentHashMap<>();
    /** Synced UDP flows imported at a sync takeover ({@link #importFlows}). */
    final io.jlvs.core.transport.UdpFlowImports<EventLoop, UdpEndpoint> flowImport;
    private final List<FailureListener> failureListeners = new CopyOnWriteArrayList<>();
    private volatile boolean closing;
    private HealthChecks health;

    private NioEngine(final DirectorRuntime runtime) throws IOException {
        this.runtime = runtime;
        this.flowImport = new io.jlvs.core.transport.UdpFlowImports<>(runtime, new UdpImportHost(this));
        this.reusePort = reusePortSupported();
        final DirectorOptions o = runtime.options();
        this.budget = new RelayBudget(RelayBudget.resolve(o.relayBufferBudget()));
        this.loops = new EventLoop[o.eventLoops()];
        final long now = runtime.clock().nanoTime();
        for (int i = 0; i < loops.length; i++) {
            final ConnectionTable t = new ConnectionTable(runtime.timeouts(), runtime.persistence(),
                runtime.services().totals(), i + 1, 1024, now);
            t.expireNodest(o.expireNodestConn(), o.expireQuiescentConn());
            loops[i] = new EventLoop(this, i, t);
        }
    }

    static NioEngine start(final DirectorRuntime runtime) throws IOException {
        final NioEngine e = new NioEngine(runtime);
        for (final EventLoop l : e.loops) {
            l.start();
        }
        try {
            for (final VirtualService s : runtime.services().services()) {
                e.openService(s);
            }
        } catch (final IOException | RuntimeException ex) {
            e.close(0);
            throw ex;
        }
        runtime.services().addListener(e);
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
        if (server == null) {
            LOG.debug("{}: connect to the sorry server failed: {}", service.key(), why);
            return;
        }
        RateLimitedLog log = connectFailureLogs.get(server);
        if (log == null) {
            log = new RateLimitedLog(LOG, "connect to real server " + server.addressAndPort() + " of "
                + service.key() + " failed", 5, TimeUnit.SECONDS);
            final RateLimitedLog other = connectFailureLogs.putIfAbsent(server, log);
            if (other != null) {
                log = other;
            }
        }
        log.warn(now, why);
        for (final FailureListener l : failureListeners) {
            l.connectFailed(service, server, why, now);
        }
    }

    private <T> T await(final CompletableFuture<T> f) throws IOException {
        try {
            return f.get(COMMAND_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (final ExecutionException e) {
            final Throwable c = e.getCause();
            if (c instanceof IOException) {
                throw (IOException) c;
            }
            throw new IOException(c);
        } catch (final TimeoutException e) {
            throw new IOException("event loop did not answer within " + COMMAND_WAIT_SECONDS + " s", e);
        }
    }

    /**
     * Refuses an address another listener holds already: binds a probe socket without {@code SO_REUSEPORT} (TCP: a
     * non-listening socket with {@code SO_REUSEADDR}, which conflicts with a listener but not with connections in
     * TIME_WAIT or with connections a previous listener accepted; UDP: without {@code SO_REUSEADDR}, which would let
     * it share). EADDRINUSE means someone listens there: this process (another director) or another one.
     */
    private void probe(final VirtualService s, final InetSocketAddress address) throws IOException {
        if (address.getPort() == 0 || runtime.options().reusePortShare()) {
            return;
        }
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

    /** The loops that can take listeners: those that have not died. */
    private List<EventLoop> aliveLoops() throws IOException {
        final List<EventLoop> out = new ArrayList<>();
        for (final EventLoop l : loops) {
            if (l.death() == null) {
                out.add(l);
            }
        }
        if (out.isEmpty()) {
            throw new IOException("every event loop has died");
        }
        return out;
    }

    private void openService(final VirtualService s) throws IOException {
        if (io.jlvs.core.config.Extensions.kernelForwarded(s.config())) {
            return; // --forward kernel: the kernel data path (lvs-kernel) forwards it; health checks still run here
        }
        final ServiceState st = new ServiceState(s);
        final InetSocketAddress address = new InetSocketAddress(s.key().address(), s.key().port());
        final DirectorOptions o = runtime.options();
        final List<Runnable> undo = new ArrayList<>();
        try {
            probe(s, address);
            final List<EventLoop> alive = aliveLoops();
            if (s.key().protocol() == Protocol.TCP) {
                final int n = reusePort ? alive.size() : 1;
                for (int i = 0; i < n; i++) {
                    final ServerSocketChannel ch = TcpListener.open(address, reusePort, o.backlog());
                    undo.add(() -> closeQuietly(ch));
                    final EventLoop loop = alive.get(i);
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
                }
            } else {
                final int n = reusePort ? alive.size() : 1;
                for (int i = 0; i < n; i++) {
                    final DatagramChannel ch = UdpEndpoint.open(address, reusePort, o.receiveBufferSize());
                    undo.add(() -> closeQuietly(ch));
                    final EventLoop loop = alive.get(i);
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
            for (final Runnable r : undo) {
                r.run();
            }
            closeService(st);
            throw new IOException("cannot listen on " + s.key() + ": " + e.getMessage(), e);
        }
        states.put(s, st);
    }

    private static void closeQuietly(final java.io.Closeable c) {
        try {
            c.close();
        } catch (final IOException ignored) {
            // closing
        }
    }

    private void closeService(final ServiceState st) {
        for (final EventLoop loop : loops) {
            loop.execute(() -> {
                loop.listeners.removeIf(l -> {
                    if (l.state == st) {
                        l.close();
                        return true;
                    }
                    return false;
                });
                loop.paused.removeIf(l -> l.state == st);
                loop.udpEndpoints.removeIf(u -> {
                    if (u.state == st) {
                        u.close();
                        return true;
                    }
                    return false;
                });
            });
        }
    }

    @Override
    public void serviceAdded(final VirtualService service) {
        if (closing) {
            return;
        }
        try {
            openService(service);
        } catch (final IOException e) {
            // the service table rolls the addition back: the caller learns why and nothing is listed
            throw new LvsException(e.getMessage());
        }
    }

    @Override
    public void serviceRemoved(final VirtualService service) {
        final ServiceState st = states.remove(service);
        if (st != null) {
            closeService(st);
        }
        nodestSweep();
    }

    @Override
    public void serversChanged(final VirtualService service) {
        nodestSweep();
    }

    private void nodestSweep() {
        final DirectorOptions o = runtime.options();
        if (o.expireNodestConn() || o.expireQuiescentConn()) {
            for (final EventLoop l : loops) {
                l.execute(l::startNodestSweep);
            }
        }
    }

    @Override
    public void close(final long drainNanos) {
        closing = true;
        runtime.services().removeListener(this);
        if (health != null) {
            health.stop();
        }
        for (final EventLoop l : loops) {
            l.execute(l::closeListeners);
        }
        final long deadline = System.nanoTime() + drainNanos;
        while (liveConnections() > 0 && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        for (final EventLoop l : loops) {
            l.execute(l::closeAllSessions);
            l.execute(l::stop);
        }
        for (final EventLoop l : loops) {
            try {
                l.join(TimeUnit.SECONDS.toMillis(COMMAND_WAIT_SECONDS));
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        states.clear();
    }

    @Override
    public List<ConnectionSnapshot> connections() {
        final List<CompletableFuture<List<ConnectionSnapshot>>> parts = new ArrayList<>();
        for (final EventLoop l : loops) {
            parts.add(l.snapshot());
        }
        final List<ConnectionSnapshot> out = new ArrayList<>();
        for (final CompletableFuture<List<ConnectionSnapshot>> f : parts) {
            try {
                out.addAll(await(f));
            } catch (final IOException e) {
                LOG.warn("listing connections: {}", e.getMessage());
            }
        }
        return out;
    }

    @Override
    public int connectionTableSize() {
        int n = 0;
        for (final EventLoop l : loops) {
            n += l.table.capacity();
        }
        return n;
    }

    @Override
    public int liveConnections() {
        return live.get();
    }

    @Override
    public List<InetSocketAddress> listening() {
        final List<InetSocketAddress> out = new ArrayList<>();
        for (final ServiceState s : states.values()) {
            for (final InetSocketAddress a : s.bound) {
                if (!out.contains(a)) {
                    out.add(a);
                }
            }
        }
        return out;
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

    @Override
    public Health health() {
        final List<String> problems = new ArrayList<>();
        for (final EventLoop l : loops) {
            final String d = l.death();
            if (d != null) {
                problems.add(d);
            } else if (!closing && !l.alive()) {
                problems.add("jlvs-loop-" + l.index + " is not running");
            }
        }
        if (health != null) {
            final String d = health.death();
            if (d != null) {
                problems.add(d);
            }
        }
        return Health.of(problems);
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

    @Override
    public io.jlvs.core.transport.FlowImportResult importFlows(
        final List<io.jlvs.core.transport.FlowImport> flows) {
        return flowImport.importFlows(flows);
    }
}
