package io.jlvs.core.health;

import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.sched.RandomSource;
import io.jlvs.core.internal.sched.DefaultSchedulerRegistry;
import io.jlvs.core.sched.Scheduler;
import io.jlvs.core.sched.SchedulerContext;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.ServiceTable;
import io.jlvs.core.service.VirtualService;
import io.jlvs.core.time.Ticker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The transport-neutral half of active and passive health checking; a transport's health thread drives it and
 * supplies the sockets ({@link Host}). It decides which server is due when (the first check of each server spread at
 * random over one interval, so a thousand servers are not probed at once), holds every check to its timeout
 * (built-in or custom: a late answer is ignored), hands results to each service's {@link HealthMonitor} (rise/fall,
 * inhibit, quorum and sorry mode, {@code shutdown-sessions}), wraps schedulers in slow start for
 * {@code --slow-start}, and follows the {@link ServiceTable}: services and servers added, edited and removed.
 *
 * <p>Built-in checks, on the transport's sockets: {@code tcp} (a connection opens), {@code http} (an HTTP/1.0 GET
 * with path and Host header; the status and optionally the body decide) and {@code udp} (a datagram out, a reply
 * containing the expected text back). Applications add their own through {@link HealthChecker}; a name registered
 * by the application wins over a built-in one.
 *
 * <p>Transport plumbing, not an API for applications.
 *
 * <p>Threads: the {@link ServiceTable.Listener} methods and {@link #connectFailed} may be called on any thread; the
 * listener methods wrap schedulers on the calling thread (so slow start is in place before traffic arrives) and hand
 * everything else to the health thread through {@link Host#onHealthThread}. Every other method, and every field but
 * the final ones and the synchronized {@code slowStarted} set, is confined to the health thread. Checkers'
 * callbacks may come on any thread; they are handed to the health thread too.
 */
public final class HealthCheckScheduler implements ServiceTable.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(HealthCheckScheduler.class);
    /** How often monitors tick (passive ejection expiry) and the longest the health thread waits. */
    private static final long TICK_NS = TimeUnit.MILLISECONDS.toNanos(100);
    /** The most bytes of an HTTP answer or UDP reply read before judging it. */
    public static final int REPLY_LIMIT = 64 * 1024;

    /** What the transport's health thread offers: its command queue, its sockets and its sessions. */
    public interface Host {
        /**
         * Runs a command on the health thread soon; any thread. Commands offered after the thread ended may be
         * dropped.
         *
         * @param command the command
         */
        void onHealthThread(Runnable command);

        /**
         * Closes a server's live connections on every event loop ({@code shutdown-sessions}); health thread.
         *
         * @param server the server
         */
        void closeSessionsOf(RealServer server);

        /**
         * Starts a TCP probe on the health thread: a non-blocking connect to {@code target}; then, with a request,
         * writes it whole and reads until the server closes or {@value #REPLY_LIMIT} bytes arrived. The reply
         * (empty without a request) and the time since the start go to {@code judge}, whose result goes to
         * {@code done}; a socket error or the timeout is a failure naming what happened. {@code done} is called once.
         *
         * @param target where to connect
         * @param timeoutNanos how long the probe may take
         * @param request bytes to send once connected, or null to pass on connect
         * @param judge decides on the reply
         * @param done receives the result
         */
        void stream(InetSocketAddress target, long timeoutNanos, byte[] request, Judge judge,
            Consumer<CheckResult> done);

        /**
         * Starts a UDP probe on the health thread: one datagram to {@code target}, then the first reply (at most
         * {@value #REPLY_LIMIT} bytes) goes to {@code judge}; an ICMP port unreachable or the timeout is a failure.
         * {@code done} is called once.
         *
         * @param target where to send
         * @param timeoutNanos how long the probe may take
         * @param payload the datagram
         * @param judge decides on the reply
         * @param done receives the result
         */
        void datagram(InetSocketAddress target, long timeoutNanos, byte[] payload, Judge judge,
            Consumer<CheckResult> done);
    }

    /** Decides a built-in probe's result from what the server sent. */
    @FunctionalInterface
    public interface Judge {
        /**
         * Judges a reply.
         *
         * @param reply the bytes received (may be longer than {@code length})
         * @param length how many of them are the reply
         * @param elapsedNanos time since the probe started
         * @return the result
         */
        CheckResult judge(byte[] reply, int length, long elapsedNanos);
    }

    /** Wraps a plain scheduler in slow start (lvs-scheduler's {@code Schedulers.slowStart}, which core cannot see). */
    @FunctionalInterface
    public interface SlowStartFactory {
        /**
         * Wraps a scheduler.
         *
         * @param plain the service's scheduler, not yet initialised
         * @param context its context
         * @param window the ramp time
         * @return the wrapping scheduler
         */
        Scheduler wrap(Scheduler plain, SchedulerContext context, Duration window);
    }

    /** A service under health checking. */
    private static final class Checked {
        final VirtualService service;
        HealthMonitor monitor;
        HealthChecker checker;

        Checked(final VirtualService service) {
            this.service = service;
        }
    }

    /** A check that is due. */
    private record Due(long at, Checked svc, RealServer server) {
    }

    /** A started check and its deadline. */
    private record Pending(long deadline, long timeout, AtomicBoolean done, Consumer<CheckResult> callback) {
    }

    private final ServiceTable table;
    private final Map<String, HealthChecker> checkers;
    private final List<HealthListener> listeners;
    private final Host host;
    private final SlowStartFactory slowStart;
    private final Ticker clock;
    private final Set<Scheduler> slowStarted = Collections.synchronizedSet(Collections.newSetFromMap(
        new WeakHashMap<>()));
    private final Map<String, HealthChecker> builtIn;
    private final Map<VirtualService, Checked> services = new IdentityHashMap<>();
    private final PriorityQueue<Due> due = new PriorityQueue<>((a, b) -> Long.compare(a.at, b.at));
    private final List<Pending> pending = new ArrayList<>();
    /**
     * The health thread's time as of its last duty cycle (the time of construction before the first): commands and
     * results are dated with it, so a check scheduled by a command is due relative to the cycle that ran it.
     */
    private long now;
    private long nextTick;

    /**
     * Makes the scheduling for one engine; nothing runs until {@link #begin()}. The arguments are the director's
     * (a transport has them in its {@code DirectorRuntime}).
     *
     * @param services the services to follow
     * @param clock the director's clock
     * @param checkers the checkers the application registered, by name
     * @param listeners who hears of health transitions (a live, thread-safe list)
     * @param host the transport's health thread
     * @param slowStart wraps schedulers for {@code --slow-start}
     */
    public HealthCheckScheduler(final ServiceTable services, final Ticker clock,
        final Map<String, HealthChecker> checkers, final List<HealthListener> listeners, final Host host,
        final SlowStartFactory slowStart) {
        this.table = services;
        this.clock = clock;
        this.checkers = checkers;
        this.listeners = listeners;
        this.host = host;
        this.slowStart = slowStart;
        this.now = clock.nanoTime();
        this.builtIn = Map.of(
            "tcp", new BuiltIn("tcp", false, (hc, t) -> null, (b, n, t, hc) -> CheckResult.pass("connected in "
                + millis(t))),
            "http", new BuiltIn("http", false, HealthCheckScheduler::httpRequest, HealthCheckScheduler::judgeHttp),
            "udp", new BuiltIn("udp", true, (hc, t) -> hc.udpSend().getBytes(StandardCharsets.ISO_8859_1),
                HealthCheckScheduler::judgeUdp));
    }

    /** Starts following the services (those there now, then every change); call once, on any thread. */
    public void begin() {
        for (final VirtualService s : table.services()) {
            serviceAdded(s);
        }
        table.addListener(this);
    }

    /** Stops following the services; any thread. */
    public void end() {
        table.removeListener(this);
    }

    @Override
    public void serviceAdded(final VirtualService service) {
        applySlowStart(service);
        host.onHealthThread(() -> configure(service));
    }

    @Override
    public void serviceEdited(final VirtualService service, final VirtualServiceConfig previous) {
        applySlowStart(service);
        host.onHealthThread(() -> configure(service));
    }

    @Override
    public void serviceRemoved(final VirtualService service) {
        host.onHealthThread(() -> services.remove(service));
    }

    @Override
    public void serversChanged(final VirtualService service) {
        if (service != null) {
            host.onHealthThread(() -> {
                final Checked c = services.get(service);
                if (c != null && c.monitor != null) {
                    for (final RealServer s : c.monitor.sync(now)) {
                        schedule(c, s, true);
                    }
                }
            });
        }
    }

    /**
     * Passive checking: a connect of real traffic to {@code server} failed. Called on event loops; the monitor hears
     * of it on the health thread.
     *
     * @param service the service
     * @param server the server (null for the sorry server, which is not checked)
     * @param why what went wrong
     * @param at the clock's time
     */
    public void connectFailed(final VirtualService service, final RealServer server, final String why,
        final long at) {
        if (server == null) {
            return;
        }
        final int consecutive = server.connectFailed();
        host.onHealthThread(() -> {
            final Checked c = services.get(service);
            if (c != null) {
                c.monitor.connectFailed(server, consecutive, why, now);
            }
        });
    }

    /**
     * One duty cycle on the health thread: starts the checks that are due, fails those past their timeout and ticks
     * the monitors every 100 ms.
     *
     * @return how many checks were started
     */
    public int run() {
        now = clock.nanoTime();
        final int started = runDue();
        expire();
        if (now - nextTick >= 0) {
            nextTick = now + TICK_NS;
            for (final Checked c : services.values()) {
                c.monitor.tick(now);
            }
        }
        return started;
    }

    /**
     * How long the health thread may wait before the next {@link #run()}: until the next check is due or times out,
     * at most 100 ms.
     *
     * @return nanoseconds, 0 or less for at once
     */
    public long waitNanos() {
        long wait = Math.min(TICK_NS, nextTick - now);
        if (!due.isEmpty()) {
            wait = Math.min(wait, due.peek().at - now);
        }
        for (int i = 0; i < pending.size(); i++) {
            wait = Math.min(wait, pending.get(i).deadline - now);
        }
        return wait;
    }

    /** Wraps a service's scheduler in slow start when the service asks for it ({@code --slow-start}). */
    private void applySlowStart(final VirtualService service) {
        final HealthCheckConfig hc = HealthCheckConfig.of(service.config());
        final long window = hc == null ? 0 : hc.slowStartNs();
        if (window > 0 && !slowStarted.contains(service.scheduler())) {
            final SchedulerContext ctx = SchedulerContext.live(() -> service.config().schedulerFlags(), clock,
                RandomSource.THREAD_LOCAL);
            final Scheduler wrapped = slowStart.wrap(DefaultSchedulerRegistry.get().create(
                service.config().scheduler(), ctx), ctx, Duration.ofNanos(window));
            slowStarted.add(wrapped);
            service.replaceScheduler(wrapped);
        }
    }

    private void configure(final VirtualService service) {
        final HealthCheckConfig hc = HealthCheckConfig.of(service.config());
        if (hc == null) {
            final Checked gone = services.remove(service);
            if (gone != null && gone.monitor != null) {
                // checking turned off: every member back in rotation, quorum off
                for (int i = 0; i < service.members().size(); i++) {
                    service.rotation(service.members().get(i), true);
                    service.inhibit(service.members().get(i), false);
                }
                service.sorryMode(false);
            }
            return;
        }
        Checked c = services.get(service);
        if (c == null) {
            c = new Checked(service);
            services.put(service, c);
            c.monitor = new HealthMonitor(service, hc, listeners, host::closeSessionsOf, now);
            for (int i = 0; i < service.members().size(); i++) {
                schedule(c, service.members().get(i), true);
            }
        } else {
            c.monitor.config(hc, now);
        }
        c.checker = hc.check() == null ? null : checker(hc.check());
        if (hc.check() != null && c.checker == null) {
            LOG.error("{}: no health checker named '{}' (built in: tcp, http, udp; others are registered with "
                + "LoadBalancer.Builder.healthChecker)", service.key(), hc.check());
        }
    }

    private HealthChecker checker(final String name) {
        final HealthChecker custom = checkers.get(name);
        return custom != null ? custom : builtIn.get(name);
    }

    private void schedule(final Checked c, final RealServer s, final boolean first) {
        final long interval = c.monitor.config().intervalNs();
        final long delay = first ? ThreadLocalRandom.current().nextLong(Math.max(1, interval)) : interval;
        due.add(new Due(now + delay, c, s));
    }

    private int runDue() {
        int started = 0;
        while (!due.isEmpty() && due.peek().at - now <= 0) {
            final Due d = due.poll();
            final Checked c = services.get(d.svc.service);
            if (c != d.svc || c.service.members().indexOf(d.server) < 0) {
                continue; // the service or server is gone: its schedule ends
            }
            if (c.checker == null) {
                schedule(c, d.server, false);
                continue;
            }
            started++;
            start(c, d.server);
        }
        return started;
    }

    private void start(final Checked c, final RealServer server) {
        final HealthCheckConfig hc = c.monitor.config();
        final InetSocketAddress target = hc.port() == 0 ? server.socketAddress()
            : new InetSocketAddress(server.address(), hc.port());
        final AtomicBoolean done = new AtomicBoolean();
        final String name = c.checker.name();
        final long started = now;
        final Consumer<CheckResult> callback = r -> {
            if (done.compareAndSet(false, true)) {
                final long latency = clock.nanoTime() - started;
                host.onHealthThread(() -> {
                    c.monitor.result(server, name, r, latency, now);
                    schedule(c, server, false);
                });
            }
        };
        final long timeout = hc.timeoutNs();
        pending.add(new Pending(started + timeout, timeout, done, callback));
        try {
            c.checker.check(server, target, timeout, callback);
        } catch (final RuntimeException | Error e) {
            // a checker's failure, an Error included, is that check's failure: the health thread goes on
            callback.accept(CheckResult.fail("checker threw " + e));
        }
    }

    private void expire() {
        for (int i = pending.size() - 1; i >= 0; i--) {
            final Pending t = pending.get(i);
            if (t.done.get()) {
                pending.remove(i);
            } else if (now - t.deadline >= 0) {
                pending.remove(i);
                t.callback.accept(CheckResult.fail("no answer within " + millis(t.timeout)));
            }
        }
    }

    /** The health settings of the service a server belongs to, or null. */
    private HealthCheckConfig configOf(final RealServer server) {
        for (final Checked c : services.values()) {
            if (c.service.members().indexOf(server) >= 0) {
                return c.monitor.config();
            }
        }
        return null;
    }

    /** What a built-in check sends for a service's settings and a target (null: nothing). */
    @FunctionalInterface
    private interface Request {
        byte[] bytes(HealthCheckConfig hc, InetSocketAddress target);
    }

    /** A built-in check's verdict on a reply, knowing the service's settings. */
    @FunctionalInterface
    private interface Verdict {
        CheckResult judge(byte[] reply, int length, long elapsedNanos, HealthCheckConfig hc);
    }

    /**
     * A built-in checker over the host's sockets: what it sends and how it judges the reply, per the service's
     * settings. Called on the health thread only (the scheduler calls checkers there).
     */
    private final class BuiltIn implements HealthChecker {
        private final String name;
        private final boolean datagram;
        private final Request request;
        private final Verdict verdict;

        BuiltIn(final String name, final boolean datagram, final Request request, final Verdict verdict) {
            this.name = name;
            this.datagram = datagram;
            this.request = request;
            this.verdict = verdict;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void check(final RealServer server, final InetSocketAddress target, final long timeoutNanos,
            final Consumer<CheckResult> done) {
            final HealthCheckConfig hc = configOf(server);
            if (hc == null) {
                done.accept(CheckResult.fail("server no longer configured"));
                return;
            }
            final Judge judge = (b, n, t) -> verdict.judge(b, n, t, hc);
            final byte[] out = request.bytes(hc, target);
            if (datagram) {
                host.datagram(target, timeoutNanos, out, judge, done);
            } else {
                host.stream(target, timeoutNanos, out, judge, done);
            }
        }
    }

    /**
     * The http check's request: an HTTP/1.0 GET of the configured path with a Host header (configured, or the
     * target's address and port) and {@code Connection: close}.
     *
     * @param hc the settings
     * @param target the address checked
     * @return the request bytes
     */
    private static byte[] httpRequest(final HealthCheckConfig hc, final InetSocketAddress target) {
        final String host = hc.httpHost() != null ? hc.httpHost() : target.getAddress().getHostAddress() + ":"
            + target.getPort();
        return ("GET " + hc.httpPath() + " HTTP/1.0\r\nHost: " + host
            + "\r\nUser-Agent: jlvs-health-check\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** The http verdict: a status line {@code HTTP/x NNN}, a status in the passing ranges, the body text if asked. */
    private static CheckResult judgeHttp(final byte[] reply, final int length, final long elapsedNanos,
        final HealthCheckConfig hc) {
        final String text = new String(reply, 0, length, StandardCharsets.ISO_8859_1);
        final int eol = text.indexOf("\r\n");
        final String statusLine = eol < 0 ? text : text.substring(0, eol);
        final String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/") || !parts[1].matches("[0-9]{3}")) {
            return CheckResult.fail("not an HTTP response");
        }
        final int status = Integer.parseInt(parts[1]);
        if (!hc.statusPasses(status)) {
            return CheckResult.fail("HTTP " + status);
        }
        if (hc.httpBody() != null) {
            final int body = text.indexOf("\r\n\r\n");
            if (body < 0 || !text.substring(body + 4).contains(hc.httpBody())) {
                return CheckResult.fail("HTTP " + status + " without '" + hc.httpBody() + "' in the body");
            }
        }
        return CheckResult.pass("HTTP " + status + " in " + millis(elapsedNanos));
    }

    /** The udp verdict: any reply, or one containing the expected text. */
    private static CheckResult judgeUdp(final byte[] reply, final int length, final long elapsedNanos,
        final HealthCheckConfig hc) {
        final String text = new String(reply, 0, length, StandardCharsets.ISO_8859_1);
        if (hc.udpExpect() == null || text.contains(hc.udpExpect())) {
            return CheckResult.pass("reply in " + millis(elapsedNanos));
        }
        return CheckResult.fail("reply without '" + hc.udpExpect() + "'");
    }

    private static String millis(final long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos) + " ms";
    }
}
