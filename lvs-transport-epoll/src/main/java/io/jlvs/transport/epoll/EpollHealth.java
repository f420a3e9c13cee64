package io.jlvs.transport.epoll;

import io.jlvs.core.health.CheckResult;
import io.jlvs.core.health.HealthCheckScheduler;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.VirtualService;
import io.jlvs.core.time.Ticker;
import io.jlvs.scheduler.Schedulers;
import io.jlvs.transport.epoll.internal.Epoll;
import io.jlvs.transport.epoll.internal.Errno;
import io.jlvs.transport.epoll.internal.Linux;
import io.jlvs.transport.epoll.internal.SockAddr;
import io.jlvs.transport.epoll.internal.Syscalls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Health checking for the epoll engine: a thread of its own ({@code jlvs-epoll-health}) with its own
 * {@link Syscalls}, epoll instance and command queue runs every service's checks, so no event loop ever waits for a
 * probe. What is checked when, timeouts, rise/fall and slow start are the transport-neutral
 * {@link HealthCheckScheduler}'s; this class owns the thread and the FFM sockets of the built-in probes:
 * {@code tcp} (a non-blocking connect, its outcome read with {@code getsockopt(SO_ERROR)}), {@code http} (the
 * scheduler's HTTP/1.0 GET sent once connected, the answer read until the server closes) and {@code udp} (a
 * connected datagram socket, one datagram out, the first reply or an ICMP refusal back). Custom checkers
 * ({@code io.jlvs.core.health.HealthChecker}) are called on this thread, exactly as the NIO transport calls them.
 *
 * <p>Failures: a probe whose handling throws fails that check only; a command that throws is logged and the thread
 * goes on; a duty cycle that throws is restarted in place, and more than {@value #RESTARTS} restarts within
 * {@value #RESTART_WINDOW_SECONDS} s end the thread, which records why in {@link #death()} (reported by the engine's
 * {@code health()}) and closes its probes. The event loops never depend on this thread.
 *
 * <p>Thread ownership: {@code commands} is a concurrent queue (any thread offers, the health thread polls);
 * {@code epoll} is volatile, set by the health thread when it starts and cleared when it ends; other threads only
 * call its wake-up, counted in {@code waking}, so the health thread closes it only after every wake-up in progress; {@code running},
 * {@code death} and {@code dutyHook} are volatile. Every other field, the scheduler's state and every probe are
 * confined to the health thread.
 */
final class EpollHealth extends Thread implements HealthCheckScheduler.Host {
    static final int RESTARTS = 10;
    static final int RESTART_WINDOW_SECONDS = 10;
    private static final Logger LOG = LoggerFactory.getLogger(EpollHealth.class);

    private final EpollEngine engine;
    private final Ticker clock;
    private final HealthCheckScheduler scheduler;
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final CountDownLatch started = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile String death;
    /** Set by the health thread once its epoll exists; other threads only wake it. */
    private volatile Epoll epoll;
    /** Threads inside a wake-up: the health thread closes its epoll only when none is. */
    private final AtomicInteger waking = new AtomicInteger();
    /** Test hook: runs at the top of each duty cycle, outside any containment. */
    volatile Runnable dutyHook;

    // health-thread state
    private Syscalls sys;
    private SockAddr address;
    private MemorySegment scratch;
    private final Map<Long, Probe> probes = new HashMap<>();
    private long nextToken;
    private long now;
    private final long[] restartTimes = new long[RESTARTS];
    private int restarts;

    EpollHealth(final EpollEngine engine) {
        super("jlvs-epoll-health");
        setDaemon(true);
        this.engine = engine;
        this.clock = engine.runtime.clock();
        this.scheduler = new HealthCheckScheduler(engine.runtime.services(), clock,
            engine.runtime.checkers(), engine.runtime.healthListeners(), this,
            (plain, ctx, window) -> Schedulers.slowStart(plain, ctx, window, 1.0, 0.1));
    }

    /** Starts the thread, then follows the services; the engine's thread. */
    void begin() {
        start();
        try {
            started.await();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (death == null) {
            scheduler.begin();
        }
    }

    /** Stops following the services and ends the thread; blocks until it has ended (at most 10 s). */
    void end() {
        scheduler.end();
        waking.incrementAndGet(); // counted: the thread closes its eventfd only after this wake-up
        try {
            running = false;
            final Epoll e = epoll;
            if (e != null) {
                e.wakeup();
            }
        } finally {
            waking.decrementAndGet();
        }
        try {
            join(TimeUnit.SECONDS.toMillis(10));
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Passive checking: a connect of real traffic failed (an event loop's thread). */
    void connectFailed(final VirtualService service, final RealServer server,
        final String why, final long at) {
        scheduler.connectFailed(service, server, why, at);
    }

    /** {@return why the thread died, naming it, or null while it runs or after a normal stop} */
    String death() {
        return death;
    }

    @Override
    public void onHealthThread(final Runnable command) {
        if (!running) {
            return;
        }
        commands.offer(command);
        waking.incrementAndGet();
        try {
            final Epoll e = epoll;
            if (running && e != null) {
                e.wakeup();
            }
        } finally {
            waking.decrementAndGet();
        }
    }

    @Override
    public void closeSessionsOf(final RealServer server) {
        for (final EpollLoop l : engine.loops) {
            l.execute(() -> {
                EpollConnection c = l.live.head();
                while (c != null) {
                    final EpollConnection next = c.liveNext();
                    if (c.server() == server) {
                        c.close(true);
                    }
                    c = next;
                }
            });
        }
    }

    @Override
    public void stream(final InetSocketAddress target, final long timeoutNanos, final byte[] request,
        final HealthCheckScheduler.Judge judge, final Consumer<CheckResult> done) {
        new Probe(target, timeoutNanos, false, request, judge, done).open();
    }

    @Override
    public void datagram(final InetSocketAddress target, final long timeoutNanos, final byte[] payload,
        final HealthCheckScheduler.Judge judge, final Consumer<CheckResult> done) {
        new Probe(target, timeoutNanos, true, payload, judge, done).open();
    }

    @Override
    public void run() {
        try {
            sys = new Syscalls();
            final Epoll e = new Epoll(sys, 64);
            epoll = e;
            address = new SockAddr(sys.arena());
            scratch = sys.arena().allocate(HealthCheckScheduler.REPLY_LIMIT, 8);
        } catch (final Throwable e) {
            death = getName() + " could not start: " + e + " (health checks do not run)";
            LOG.error("{}", death, e);
            running = false;
            started.countDown();
            return;
        }
        now = clock.nanoTime();
        started.countDown();
        try {
            while (running) {
                try {
                    cycle();
                } catch (final Throwable e) {
                    if (!restart(e)) {
                        return;
                    }
                }
            }
        } finally {
            running = false;
            for (final Probe p : new ArrayList<>(probes.values())) {
                p.finish(CheckResult.fail("shutting down"));
            }
            commands.clear();
            final Epoll e = epoll;
            epoll = null; // no wake-up starts on it from now on
            while (waking.get() != 0) {
                Thread.onSpinWait(); // a wake-up that read it before: the eventfd must outlive that one
            }
            e.close();
            sys.close();
        }
    }

    private void cycle() {
        final Runnable hook = dutyHook;
        if (hook != null) {
            hook.run();
        }
        for (int i = 0; i < 1024; i++) {
            final Runnable c = commands.poll();
            if (c == null) {
                break;
            }
            try {
                c.run();
            } catch (final Throwable e) {
                LOG.warn("health command failed", e);
            }
        }
        now = clock.nanoTime();
        scheduler.run();
        now = clock.nanoTime();
        final List<Probe> late = new ArrayList<>();
        long waitNs = scheduler.waitNanos();
        for (final Probe p : probes.values()) {
            if (now - p.deadline >= 0) {
                late.add(p);
            } else {
                waitNs = Math.min(waitNs, p.deadline - now);
            }
        }
        for (final Probe p : late) {
            p.finish(CheckResult.fail("no answer within " + TimeUnit.NANOSECONDS.toMillis(p.timeout) + " ms"));
        }
        final int timeoutMs = !commands.isEmpty() || !late.isEmpty() || waitNs <= 0 ? 0
            : (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNs + 999_999));
        final int n = epoll.await(timeoutMs);
        now = clock.nanoTime();
        for (int i = 0; i < n; i++) {
            final Probe p = probes.get(epoll.data(i)); // tokens count up from 0: the wake-up's -1 is never one
            if (p != null) {
                try {
                    p.ready(epoll.events(i));
                } catch (final RuntimeException e) {
                    p.finish(CheckResult.fail(e.toString()));
                }
            } else if (epoll.data(i) == Epoll.WAKEUP_DATA) {
                epoll.clearWakeup();
            }
        }
    }

    private boolean restart(final Throwable e) {
        final long t = System.nanoTime();
        final long oldest = restartTimes[restarts % RESTARTS];
        restartTimes[restarts % RESTARTS] = t;
        restarts++;
        if (restarts > RESTARTS && t - oldest < TimeUnit.SECONDS.toNanos(RESTART_WINDOW_SECONDS)) {
            death = getName() + " died: " + e + " (" + restarts + " restart(s); health checks have stopped: servers"
                + " are no longer marked up or down)";
            LOG.error("{}", death, e);
            return false;
        }
        LOG.error("{}: duty cycle failed, restarting it ({} restart(s) so far)", getName(), restarts, e);
        return true;
    }

    /** One probe: its socket, what it sends and what it has read; confined to the health thread. */
    private final class Probe {
        private final InetSocketAddress target;
        private final long timeout;
        private final long startedAt;
        private final long deadline;
        private final boolean datagram;
        private final byte[] request;
        private final HealthCheckScheduler.Judge judge;
        private final Consumer<CheckResult> done;
        private final long token = nextToken++;
        private int fd = -1;
        private boolean connecting;
        private int written;
        private byte[] reply;
        private int length;
        private boolean finished;

        Probe(final InetSocketAddress target, final long timeout, final boolean datagram, final byte[] request,
            final HealthCheckScheduler.Judge judge, final Consumer<CheckResult> done) {
            this.target = target;
            this.timeout = timeout;
            this.startedAt = now;
            this.deadline = now + timeout;
            this.datagram = datagram;
            this.request = request;
            this.judge = judge;
            this.done = done;
        }

        void open() {
            probes.put(token, this);
            final SockAddr a = address.set(target);
            fd = sys.socket(a.family(), (datagram ? Linux.SOCK_DGRAM : Linux.SOCK_STREAM) | Linux.SOCK_NONBLOCK
                | Linux.SOCK_CLOEXEC, 0);
            if (fd < 0) {
                failed("socket", fd);
                return;
            }
            final int r = sys.connect(fd, a);
            if (r < 0 && r != -Errno.EINPROGRESS) {
                failed("connect", r);
                return;
            }
            connecting = r < 0;
            final int e = epoll.add(fd, datagram ? Linux.EPOLLIN : Linux.EPOLLOUT, token);
            if (e < 0) {
                failed("epoll_ctl", e);
                return;
            }
            if (datagram) {
                send();
            } else if (!connecting) {
                connected();
            }
        }

        void ready(final int events) {
            if (connecting) {
                final int err = sys.soError(fd);
                if (err != 0) {
                    failed("connect", err > 0 ? -err : err);
                    return;
                }
                connecting = false;
                connected();
            } else if (!datagram && written < request.length) {
                send();
            } else {
                receive();
            }
        }

        private void connected() {
            if (request == null) {
                finish(judge.judge(new byte[0], 0, now - startedAt));
            } else {
                send();
            }
        }

        private void send() {
            while (written < request.length) {
                final int n = Math.min(request.length - written, (int) scratch.byteSize());
                MemorySegment.copy(request, written, scratch, ValueLayout.JAVA_BYTE, 0, n);
                final long r = sys.send(fd, scratch, 0, n, Linux.MSG_NOSIGNAL);
                if (Errno.wouldBlock(r)) {
                    return; // EPOLLOUT tells when to go on
                }
                if (r < 0) {
                    failed("send", r);
                    return;
                }
                written += (int) r;
            }
            if (!datagram) {
                final int e = epoll.modify(fd, Linux.EPOLLIN, token);
                if (e < 0) {
                    failed("epoll_ctl", e);
                }
            }
        }

        private void receive() {
            if (reply == null) {
                reply = new byte[HealthCheckScheduler.REPLY_LIMIT];
            }
            while (true) {
                final long r = sys.recv(fd, scratch, 0, reply.length - length, 0);
                if (Errno.wouldBlock(r)) {
                    return;
                }
                if (r < 0) {
                    failed("recv", r);
                    return;
                }
                MemorySegment.copy(scratch, ValueLayout.JAVA_BYTE, 0, reply, length, (int) r);
                length += (int) r;
                if (datagram || r == 0 || length == reply.length) {
                    finish(judge.judge(reply, length, now - startedAt));
                    return;
                }
            }
        }

        private void failed(final String call, final long result) {
            final int errno = (int) -result;
            final String what = errno == Errno.ECONNREFUSED ? (datagram ? "port unreachable" : "connection refused")
                : call + " failed";
            finish(CheckResult.fail(what + " (" + Errno.name(errno) + ")"));
        }

        void finish(final CheckResult r) {
            if (finished) {
                return;
            }
            finished = true;
            probes.remove(token);
            if (fd >= 0) {
                epoll.remove(fd);
                sys.close(fd);
                fd = -1;
            }
            done.accept(r);
        }
    }
}
