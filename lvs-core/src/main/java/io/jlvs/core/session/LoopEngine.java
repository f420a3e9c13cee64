package io.jlvs.core.session;

import io.jlvs.core.config.Extensions;
import io.jlvs.core.config.LvsException;
import io.jlvs.core.conn.ConnectionTable;
import io.jlvs.core.listing.ConnectionSnapshot;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.ServiceTable;
import io.jlvs.core.service.VirtualService;
import io.jlvs.core.transport.DirectorOptions;
import io.jlvs.core.transport.DirectorRuntime;
import io.jlvs.core.transport.FlowImport;
import io.jlvs.core.transport.FlowImportResult;
import io.jlvs.core.transport.Health;
import io.jlvs.core.transport.TransportEngine;
import io.jlvs.core.transport.UdpFlowImports;
import org.slf4j.Logger;

import java.io.IOException;
import java.net.InetSocketAddress;
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
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * What every event-loop engine does the same way, whatever its sockets: it keeps one set of listeners per service in
 * step with the {@link ServiceTable} (open on addition, roll the addition back when a listener cannot bind, close on
 * removal, a no-destination sweep on server changes), closes with a drain, gathers the connection listing from its
 * loops, names its dead loops in {@link #health()}, rate-limits the log of failed connects per real server, and lets
 * synced UDP flows in through {@link UdpFlowImports}. A transport supplies its loops and sockets through the
 * abstract methods; the NIO and the epoll engine extend it.
 *
 * <p>Thread-safe: control operations come from any thread and reach the loops through their command queues. Shared
 * state: {@code states} is a concurrent map; the connect-failure logs are a synchronized map used on the failure path
 * only (from any loop); {@code closing} is volatile. The methods documented "on the loop" run on that loop's thread.
 *
 * @param <L> the transport's event loop
 * @param <E> the transport's UDP endpoint (one per UDP service on a loop)
 * @param <S> what the transport keeps per service
 */
public abstract class LoopEngine<L, E extends UdpFlowImports.Endpoint<L, E>, S extends LoopEngine.Service>
    implements TransportEngine, ServiceTable.Listener {
    /** How long a control thread waits for a loop to answer a command, and for a loop to end at a close. */
    protected static final long COMMAND_WAIT_SECONDS = 30;

    /** What an engine knows of one service: what its sessions share, and the addresses its listeners hold. */
    public static class Service extends ForwardedService {
        /** The local addresses of the service's listeners (a port 0 resolved); thread-safe. */
        public final List<InetSocketAddress> bound = new CopyOnWriteArrayList<>();

        /**
         * Wraps a service.
         *
         * @param service the service
         */
        public Service(final VirtualService service) {
            super(service);
        }
    }

    private final DirectorRuntime runtime;
    private final Logger log;
    private final Map<RealServer, RateLimitedLog> connectFailureLogs = Collections.synchronizedMap(
        new WeakHashMap<>());
    private final Map<VirtualService, S> states = new ConcurrentHashMap<>();
    private final UdpFlowImports<L, E> flowImports;
    private volatile boolean closing;

    /**
     * For subclasses; the loops are made by the subclass after this.
     *
     * @param runtime the director's runtime
     * @param log the engine's log (the lines name the transport's engine class)
     */
    protected LoopEngine(final DirectorRuntime runtime, final Logger log) {
        this.runtime = runtime;
        this.log = log;
        this.flowImports = new UdpFlowImports<>(runtime, new ImportHost());
    }

    // ---- what the transport supplies

    /** {@return every loop of the engine, in index order} */
    protected abstract L[] loops();

    /**
     * Queues a task for a loop's thread; any thread.
     *
     * @param loop the loop
     * @param task the task
     */
    protected abstract void execute(L loop, Runnable task);

    /**
     * Runs a task on a loop's thread; any thread.
     *
     * @param <T> the result type
     * @param loop the loop
     * @param task the task
     * @return the task's result, completed by the loop (exceptionally if the task threw or the loop cannot run it)
     */
    protected abstract <T> CompletableFuture<T> submit(L loop, Supplier<T> task);

    /**
     * A copy of a loop's connection listing; any thread.
     *
     * @param loop the loop
     * @return the listing, completed by the loop
     */
    protected abstract CompletableFuture<List<ConnectionSnapshot>> snapshot(L loop);

    /**
     * A loop's connection table; read only its capacity off the loop.
     *
     * @param loop the loop
     * @return the table
     */
    protected abstract ConnectionTable table(L loop);

    /**
     * Why a loop died; any thread.
     *
     * @param loop the loop
     * @return the reason, naming the loop's thread, or null while it runs (or after a normal stop)
     */
    protected abstract String death(L loop);

    /**
     * Whether a loop's thread runs; any thread.
     *
     * @param loop the loop
     * @return whether it runs
     */
    protected abstract boolean running(L loop);

    /**
     * A loop's thread name, for {@link #health()}.
     *
     * @param loop the loop
     * @return the name
     */
    protected abstract String loopName(L loop);

    /**
     * Whether a loop takes the listeners of a service opened now; by default every loop that has not died.
     *
     * @param loop the loop
     * @return whether it takes them
     */
    protected boolean takesListeners(final L loop) {
        return death(loop) == null;
    }

    /**
     * On the loop: closes every listener and UDP endpoint of the loop (the first step of a close).
     *
     * @param loop the loop
     */
    protected abstract void closeListeners(L loop);

    /**
     * On the loop: closes every connection of the loop (the end of a close, after the drain).
     *
     * @param loop the loop
     */
    protected abstract void closeConnections(L loop);

    /**
     * Asks a loop to end once it has run the commands queued before; any thread.
     *
     * @param loop the loop
     */
    protected abstract void stop(L loop);

    /**
     * Waits for a loop's thread to end.
     *
     * @param loop the loop
     * @param millis the longest wait
     * @throws InterruptedException if the wait is interrupted
     */
    protected abstract void join(L loop, long millis) throws InterruptedException;

    /**
     * On the loop: starts its sweep of connections to servers that left or went to weight 0
     * ({@code expire_nodest_conn}, {@code expire_quiescent_template}).
     *
     * @param loop the loop
     */
    protected abstract void startNodestSweep(L loop);

    /**
     * On the loop: its UDP endpoints.
     *
     * @param loop the loop
     * @return the endpoints
     */
    protected abstract Iterable<E> udpEndpoints(L loop);

    /**
     * Makes what the transport keeps of a new service.
     *
     * @param service the service
     * @return its state, with no listener yet
     */
    protected abstract S newService(VirtualService service);

    /**
     * Refuses an address another listener holds already (another director, or another process), unless the
     * options share the port on purpose.
     *
     * @param service the service
     * @param address its address (never port 0)
     * @throws IOException naming the service when someone listens there
     */
    protected abstract void probe(VirtualService service, InetSocketAddress address) throws IOException;

    /**
     * Opens a service's listeners on the given loops (TCP listening sockets or UDP endpoints) and adds each one's
     * local address to {@link Service#bound}; what it opened before a failure is closed by
     * {@link #closeListenersOf} or by this method itself.
     *
     * @param state the service
     * @param address where to listen
     * @param loops the loops that take listeners ({@link #takesListeners}), at least one
     * @throws IOException if a listener cannot be opened
     */
    protected abstract void bind(S state, InetSocketAddress address, List<L> loops) throws IOException;

    /**
     * On the loop: closes the loop's listeners and UDP endpoints of a service and forgets its paused listeners.
     *
     * @param loop the loop
     * @param state the service
     */
    protected abstract void closeListenersOf(L loop, S state);

    /** Stops the health-check thread, if it was started; at a close. */
    protected abstract void stopHealth();

    /** {@return why the health-check thread died, or null} */
    protected abstract String healthDeath();

    /**
     * Starts the loop threads and waits until they can take commands.
     *
     * @throws IOException if a loop cannot start
     */
    protected abstract void startLoops() throws IOException;

    // ---- what the engine does the same way on every transport

    /** {@return the index of synced UDP flows imported at a takeover (thread-safe)} */
    protected final UdpFlowImports<L, E> flowImports() {
        return flowImports;
    }

    /**
     * Starts the loops, opens the listeners of every service the table holds and follows the table from then on;
     * on a failure closes what started and rethrows.
     *
     * @throws IOException if a loop cannot start or a service cannot listen
     */
    protected final void begin() throws IOException {
        try {
            startLoops();
            for (final VirtualService s : runtime.services().services()) {
                openService(s);
            }
        } catch (final IOException | RuntimeException ex) {
            close(0);
            throw ex;
        }
        runtime.services().addListener(this);
    }

    /**
     * Makes a loop's connection table from the runtime's timeouts, persistence and options.
     *
     * @param index the loop's index (its table's stripe of the statistics is {@code index + 1})
     * @param nowNs the clock's time now
     * @return the table
     */
    protected final ConnectionTable newTable(final int index, final long nowNs) {
        final DirectorOptions o = runtime.options();
        final ConnectionTable t = new ConnectionTable(runtime.timeouts(), runtime.persistence(),
            runtime.services().totals(), index + 1, 1024, nowNs);
        t.expireNodest(o.expireNodestConn(), o.expireQuiescentConn());
        return t;
    }

    /**
     * Logs a failed connect to a real server, at most one line per server every 5 s (a failed connect to the
     * sorry server at debug level); any thread.
     *
     * @param service the service
     * @param server the real server, or null for the sorry server
     * @param why what failed
     * @param nowNs the loop's time
     */
    protected final void logConnectFailure(final VirtualService service, final RealServer server, final String why,
        final long nowNs) {
        if (server == null) {
            log.debug("{}: connect to the sorry server failed: {}", service.key(), why);
            return;
        }
        RateLimitedLog l = connectFailureLogs.get(server);
        if (l == null) {
            l = new RateLimitedLog(log, "connect to real server " + server.addressAndPort() + " of "
                + service.key() + " failed", 5, TimeUnit.SECONDS);
            final RateLimitedLog other = connectFailureLogs.putIfAbsent(server, l);
            if (other != null) {
                l = other;
            }
        }
        l.warn(nowNs, why);
    }

    /**
     * Waits for a loop's answer; an {@link IOException} the task threw (also one wrapped in an
     * {@link IllegalStateException}) comes out as itself.
     *
     * @param <T> the result type
     * @param f the answer
     * @return the result
     * @throws IOException if the task failed, the wait was interrupted, or no answer came within
     *     {@link #COMMAND_WAIT_SECONDS}
     */
    protected final <T> T await(final CompletableFuture<T> f) throws IOException {
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
     * Removes from a loop's list the elements of a service, closing each; for {@link #closeListenersOf}.
     *
     * @param <T> the element type
     * @param list the list
     * @param ofService whether an element belongs to the service
     * @param close closes one element
     */
    protected static <T> void removeAndClose(final List<T> list, final Predicate<? super T> ofService,
        final Consumer<? super T> close) {
        list.removeIf(x -> {
            if (ofService.test(x)) {
                close.accept(x);
                return true;
            }
            return false;
        });
    }

    private List<L> listenerLoops() throws IOException {
        final List<L> out = new ArrayList<>();
        for (final L l : loops()) {
            if (takesListeners(l)) {
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
            return; // --forward kernel: the kernel data path (lvs-kernel) forwards it; health checks still run here
        }
        final S st = newService(s);
        final InetSocketAddress address = new InetSocketAddress(s.key().address(), s.key().port());
        try {
            if (address.getPort() != 0 && !runtime.options().reusePortShare()) {
                probe(s, address);
            }
            bind(st, address, listenerLoops());
        } catch (final IOException | RuntimeException e) {
            closeService(st);
            throw new IOException("cannot listen on " + s.key() + ": " + e.getMessage(), e);
        }
        states.put(s, st);
    }

    private void closeService(final S st) {
        for (final L loop : loops()) {
            execute(loop, () -> closeListenersOf(loop, st));
        }
    }

    @Override
    public final void serviceAdded(final VirtualService service) {
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
    public final void serviceRemoved(final VirtualService service) {
        final S st = states.remove(service);
        if (st != null) {
            closeService(st);
        }
        nodestSweep();
    }

    @Override
    public final void serversChanged(final VirtualService service) {
        nodestSweep();
    }

    private void nodestSweep() {
        final DirectorOptions o = runtime.options();
        if (o.expireNodestConn() || o.expireQuiescentConn()) {
            for (final L l : loops()) {
                execute(l, () -> startNodestSweep(l));
            }
        }
    }

    @Override
    public final void close(final long drainNanos) {
        closing = true;
        runtime.services().removeListener(this);
        stopHealth();
        for (final L l : loops()) {
            execute(l, () -> closeListeners(l));
        }
        final long deadline = System.nanoTime() + drainNanos;
        while (liveConnections() > 0 && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        for (final L l : loops()) {
            execute(l, () -> closeConnections(l));
            stop(l);
        }
        for (final L l : loops()) {
            try {
                join(l, TimeUnit.SECONDS.toMillis(COMMAND_WAIT_SECONDS));
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        states.clear();
    }

    @Override
    public final List<ConnectionSnapshot> connections() {
        final List<CompletableFuture<List<ConnectionSnapshot>>> parts = new ArrayList<>();
        for (final L l : loops()) {
            parts.add(snapshot(l));
        }
        final List<ConnectionSnapshot> out = new ArrayList<>();
        for (final CompletableFuture<List<ConnectionSnapshot>> f : parts) {
            try {
                out.addAll(await(f));
            } catch (final IOException e) {
                log.warn("listing connections: {}", e.getMessage());
            }
        }
        return out;
    }

    @Override
    public final int connectionTableSize() {
        int n = 0;
        for (final L l : loops()) {
            n += table(l).capacity();
        }
        return n;
    }

    @Override
    public final List<InetSocketAddress> listening() {
        final List<InetSocketAddress> out = new ArrayList<>();
        for (final S s : states.values()) {
            for (final InetSocketAddress a : s.bound) {
                if (!out.contains(a)) {
                    out.add(a);
                }
            }
        }
        return out;
    }

    @Override
    public final Health health() {
        final List<String> problems = new ArrayList<>();
        for (final L l : loops()) {
            final String d = death(l);
            if (d != null) {
                problems.add(d);
            } else if (!closing && !running(l)) {
                problems.add(loopName(l) + " is not running");
            }
        }
        final String h = healthDeath();
        if (h != null) {
            problems.add(h);
        }
        return Health.of(problems);
    }

    @Override
    public final FlowImportResult importFlows(final List<FlowImport> flows) {
        return flowImports.importFlows(flows);
    }

    /** The engine's side of {@link UdpFlowImports}: its live loops, their command queues and their UDP endpoints. */
    private final class ImportHost implements UdpFlowImports.Host<L, E> {
        @Override
        public List<L> liveLoops() {
            final List<L> alive = new ArrayList<>();
            for (final L l : loops()) {
                if (death(l) == null) {
                    alive.add(l);
                }
            }
            return alive;
        }

        @Override
        public <T> CompletableFuture<T> submit(final L loop, final Supplier<T> task) {
            return LoopEngine.this.submit(loop, task);
        }

        @Override
        public E endpoint(final L loop, final VirtualService service) {
            for (final E u : udpEndpoints(loop)) {
                if (u.service() == service) {
                    return u;
                }
            }
            return null;
        }

        @Override
        public boolean evict(final E endpoint, final InetSocketAddress client) {
            return endpoint.evict(client);
        }

        @Override
        public UdpFlowImports.Outcome importFlow(final E endpoint, final InetSocketAddress client,
            final RealServer server, final long remainingNs, final UdpFlowImports<L, E> index) {
            return endpoint.importFlow(client, server, remainingNs, index);
        }
    }
}
