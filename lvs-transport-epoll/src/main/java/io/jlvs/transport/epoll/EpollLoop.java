package io.jlvs.transport.epoll;

import io.jlvs.core.conn.ConnectionTable;
import io.jlvs.core.listing.ConnectionSnapshot;
import io.jlvs.core.session.RateLimitedLog;
import io.jlvs.core.session.Session;
import io.jlvs.core.session.SessionContext;
import io.jlvs.transport.epoll.internal.Epoll;
import io.jlvs.transport.epoll.internal.Errno;
import io.jlvs.transport.epoll.internal.NativeException;
import io.jlvs.transport.epoll.internal.PipePool;
import io.jlvs.transport.epoll.internal.SockAddr;
import io.jlvs.transport.epoll.internal.Syscalls;
import io.jlvs.core.time.Ticker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One epoll event loop: a thread with its own {@link Syscalls} (and so its own confined native memory), epoll
 * instance, pipe pool, connection table and command queue. Everything a connection does happens here; other threads
 * reach the loop only through {@link #execute}, which queues a command and wakes the loop through its eventfd.
 *
 * <p>Duty cycle, as the NIO loop's: drain at most {@value #COMMAND_LIMIT} commands, read the clock once, expire at
 * most {@value #EXPIRE_LIMIT} table entries, fire due connect and PROXY-header timeouts, resume paused listeners and
 * relays that yielded their byte budget, then {@code epoll_wait} until the next deadline (at most 100 ms; 0 while a
 * relay yielded) and dispatch the ready descriptors. Each descriptor is registered with a token: its handler's slot
 * in {@link #handlers} shifted left by one, plus one for a connection's server socket.
 *
 * <p>Failures: a handler that throws costs only its connection (closed, counted as {@code handler_errors}, logged
 * at most once per interval). A failure outside any handler ends the loop: it closes its listeners and connections
 * and records why in {@link #death()}, which the engine's {@code health()} reports.
 *
 * <p>Thread ownership: {@code commands} is a concurrent queue (any thread offers, the loop polls); {@code epoll}'s
 * wake-up may be called from any thread once {@link #awaitStarted()} returned; {@code death} {@code running} and
 * {@code publishedCalls} are volatile, written by the loop thread. Every other field is confined to the loop thread.
 */
final class EpollLoop extends Thread {
    static final int COMMAND_LIMIT = 256;
    static final int EXPIRE_LIMIT = 10_000;
    private static final int MAX_EVENTS = 256;
    private static final Logger LOG = LoggerFactory.getLogger(EpollLoop.class);

    /** Something registered with the loop's epoll. */
    interface Handler {
        /**
         * A ready event.
         *
         * @param server true when it is for the second descriptor of the handler (a connection's server socket)
         * @param events the ready set
         */
        void onEvent(boolean server, int events);

        /** The handler threw: close what it holds. */
        void fail();
    }

    final int index;
    final EpollEngine engine;
    final ConnectionTable table;
    final EpollCounters counters;
    final SessionContext sessions;
    /** The loop's UDP endpoints, flows and datagram batches. */
    final UdpLoop udp;
    private final Ticker clock;
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final CountDownLatch started = new CountDownLatch(1);
    private final RateLimitedLog handlerLog;
    private volatile String death;
    private volatile boolean running = true;
    private volatile boolean startFailed;
    /** The loop's system calls so far, published once per duty cycle (for measurements). */
    private volatile long publishedCalls;

    // loop-thread state
    Syscalls sys;
    Epoll epoll;
    PipePool pipes;
    /** Scratch native memory for PROXY headers and bytes that are dropped. */
    MemorySegment scratch;
    /** The peer address accept4 fills. */
    SockAddr peer;
    /** The local address getsockname fills. */
    SockAddr local;
    /** Where connect reads its address from. */
    SockAddr target;
    /** The local address of the last accepted IPv4 connection, shared by the next ones to it (EpollConnection). */
    InetSocketAddress lastVirtual;
    /** {@link #lastVirtual}'s address as {@code SockAddr.ipv4Address()} gives it. */
    int lastVirtualIpv4;
    long now;
    private Handler[] handlers = new Handler[1024];
    private int[] free = new int[1024];
    private int freeCount;
    private int nextSlot;
    final TimerList connecting = new TimerList();
    final TimerList awaitingHeader = new TimerList();
    /** Connections that yielded their byte budget: pumped again before the next wait. */
    private EpollConnection[] yielded = new EpollConnection[64];
    private int yieldedCount;
    final List<EpollListener> listeners = new ArrayList<>();
    final List<EpollListener> paused = new ArrayList<>();
    EpollConnection liveHead;
    int live;
    private int nodestCursor = -1;

    EpollLoop(final EpollEngine engine, final int index, final ConnectionTable table) {
        super("jlvs-epoll-loop-" + index);
        setDaemon(true);
        this.engine = engine;
        this.index = index;
        this.table = table;
        this.counters = engine.counters;
        this.clock = engine.runtime.clock();
        this.handlerLog = new RateLimitedLog(LOG, "error in a connection handler (the connection was closed)", 10,
            TimeUnit.SECONDS);
        this.sessions = new SessionContext(table, engine.runtime.options(), counters.session, engine::connectFailed);
        this.udp = new UdpLoop(this, engine.udpBatch);
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

    /** Waits until the loop thread has made its native state. */
    void awaitStarted() throws IOException {
        try {
            started.await();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (startFailed) {
            throw new IOException(death);
        }
    }

    /** Queues a command for the loop thread; any thread. Dropped once the loop has ended. */
    void execute(final Runnable command) {
        if (!running) {
            return;
        }
        commands.offer(command);
        epoll.wakeup();
    }

    <T> CompletableFuture<T> submit(final Supplier<T> task) {
        final CompletableFuture<T> f = new CompletableFuture<>();
        if (!running) {
            f.completeExceptionally(new IllegalStateException(getName() + " has ended"));
            return f;
        }
        execute(() -> {
            try {
                f.complete(task.get());
            } catch (final Throwable e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    /** Why the loop died, or null. */
    String death() {
        return death;
    }

    /** Asks the loop to end after this duty cycle; any thread. */
    void shutdown() {
        execute(() -> running = false);
    }

    @Override
    public void run() {
        try {
            sys = new Syscalls();
            epoll = new Epoll(sys, MAX_EVENTS);
            pipes = new PipePool(sys, 65_536, 256);
            scratch = sys.arena().allocate(65_536, 8);
            peer = new SockAddr(sys.arena());
            local = new SockAddr(sys.arena());
            target = new SockAddr(sys.arena());
            now = clock.nanoTime();
            preload();
        } catch (final Throwable e) {
            death = getName() + " could not start: " + e;
            startFailed = true;
            running = false;
            started.countDown();
            return;
        }
        started.countDown();
        try {
            while (running) {
                cycle();
            }
        } catch (final Throwable e) {
            death = getName() + " died: " + e;
            LOG.error("{} died; its listeners and connections are closed", getName(), e);
        } finally {
            running = false;
            closeEverything();
        }
    }

    /**
     * Loads, while descriptors are plenty, the classes the failure paths use: a class first loaded when the process
     * is out of descriptors cannot be read from its jar (NoClassDefFoundError).
     */
    private static void preload() {
        Errno.name(Errno.EMFILE);
        new RateLimitedLog(LOG, "preload", 1, TimeUnit.SECONDS);
        new NativeException("preload", -Errno.EMFILE).getMessage();
    }

    private void cycle() {
        for (int i = 0; i < COMMAND_LIMIT; i++) {
            final Runnable c = commands.poll();
            if (c == null) {
                break;
            }
            now = clock.nanoTime();
            try {
                c.run();
            } catch (final Throwable e) {
                counters.handlerErrors.incrementAndGet();
                handlerLog.warn(now, "command failed: " + e);
            }
        }
        now = clock.nanoTime();
        table.expire(now, EXPIRE_LIMIT);
        udp.expire(now, EXPIRE_LIMIT);
        if (nodestCursor >= 0) {
            nodestCursor = table.expireNodest(nodestCursor, 4096);
        }
        fireTimeouts();
        resumePaused();
        resumeYielded();
        final int n = epoll.await(timeoutMs());
        now = clock.nanoTime();
        for (int i = 0; i < n; i++) {
            final long data = epoll.data(i);
            if (data == Epoll.WAKEUP_DATA) {
                epoll.clearWakeup();
                continue;
            }
            final Handler h = handlers[(int) (data >>> 1)];
            if (h == null) {
                continue; // closed by an earlier event of this batch
            }
            try {
                h.onEvent((data & 1) != 0, epoll.events(i));
            } catch (final Throwable e) {
                counters.handlerErrors.incrementAndGet();
                handlerLog.warn(now, e.toString());
                try {
                    h.fail();
                } catch (final Throwable ignored) {
                    // closing is best effort
                }
            }
        }
        udp.flush(); // replies read in this dispatch leave in one sendmmsg per service
        publishedCalls = sys.calls();
    }

    /** {@return the system calls this loop made, as of its last duty cycle; any thread} */
    long systemCalls() {
        return publishedCalls;
    }

    private int timeoutMs() {
        if (yieldedCount > 0 || !commands.isEmpty()) {
            return 0;
        }
        long waitNs = TimeUnit.MILLISECONDS.toNanos(100);
        waitNs = Math.min(waitNs, connecting.nextDeadline() - now);
        waitNs = Math.min(waitNs, awaitingHeader.nextDeadline() - now);
        waitNs = Math.min(waitNs, table.nextExpiryNs() - now);
        for (int i = 0; i < paused.size(); i++) { // indexed: no iterator on the hot path
            waitNs = Math.min(waitNs, paused.get(i).pausedUntil - now);
        }
        if (waitNs <= 0) {
            return 0;
        }
        return (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNs + 999_999));
    }

    /** Takes a slot for a handler; its tokens are {@code slot << 1} and {@code slot << 1 | 1}. */
    int register(final Handler h) {
        final int slot;
        if (freeCount > 0) {
            slot = free[--freeCount];
        } else {
            if (nextSlot == handlers.length) {
                handlers = Arrays.copyOf(handlers, handlers.length * 2);
            }
            slot = nextSlot++;
        }
        handlers[slot] = h;
        return slot;
    }

    void unregister(final int slot) {
        if (slot < 0 || handlers[slot] == null) {
            return;
        }
        handlers[slot] = null;
        if (freeCount == free.length) {
            free = Arrays.copyOf(free, free.length * 2);
        }
        free[freeCount++] = slot;
    }

    void yielded(final EpollConnection c) {
        if (yieldedCount == yielded.length) {
            yielded = Arrays.copyOf(yielded, yielded.length * 2);
        }
        yielded[yieldedCount++] = c;
    }

    private void resumeYielded() {
        final int n = yieldedCount;
        for (int i = 0; i < n; i++) {
            final EpollConnection c = yielded[i];
            yielded[i] = null;
            try {
                c.resume();
            } catch (final Throwable e) {
                counters.handlerErrors.incrementAndGet();
                handlerLog.warn(now, e.toString());
                c.fail();
            }
        }
        // connections that yielded again were appended behind the first n
        System.arraycopy(yielded, n, yielded, 0, yieldedCount - n);
        Arrays.fill(yielded, yieldedCount - n, yieldedCount, null);
        yieldedCount -= n;
    }

    private void fireTimeouts() {
        EpollConnection c = connecting.head;
        while (c != null && c.timerDeadline - now <= 0) {
            connecting.remove(c);
            c.connectTimedOut();
            c = connecting.head;
        }
        c = awaitingHeader.head;
        while (c != null && c.timerDeadline - now <= 0) {
            awaitingHeader.remove(c);
            c.headerTimedOut();
            c = awaitingHeader.head;
        }
    }

    private void resumePaused() {
        for (int i = paused.size() - 1; i >= 0; i--) {
            final EpollListener l = paused.get(i);
            if (l.pausedUntil - now <= 0 && l.state.mayAccept()) {
                paused.remove(i);
                l.resume();
            }
        }
    }

    void pause(final EpollListener l, final long until) {
        l.pausedUntil = until;
        if (!paused.contains(l)) {
            paused.add(l);
        }
    }

    void startNodestSweep() {
        nodestCursor = 0;
    }

    void addLive(final EpollConnection c) {
        c.liveNext = liveHead;
        if (liveHead != null) {
            liveHead.livePrev = c;
        }
        liveHead = c;
        live++;
    }

    void removeLive(final EpollConnection c) {
        if (c.livePrev != null) {
            c.livePrev.liveNext = c.liveNext;
        } else if (liveHead == c) {
            liveHead = c.liveNext;
        } else {
            return;
        }
        if (c.liveNext != null) {
            c.liveNext.livePrev = c.livePrev;
        }
        c.livePrev = null;
        c.liveNext = null;
        live--;
    }

    /** Closes every live connection now with resets (the end of a drain). */
    void closeAllConnections() {
        while (liveHead != null) {
            final EpollConnection c = liveHead;
            try {
                c.close(true);
            } catch (final Throwable e) {
                counters.handlerErrors.incrementAndGet();
            }
            if (liveHead == c) {
                removeLive(c);
            }
        }
    }

    void closeListeners() {
        for (final EpollListener l : listeners) {
            l.close();
        }
        listeners.clear();
        paused.clear();
        udp.closeAll();
    }

    private void closeEverything() {
        try {
            closeListeners();
            closeAllConnections();
            pipes.close();
        } catch (final Throwable e) {
            LOG.debug("closing loop {}", index, e);
        }
        Runnable c;
        while ((c = commands.poll()) != null) {
            try {
                c.run(); // completes futures of callers that wait (they fail or see an empty loop)
            } catch (final Throwable ignored) {
                // closing
            }
        }
        epoll.close();
        sys.close();
    }

    /** Copies the table for a listing, one chunk per command. */
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
        if (!running) {
            done.complete(rows);
        } else {
            execute(step[0]);
        }
        return done;
    }

    /** Connections waiting for a fixed timeout, in order of their deadlines (appended at the tail). */
    static final class TimerList {
        EpollConnection head;
        private EpollConnection tail;

        void add(final EpollConnection c, final long deadline) {
            remove(c);
            c.timerDeadline = deadline;
            c.timerList = this;
            c.timerPrev = tail;
            if (tail != null) {
                tail.timerNext = c;
            } else {
                head = c;
            }
            tail = c;
        }

        void remove(final EpollConnection c) {
            if (c.timerList != this) {
                return;
            }
            if (c.timerPrev != null) {
                c.timerPrev.timerNext = c.timerNext;
            } else {
                head = c.timerNext;
            }
            if (c.timerNext != null) {
                c.timerNext.timerPrev = c.timerPrev;
            } else {
                tail = c.timerPrev;
            }
            c.timerPrev = null;
            c.timerNext = null;
            c.timerList = null;
        }

        long nextDeadline() {
            return head == null ? Long.MAX_VALUE / 2 : head.timerDeadline;
        }
    }
}
