package io.jlvs.transport.nio;

import io.jlvs.core.conn.ConnectionTable;
import io.jlvs.core.listing.ConnectionSnapshot;
import io.jlvs.core.sched.MutableFlow;
import io.jlvs.core.time.Ticker;
import org.jctools.queues.MpscUnboundedArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One event loop: a thread with its own selector, connection table, buffer pool and command queue. Everything a
 * connection does happens here; other threads reach the loop only through {@link #execute}.
 *
 * <p>Duty cycle: drain at most {@value #COMMAND_LIMIT} commands, read the clock once, expire at most
 * {@value #EXPIRE_LIMIT} table entries, fire due connect and PROXY-header timeouts, resume paused listeners, then
 * select until the next deadline (at most 100 ms) and dispatch ready keys.
 *
 * <p>Thread-safe only through {@link #execute}; every other method runs on the loop thread.
 */
final class EventLoop implements Runnable {
    static final int COMMAND_LIMIT = 1024;
    static final int EXPIRE_LIMIT = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(EventLoop.class);

    final int index;
    final NioEngine engine;
    final Selector selector;
    /** Channels whose keys are cancelled, closed once the selector has dropped them. */
    private SocketChannel[] closing = new SocketChannel[64];
    private int closingCount;
    final ConnectionTable table;
    final BufferPool pool;
    final MutableFlow flow = new MutableFlow();
    final Counters counters;
    private final Ticker clock;
    private final MpscUnboundedArrayQueue<Runnable> commands = new MpscUnboundedArrayQueue<>(256);
    private final AtomicBoolean sleeping = new AtomicBoolean();
    private final Consumer<SelectionKey> dispatch = this::dispatch;
    private final Thread thread;
    private final RateLimitedLog handlerLog;
    private volatile boolean running = true;
    long now;

    // sessions waiting for a connect or a PROXY header, in order of their (fixed-timeout) deadlines
    final SessionList connecting = new SessionList();
    final SessionList awaitingHeader = new SessionList();
    // every session holding sockets
    ProxySession liveHead;
    int live;
    final List<TcpListener> paused = new ArrayList<>();
    final List<TcpListener> listeners = new ArrayList<>();
    final List<UdpEndpoint> udpEndpoints = new ArrayList<>();
    private int nodestCursor = -1;

    EventLoop(final NioEngine engine, final int index, final ConnectionTable table) throws IOException {
        this.engine = engine;
        this.index = index;
        this.table = table;
        this.clock = engine.runtime.clock();
        this.counters = engine.counters;
        this.selector = Selector.open();
        this.pool = new BufferPool(engine.runtime.options().bufferSize(), engine.runtime.options().maxPooledBuffers());
        this.handlerLog = new RateLimitedLog(LOG, "error in a connection handler (the connection was closed)", 10,
            TimeUnit.SECONDS);
        this.thread = new Thread(this, "jlvs-loop-" + index);
        this.thread.setDaemon(true);
        this.now = clock.nanoTime();
        table.listener(c -> {
            final Object a = c.attachment();
            if (a instanceof ProxySession) {
                counters.idleExpired.incrementAndGet();
                ((ProxySession) a).expired();
            } else if (a instanceof UdpFlow) {
                ((UdpFlow) a).expired();
            }
        });
    }

    void start() {
        thread.start();
    }

    boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /**
     * Runs a task on the loop thread. Thread-safe; wakes the loop if it sleeps.
     */
    void execute(final Runnable task) {
        commands.offer(task);
        if (sleeping.get()) {
            selector.wakeup();
        }
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

    void stop() {
        running = false;
        selector.wakeup();
    }

    void join(final long millis) throws InterruptedException {
        thread.join(millis);
    }

    @Override
    public void run() {
        try {
            while (running) {
                doWork();
            }
        } catch (final ClosedSelectorException e) {
            // closing down
        } finally {
            closeEverything();
        }
    }

    private void doWork() {
        for (int i = 0; i < COMMAND_LIMIT; i++) {
            final Runnable r = commands.poll();
            if (r == null) {
                break;
            }
            try {
                r.run();
            } catch (final RuntimeException e) {
                counters.handlerErrors.incrementAndGet();
                handlerLog.warn(now, "command failed: " + e);
            }
        }
        now = clock.nanoTime();
        table.expire(now, EXPIRE_LIMIT);
        if (!udpEndpoints.isEmpty()) {
            final long udpTimeout = engine.runtime.timeouts().timeoutNs(io.jlvs.core.conn.ConnState.UDP);
            for (final UdpEndpoint u : udpEndpoints) {
                u.expireOps(now, udpTimeout, EXPIRE_LIMIT);
            }
        }
        if (nodestCursor >= 0) {
            nodestCursor = table.expireNodest(nodestCursor, 4096);
        }
        fireTimeouts();
        resumePaused();
        long waitNs = TimeUnit.MILLISECONDS.toNanos(100);
        waitNs = Math.min(waitNs, connecting.nextDeadline() - now);
        waitNs = Math.min(waitNs, awaitingHeader.nextDeadline() - now);
        waitNs = Math.min(waitNs, table.nextExpiryNs() - now);
        for (final TcpListener l : paused) {
            waitNs = Math.min(waitNs, l.pausedUntil - now);
        }
        try {
            if (!commands.isEmpty() || waitNs <= 0 || closingCount > 0) {
                selector.selectNow(dispatch);
            } else {
                sleeping.set(true);
                if (!commands.isEmpty()) {
                    selector.selectNow(dispatch);
                } else {
                    selector.select(dispatch, Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNs)));
                }
                sleeping.set(false);
            }
        } catch (final IOException e) {
            handlerLog.warn(now, "select failed: " + e);
        }
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

    private void dispatch(final SelectionKey key) {
        final Handler h = (Handler) key.attachment();
        now = clock.nanoTime();
        try {
            h.handle(key);
        } catch (final Error e) {
            throw e;
        } catch (final Throwable e) {
            counters.handlerErrors.incrementAndGet();
            handlerLog.warn(now, e.toString());
            try {
                h.fail(e);
            } catch (final RuntimeException ignored) {
                // closing is best effort
            }
        }
    }

    private void fireTimeouts() {
        ProxySession s = connecting.head;
        while (s != null && s.timerDeadline - now <= 0) {
            connecting.remove(s);
            s.connectTimedOut();
            s = connecting.head;
        }
        s = awaitingHeader.head;
        while (s != null && s.timerDeadline - now <= 0) {
            awaitingHeader.remove(s);
            s.headerTimedOut();
            s = awaitingHeader.head;
        }
    }

    private void resumePaused() {
        for (int i = paused.size() - 1; i >= 0; i--) {
            final TcpListener l = paused.get(i);
            if (l.pausedUntil - now <= 0 && l.mayAccept()) {
                paused.remove(i);
                l.resume();
            }
        }
    }

    void pause(final TcpListener l, final long until) {
        l.pausedUntil = until;
        if (!paused.contains(l)) {
            paused.add(l);
        }
    }

    void startNodestSweep() {
        nodestCursor = 0;
    }

    void addLive(final ProxySession s) {
        s.liveNext = liveHead;
        if (liveHead != null) {
            liveHead.livePrev = s;
        }
        liveHead = s;
        live++;
    }

    void removeLive(final ProxySession s) {
        if (s.livePrev != null) {
            s.livePrev.liveNext = s.liveNext;
        } else if (liveHead == s) {
            liveHead = s.liveNext;
        } else {
            return;
        }
        if (s.liveNext != null) {
            s.liveNext.livePrev = s.livePrev;
        }
        s.livePrev = null;
        s.liveNext = null;
        live--;
    }

    /** Closes the live sessions bound to a server ({@code shutdown-sessions} when it goes down). */
    void closeSessionsOf(final io.jlvs.core.service.RealServer server) {
        ProxySession s = liveHead;
        while (s != null) {
            final ProxySession next = s.liveNext;
            if (s.server() == server) {
                s.abort();
            }
            s = next;
        }
    }

    /** Closes every live session now (the end of a drain). */
    void closeAllSessions() {
        while (liveHead != null) {
            liveHead.abort();
        }
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
        } catch (final RuntimeException e) {
            LOG.debug("closing loop {}", index, e);
        }
        try {
            selector.close();
        } catch (final IOException ignored) {
            // nothing left to do
        }
        closeDeregistered(true);
    }

    /** Copies the table for a listing, one chunk per duty cycle. */
    CompletableFuture<List<ConnectionSnapshot>> snapshot() {
        final CompletableFuture<List<ConnectionSnapshot>> done = new CompletableFuture<>();
        final List<ConnectionSnapshot> rows = new ArrayList<>();
        final int[] from = {0};
        final Runnable[] step = new Runnable[1];
        step[0] = () -> {
            from[0] = table.snapshot(rows, from[0], 1024, now);
            if (from[0] < 0) {
                done.complete(rows);
            } else {
                execute(step[0]);
            }
        };
        execute(step[0]);
        return done;
    }

    /** A FIFO of sessions with deadlines that grow with insertion order (one fixed timeout per list). */
    static final class SessionList {
        ProxySession head;
        ProxySession tail;

        long nextDeadline() {
            return head == null ? Long.MAX_VALUE : head.timerDeadline;
        }

        void add(final ProxySession s, final long deadline) {
            s.timerDeadline = deadline;
            s.timerList = this;
            s.timerPrev = tail;
            s.timerNext = null;
            if (tail == null) {
                head = s;
            } else {
                tail.timerNext = s;
            }
            tail = s;
        }

        void remove(final ProxySession s) {
            if (s.timerList != this) {
                return;
            }
            if (s.timerPrev == null) {
                head = s.timerNext;
            } else {
                s.timerPrev.timerNext = s.timerNext;
            }
            if (s.timerNext == null) {
                tail = s.timerPrev;
            } else {
                s.timerNext.timerPrev = s.timerPrev;
            }
            s.timerPrev = null;
            s.timerNext = null;
            s.timerList = null;
        }
    }
}
