package io.jlvs.transport.epoll;

import io.jlvs.core.conn.ConnectionTable;
import io.jlvs.core.listing.ConnectionSnapshot;
import io.jlvs.core.session.RateLimitedLog;
import io.jlvs.core.session.Session;
import io.jlvs.core.session.SessionContext;
import io.jlvs.transport.epoll.internal.AutoRelay;
import io.jlvs.transport.epoll.internal.BufferPool;
import io.jlvs.transport.epoll.internal.Epoll;
import io.jlvs.transport.epoll.internal.Errno;
import io.jlvs.transport.epoll.internal.NativeException;
import io.jlvs.transport.epoll.internal.PipePool;
import io.jlvs.transport.epoll.internal.SockAddr;
import io.jlvs.transport.epoll.internal.Syscalls;
import io.jlvs.core.time.Ticker;
import io.jlvs.core.transport.DeadlineQueue;
import io.jlvs.core.transport.LiveList;
import io.jlvs.core.transport.LoopListing;
import io.jlvs.core.transport.PausedListeners;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.util.ArrayList;
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
    /** The copy path's direct buffers (splice-auto's small reads, or every read under {@code never}). */
    BufferPool buffers;
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
    /** What each registered descriptor's token stands for. */
    private final HandlerSlots handlers = new HandlerSlots();
    final DeadlineQueue<EpollConnection> connecting = new DeadlineQueue<>();
    final DeadlineQueue<EpollConnection> awaitingHeader = new DeadlineQueue<>();
    /** Connections that yielded their byte budget: pumped again before the next wait. */
    private final YieldQueue yielded = new YieldQueue();
    final List<EpollListener> listeners = new ArrayList<>();
    final List<EpollListener> paused = new ArrayList<>();
    /** Every connection holding sockets. */
    final LiveList<EpollConnection> live = new LiveList<>();
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
            final int pipeBytes = engine.pipeBytes;
            // idle pipes hold no pages, but their capacity counts against fs.pipe-user-pages-soft: keep <= 16 MiB
            pipes = new PipePool(sys, pipeBytes, Math.max(16, (16 << 20) / pipeBytes));
            buffers = new BufferPool(engine.splice == SpliceMode.NEVER ? pipeBytes : AutoRelay.DEFAULT_COPY_BYTES,
                engine.splice == SpliceMode.ALWAYS ? 0 : 64);
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
        PausedListeners.resumeDue(paused, now);
        yielded.resume(this);
        final int n = epoll.await(timeoutMs());
        now = clock.nanoTime();
        for (int i = 0; i < n; i++) {
            final long data = epoll.data(i);
            if (data == Epoll.WAKEUP_DATA) {
                epoll.clearWakeup();
                continue;
            }
            final Handler h = handlers.get((int) (data >>> 1));
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
        if (!yielded.isEmpty() || !commands.isEmpty()) {
            return 0;
        }
        long waitNs = TimeUnit.MILLISECONDS.toNanos(100);
        waitNs = Math.min(waitNs, connecting.nextDeadline() - now);
        waitNs = Math.min(waitNs, awaitingHeader.nextDeadline() - now);
        waitNs = Math.min(waitNs, table.nextExpiryNs() - now);
        waitNs = PausedListeners.untilFirst(paused, waitNs, now);
        if (waitNs <= 0) {
            return 0;
        }
        return (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNs + 999_999));
    }

    /** Takes a slot for a handler; its tokens are {@code slot << 1} and {@code slot << 1 | 1}. */
    int register(final Handler h) {
        return handlers.register(h);
    }

    /** Frees a handler's slot (nothing happens for a free one, or -1). */
    void unregister(final int slot) {
        handlers.unregister(slot);
    }

    /** A connection yielded its byte budget: it is pumped again before the next wait. */
    void yielded(final EpollConnection c) {
        yielded.add(c);
    }

    /** A yielded connection's pump threw: only it ends. */
    void resumeFailed(final EpollConnection c, final Throwable e) {
        counters.handlerErrors.incrementAndGet();
        handlerLog.warn(now, e.toString());
        c.fail();
    }

    private void fireTimeouts() {
        EpollConnection c;
        while ((c = connecting.pollDue(now)) != null) {
            c.connectTimedOut();
        }
        while ((c = awaitingHeader.pollDue(now)) != null) {
            c.headerTimedOut();
        }
    }

    void pause(final EpollListener l, final long until) {
        PausedListeners.pause(paused, l, until);
    }

    void startNodestSweep() {
        nodestCursor = 0;
    }

    /** Closes every live connection now with resets (the end of a drain). */
    void closeAllConnections() {
        live.closeAll(c -> c.close(true), counters.handlerErrors::incrementAndGet);
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
            buffers.close();
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
        return LoopListing.copy(table, this::execute, () -> now, running);
    }
}
