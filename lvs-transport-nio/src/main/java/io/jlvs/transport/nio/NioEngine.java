package io.jlvs.transport.nio;

import io.jlvs.core.Protocol;
import io.jlvs.core.config.Extensions;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.conn.ConnectionTable;
import io.jlvs.core.listing.ConnectionSnapshot;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.ServiceTable;
import io.jlvs.core.service.VirtualService;
import io.jlvs.core.transport.DirectorOptions;
import io.jlvs.core.transport.DirectorRuntime;
import io.jlvs.core.transport.TransportEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * <p>Thread-safe: control operations come from any thread and reach the loops through their command queues.
 */
final class NioEngine implements TransportEngine, ServiceTable.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(NioEngine.class);
    private static final long COMMAND_WAIT_SECONDS = 30;

    /** What the engine knows of one service: its live connection count and its listeners' addresses. */
    static final class ServiceState {
        final VirtualService service;
        final AtomicInteger live = new AtomicInteger();
        final List<InetSocketAddress> bound = new CopyOnWriteArrayList<>();
        final RateLimitedLog noDestinationLog;
        final RateLimitedLog proxyHeaderLog;
        private volatile VirtualServiceConfig cachedFor;
        private volatile int cachedMax;

        ServiceState(final VirtualService service) {
            this.service = service;
            this.noDestinationLog = new RateLimitedLog(LOG, "no destination", 5, TimeUnit.SECONDS);
            this.proxyHeaderLog = new RateLimitedLog(LOG, "bad PROXY header (connection closed)", 5,
                TimeUnit.SECONDS);
        }

        int maxConnections() {
            final VirtualServiceConfig c = service.config();
            if (c != cachedFor) {
                cachedMax = Extensions.maxConnections(c);
                cachedFor = c;
            }
            return cachedMax;
        }
    }

    /** Hears of failed connects and ICMP port-unreachable replies from real servers (passive health). */
    interface FailureListener {
        void connectFailed(VirtualService service, RealServer server, String why, long nowNs);
    }

    final DirectorRuntime runtime;
    final Counters counters = new Counters();
    /** Sessions holding sockets, over every service (also those of services removed meanwhile). */
    final AtomicInteger live = new AtomicInteger();
    final EventLoop[] loops;
    final boolean reusePort;
    private final Map<VirtualService, ServiceState> states = new ConcurrentHashMap<>();
    private final List<FailureListener> failureListeners = new CopyOnWriteArrayList<>();
    private volatile boolean closing;
    private HealthChecks health;

    private NioEngine(final DirectorRuntime runtime) throws IOException {
        this.runtime = runtime;
        this.reusePort = reusePortSupported();
        final DirectorOptions o = runtime.options();
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
        e.health.start();
        LOG.info("JLVS NIO engine started: {} event loop(s), SO_REUSEPORT {}, listening on {}", e.loops.length,
            e.reusePort ? "on" : "off (one acceptor hands off)", e.listening());
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

    void connectFailed(final ServiceState state, final RealServer server, final String why, final long now) {
        LOG.debug("{}: connect to {} failed: {}", state.service.key(), server == null ? "-" : server.addressAndPort(),
            why);
        if (server == null) {
            return;
        }
        for (final FailureListener l : failureListeners) {
            l.connectFailed(state.service, server, why, now);
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

    private void openService(final VirtualService s) throws IOException {
        if (io.jlvs.core.config.Extensions.kernelForwarded(s.config())) {
            return; // --forward kernel: the kernel data path (lvs-kernel) forwards it; health checks still run here
        }
        final ServiceState st = new ServiceState(s);
        final InetSocketAddress address = new InetSocketAddress(s.key().address(), s.key().port());
        final DirectorOptions o = runtime.options();
        final List<Runnable> undo = new ArrayList<>();
        try {
            if (s.key().protocol() == Protocol.TCP) {
                final int n = reusePort ? loops.length : 1;
                for (int i = 0; i < n; i++) {
                    final ServerSocketChannel ch = TcpListener.open(address, reusePort, o.backlog());
                    undo.add(() -> closeQuietly(ch));
                    final EventLoop loop = loops[i];
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
                final int n = reusePort ? loops.length : 1;
                for (int i = 0; i < n; i++) {
                    final DatagramChannel ch = UdpEndpoint.open(address, reusePort, o.receiveBufferSize());
                    undo.add(() -> closeQuietly(ch));
                    final EventLoop loop = loops[i];
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
            LOG.error("{}", e.getMessage());
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
        return m;
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
