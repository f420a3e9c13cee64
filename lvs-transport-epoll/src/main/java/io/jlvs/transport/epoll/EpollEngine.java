package io.jlvs.transport.epoll;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.config.Extensions;
import io.jlvs.core.config.LvsException;
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
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
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
 * The running epoll engine: its event loops, and the listeners it keeps in step with the director's services (one
 * {@code SO_REUSEPORT} listener per service on every loop: a listening socket for TCP, a {@link UdpEndpoint} for
 * UDP).
 *
 * <p>Thread-safe: control operations come from any thread and reach the loops through their command queues. Shared
 * state: the counters and {@code live} are atomic; the per-server connect-failure logs are a synchronized map used
 * on the failure path only (from any loop); {@code states} is a concurrent map; {@code closing} is volatile.
 */
final class EpollEngine implements TransportEngine, ServiceTable.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(EpollEngine.class);
    private static final long COMMAND_WAIT_SECONDS = 30;

    /** What the engine knows of one service: what its sessions share, and its listeners' addresses. */
    static final class ServiceState extends ForwardedService {
        final List<InetSocketAddress> bound = new CopyOnWriteArrayList<>();

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
    final io.jlvs.core.transport.UdpFlowImports<EpollLoop, UdpEndpoint> flowImport;
    /** Datagrams per recvmmsg/sendmmsg call of the UDP services. */
    final int udpBatch;
    /** The TCP relay path; set by {@link #start} before the loops start, read by the loop threads. */
    SpliceMode splice = EpollTransport.DEFAULT_SPLICE;
    /** The pipe size asked for; set by {@link #start} before the loops start, read by the loop threads. */
    int pipeBytes = EpollTransport.DEFAULT_PIPE_BYTES;
    private final Map<RealServer, RateLimitedLog> connectFailureLogs = Collections.synchronizedMap(
        new WeakHashMap<>());
    private final Map<VirtualService, ServiceState> states = new ConcurrentHashMap<>();
    private volatile boolean closing;
    /** The health-check thread, once started. */
    private volatile EpollHealth health;

    private EpollEngine(final DirectorRuntime runtime, final int udpBatch) {
        this.runtime = runtime;
        this.udpBatch = udpBatch;
        this.flowImport = new io.jlvs.core.transport.UdpFlowImports<>(runtime, new UdpImportHost(this));
        final DirectorOptions o = runtime.options();
        this.loops = new EpollLoop[o.eventLoops()];
        final long now = runtime.clock().nanoTime();
        for (int i = 0; i < loops.length; i++) {
            final ConnectionTable t = new ConnectionTable(runtime.timeouts(), runtime.persistence(),
                runtime.services().totals(), i + 1, 1024, now);
            t.expireNodest(o.expireNodestConn(), o.expireQuiescentConn());
            loops[i] = new EpollLoop(this, i, t);
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
        try {
            for (final EpollLoop l : e.loops) {
                l.start();
            }
            for (final EpollLoop l : e.loops) {
                l.awaitStarted();
            }
            for (final VirtualService s : runtime.services().services()) {
                e.openService(s);
            }
        } catch (final IOException | RuntimeException ex) {
            e.close(0);
            throw ex;
        }
        runtime.services().addListener(e);
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
            if (c instanceof IllegalStateException && c.getCause() instanceof IOException) {
                throw (IOException) c.getCause();
            }
            throw new IOException(c);
        } catch (final TimeoutException e) {
            throw new IOException("event loop did not answer within " + COMMAND_WAIT_SECONDS + " s", e);
        }
    }

    /**
     * Refuses an address another listener holds already, as the NIO engine does: a probe socket bound with
     * {@code SO_REUSEADDR} and without {@code SO_REUSEPORT} conflicts with a listener (this process's or another's)
     * but not with connections in TIME_WAIT; for UDP a datagram socket bound without either.
     */
    private void probe(final VirtualService s, final InetSocketAddress address) throws IOException {
        if (address.getPort() == 0 || runtime.options().reusePortShare()) {
            return;
        }
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

    private List<EpollLoop> aliveLoops() throws IOException {
        final List<EpollLoop> out = new ArrayList<>();
        for (final EpollLoop l : loops) {
            if (l.death() == null && l.isAlive()) {
                out.add(l);
            }
        }
        if (out.isEmpty()) {
            throw new IOException("every event loop has died");
        }
        return out;
    }

    private void openService(final VirtualService s) throws IOException {
        if (Extensions.kernelForwarded(s.config())) {
            return; // --forward kernel: the kernel data path (lvs-kernel) forwards it
        }
        final ServiceState st = new ServiceState(s);
        final boolean udp = s.key().protocol() == Protocol.UDP;
        InetSocketAddress address = new InetSocketAddress(s.key().address(), s.key().port());
        final int backlog = runtime.options().backlog();
        try {
            probe(s, address);
            for (final EpollLoop loop : aliveLoops()) {
                final InetSocketAddress at = address;
                final InetSocketAddress bound = await(loop.submit(() -> {
                    try {
                        if (udp) {
                            return UdpEndpoint.open(loop, st, at, runtime.options().receiveBufferSize()).virtual;
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
        } catch (final IOException | RuntimeException e) {
            closeService(st);
            throw new IOException("cannot listen on " + s.key() + ": " + e.getMessage(), e);
        }
        states.put(s, st);
    }

    private void closeService(final ServiceState st) {
        for (final EpollLoop loop : loops) {
            loop.execute(() -> {
                loop.listeners.removeIf(l -> {
                    if (l.state == st) {
                        l.close();
                        return true;
                    }
                    return false;
                });
                loop.paused.removeIf(l -> l.state == st);
                loop.udp.close(st);
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
            for (final EpollLoop l : loops) {
                l.execute(l::startNodestSweep);
            }
        }
    }

    @Override
    public void close(final long drainNanos) {
        closing = true;
        runtime.services().removeListener(this);
        if (health != null) {
            health.end();
        }
        for (final EpollLoop l : loops) {
            l.execute(l::closeListeners);
        }
        final long deadline = System.nanoTime() + drainNanos;
        while (liveConnections() > 0 && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        for (final EpollLoop l : loops) {
            l.execute(l::closeAllConnections);
            l.shutdown();
        }
        for (final EpollLoop l : loops) {
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
        for (final EpollLoop l : loops) {
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
        for (final EpollLoop l : loops) {
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

    @Override
    public Health health() {
        final List<String> problems = new ArrayList<>();
        for (final EpollLoop l : loops) {
            final String d = l.death();
            if (d != null) {
                problems.add(d);
            } else if (!closing && !l.isAlive()) {
                problems.add(l.getName() + " is not running");
            }
        }
        final EpollHealth h = health;
        if (h != null && h.death() != null) {
            problems.add(h.death());
        }
        return Health.of(problems);
    }

    @Override
    public io.jlvs.core.transport.FlowImportResult importFlows(final List<io.jlvs.core.transport.FlowImport> flows) {
        return flowImport.importFlows(flows);
    }
}
