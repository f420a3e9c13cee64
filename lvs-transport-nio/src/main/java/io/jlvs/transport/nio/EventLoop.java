package io.jlvs.transport.nio;

import io.jlvs.core.config.SourceAddresses;
import io.jlvs.core.conn.ConnectionTable;
import io.jlvs.core.listing.ConnectionSnapshot;
import io.jlvs.core.sched.MutableFlow;
import io.jlvs.core.session.RateLimitedLog;
import io.jlvs.core.session.Session;
import io.jlvs.core.session.SessionContext;
import io.jlvs.core.time.Ticker;
import io.jlvs.core.transport.DeadlineQueue;
import io.jlvs.core.transport.LiveList;
import io.jlvs.core.transport.LoopListing;
import io.jlvs.core.transport.PausedListeners;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One event loop, a {@link SelectorAgent}: a thread with its own selector, connection table, buffer pool and command
 * queue. Everything a
 * connection does happens here; other threads reach the loop only through {@link #execute}.
 *
 * <p>Duty cycle: drain at most {@value #COMMAND_LIMIT} commands, read the clock once, expire at most
 * {@value #EXPIRE_LIMIT} table entries, fire due connect and PROXY-header timeouts, resume paused listeners, then
 * select until the next deadline (at most 100 ms) and dispatch ready keys.
 *
 * <p>Failures: a handler or command that throws anything (an {@code Error} included) costs only its connection: the
 * loop closes it, counts it ({@code handler_errors}), logs at most one line per interval and goes on. A failure of
 * the duty cycle itself (outside any handler) restarts the cycle on the same thread, logged at ERROR and counted
 * ({@code loop_restarts}); more than {@value #RESTARTS} of them within {@value #RESTART_WINDOW_SECONDS} s mean the loop
 * cannot work: it closes its listeners (so the kernel sends new connections to the other loops) and its connections,
 * records why it died, and ends; {@link NioEngine#health()} then reports the director unhealthy. Restarting in
 * place rather than stopping the process: a library must not exit its embedder's JVM, the loop's state (selector,
 * table, sessions) is consistent between duty cycles, and an embedder or the {@code jlvs} command decides from
 * {@code health()} whether to exit.
 *
 * <p>Thread-safe only through {@link #execute}; every other method runs on the loop thread, except {@link #death()}
 * (a volatile field written once by the loop thread as it ends).
 */
final class EventLoop extends SelectorAgent {
    static final int EXPIRE_LIMIT = 10_000;
    /** How often sessions waiting for a buffer look for one again while the budget is spent. */
    private static final long STARVED_POLL_NS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final Logger LOG = LoggerFactory.getLogger(EventLoop.class);

    final int index;
    final NioEngine engine;
    /** Channels whose keys are cancelled, closed once the selector has dropped them. */
    private SocketChannel[] closing = new SocketChannel[64];
    private int closingCount;
    final ConnectionTable table;
    final BufferPool pool;
    final MutableFlow flow = new MutableFlow();
    final Counters counters;
    /** What this loop's sessions share (its table, the engine's options and counters). */
    final SessionContext sessions;
    private final Ticker clock;
    private final RateLimitedLog handlerLog;
    private final ArrayDeque<ProxySession> starved = new ArrayDeque<>();
    private ByteBuffer scratch;
    long now;

    // sessions waiting for a connect or a PROXY header, in order of their (fixed-timeout) deadlines
    final DeadlineQueue<ProxySession> connecting = new DeadlineQueue<>();
    final DeadlineQueue<ProxySession> awaitingHeader = new DeadlineQueue<>();
    /** This loop's idle-timer lists, one per duration in use (few: one per distinct timeout value). */
    private final List<IdleTimer.List> idleLists = new ArrayList<>();
    /** This loop's cursors over the source-address pools met so far (identity: one per parsed configuration). */
    private final IdentityHashMap<SourceAddresses, SourcePool> sourcePools = new IdentityHashMap<>();
    /** Every session holding sockets. */
    final LiveList<ProxySession> live = new LiveList<>();
    final List<TcpListener> paused = new ArrayList<>();
    final List<TcpListener> listeners = new ArrayList<>();
    final List<UdpEndpoint> udpEndpoints = new ArrayList<>();
    private int nodestCursor = -1;

    EventLoop(final NioEngine engine, final int index, final ConnectionTable table) throws IOException {
        super("jlvs-loop-" + index);
        this.engine = engine;
        this.index = index;
        this.table = table;
        this.clock = engine.runtime.clock();
        this.counters = engine.counters;
        this.pool = new BufferPool(engine.runtime.options().bufferSize(), engine.runtime.options().maxPooledBuffers(),
            engine.budget, engine.runtime.options().eventLoops());
        this.handlerLog = new RateLimitedLog(LOG, "error in a connection handler (the connection was closed)", 10,
            TimeUnit.SECONDS);
        this.sessions = new SessionContext(table, engine.runtime.options(), engine.counters.session,
            engine::connectFailed);
        this.now = clock.nanoTime();
        table.listener(c -> {
            final Object a = c.attachment();
            if (a instanceof Session) {
                counters.idleExpired.incrementAndGet();
                ((Session) a).expired();
            } else if (a instanceof UdpFlow) {
                ((UdpFlow) a).expired();
            }
        });
    }

    boolean inLoop() {
        return inAgentThread();
    }

    <T> CompletableFuture<T> submit(final java.util.function.Supplier<T> task) {
        final CompletableFuture<T> f = new CompletableFuture<>();
        execute(() -> {
            try {
                f.complete(task.get());
            } catch (final Throwable e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    @Override
    String deathNote() {
        return "its listeners and connections are closed";
    }

    @Override
    void restarted() {
        counters.loopRestarts.incrementAndGet();
    }

    @Override
    void commandFailed(final Throwable e) {
        counters.handlerErrors.incrementAndGet();
        handlerLog.warn(now, "command failed: " + e);
    }

    @Override
    void onClose() {
        closeEverything();
    }

    /** A handler or command threw: counted by the caller, logged here at most once per interval. */
    void handlerFailed(final Throwable e) {
        handlerLog.warn(now, String.valueOf(e));
    }

    /** A per-loop buffer for bytes that are dropped or sent at once (UDP replies, draining after a sorry file). */
    ByteBuffer scratch() {
        if (scratch == null) {
            scratch = ByteBuffer.allocateDirect(pool.bufferSize());
        }
        scratch.clear();
        return scratch;
    }

    /** The idle-timer list of one duration, made when a connection first needs it (not on the data path). */
    IdleTimer.List idleList(final long durationNs) {
        for (final IdleTimer.List l : idleLists) {
            if (l.durationNs == durationNs) {
                return l;
            }
        }
        final IdleTimer.List l = new IdleTimer.List(durationNs);
        idleLists.add(l);
        return l;
    }

    /**
     * This loop's view of a source-address pool, made when the loop first connects with it. Pools of replaced
     * configurations are forgotten wholesale past 64 (their cursors only spread connections; nothing is lost).
     */
    SourcePool sourcePool(final SourceAddresses addresses) {
        SourcePool p = sourcePools.get(addresses);
        if (p == null) {
            if (sourcePools.size() >= 64) {
                sourcePools.clear();
            }
            p = new SourcePool(addresses);
            sourcePools.put(addresses, p);
        }
        return p;
    }

    /** A session found no buffer: it waits (not reading) until the pool has one. */
    void starved(final ProxySession s) {
        starved.addLast(s);
        counters.bufferWaits.incrementAndGet();
    }

    private void resumeStarved() {
        for (int i = 0; i < 256 && !starved.isEmpty() && pool.mayAcquire(); i++) {
            starved.pollFirst().resume();
        }
    }

    @Override
    int doWork() {
        now = clock.nanoTime();
        int work = table.expire(now, EXPIRE_LIMIT);
        if (!udpEndpoints.isEmpty()) {
            final long udpTimeout = engine.runtime.timeouts().timeoutNs(io.jlvs.core.conn.ConnState.UDP);
            for (final UdpEndpoint u : udpEndpoints) {
                u.expireOps(now, udpTimeout, EXPIRE_LIMIT);
            }
        }
        if (nodestCursor >= 0) {
            nodestCursor = table.expireNodest(nodestCursor, 4096);
            work++;
        }
        work += fireTimeouts();
        PausedListeners.resumeDue(paused, now);
        if (!starved.isEmpty()) {
            resumeStarved();
        }
        return work;
    }

    @Override
    long idleNs() {
        if (closingCount > 0) {
            return 0;
        }
        long waitNs = starved.isEmpty() ? TimeUnit.MILLISECONDS.toNanos(100) : STARVED_POLL_NS;
        waitNs = Math.min(waitNs, connecting.nextDeadline() - now);
        waitNs = Math.min(waitNs, awaitingHeader.nextDeadline() - now);
        for (int i = 0; i < idleLists.size(); i++) {
            waitNs = Math.min(waitNs, idleLists.get(i).nextDeadline() - now);
        }
        waitNs = Math.min(waitNs, table.nextExpiryNs() - now);
        return PausedListeners.untilFirst(paused, waitNs, now);
    }

    @Override
    void afterSelect() {
        if (closingCount > 0) {
            closeDeregistered(false);
        }
    }

    /**
     * Closes a channel after the next select has dropped its cancelled key (see {@link ProxySession}); the loop
     * selects without blocking while any such channel waits, so the close is not delayed.
     *
     * @param ch a channel whose keys are cancelled
     */
    void closeWhenDeregistered(final SocketChannel ch) {
        if (closingCount == closing.length) {
            closing = Arrays.copyOf(closing, closing.length * 2);
        }
        closing[closingCount++] = ch;
    }

    private void closeDeregistered(final boolean all) {
        int kept = 0;
        for (int i = 0; i < closingCount; i++) {
            final SocketChannel ch = closing[i];
            closing[i] = null;
            if (!all && ch.isRegistered()) {
                closing[kept++] = ch;
            } else {
                try {
                    ch.close();
                } catch (final IOException ignored) {
                    // closing
                }
            }
        }
        closingCount = kept;
    }

    @Override
    void onReady(final SelectionKey key) {
        final Handler h = (Handler) key.attachment();
        now = clock.nanoTime();
        try {
            h.handle(key);
        } catch (final Throwable e) {
            // anything, an Error included (direct memory, a stack overflow in a handler): only this connection ends
            counters.handlerErrors.incrementAndGet();
            handlerLog.warn(now, e.toString());
            try {
                h.fail(e);
            } catch (final Throwable ignored) {
                // closing is best effort
            }
        }
    }

    private int fireTimeouts() {
        int n = 0;
        ProxySession s;
        while ((s = connecting.pollDue(now)) != null) {
            s.connectTimedOut();
            n++;
        }
        while ((s = awaitingHeader.pollDue(now)) != null) {
            s.headerTimedOut();
            n++;
        }
        for (int i = 0; i < idleLists.size(); i++) {
            n += idleLists.get(i).expire(now, EXPIRE_LIMIT);
        }
        return n;
    }

    void pause(final TcpListener l, final long until) {
        PausedListeners.pause(paused, l, until);
    }

    void startNodestSweep() {
        nodestCursor = 0;
    }

    /** Closes the live sessions bound to a server ({@code shutdown-sessions} when it goes down). */
    void closeSessionsOf(final io.jlvs.core.service.RealServer server) {
        ProxySession s = live.head();
        while (s != null) {
            final ProxySession next = s.liveNext();
            if (s.server() == server) {
                s.abort();
            }
            s = next;
        }
    }

    /** Closes every live session now (the end of a drain). */
    void closeAllSessions() {
        live.closeAll(ProxySession::abort, counters.handlerErrors::incrementAndGet);
    }

    void closeListeners() {
        for (final TcpListener l : listeners) {
            l.close();
        }
        listeners.clear();
        paused.clear();
        for (final UdpEndpoint u : udpEndpoints) {
            u.close();
        }
        udpEndpoints.clear();
    }

    private void closeEverything() {
        try {
            closeListeners();
            closeAllSessions();
            starved.clear();
            pool.clear();
        } catch (final Throwable e) {
            LOG.debug("closing loop {}", index, e);
        }
        try {
            selector.close();
        } catch (final IOException ignored) {
            // nothing left to do
        }
        closeDeregistered(true);
    }

    /** Copies the table for a listing, one chunk per command. */
    CompletableFuture<List<ConnectionSnapshot>> snapshot() {
        return LoopListing.copy(table, this::execute, () -> now, true);
    }
}
