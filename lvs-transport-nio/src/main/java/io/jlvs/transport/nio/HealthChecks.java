package io.jlvs.transport.nio;

import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.health.CheckResult;
import io.jlvs.core.health.HealthCheckConfig;
import io.jlvs.core.health.HealthChecker;
import io.jlvs.core.health.HealthMonitor;
import io.jlvs.core.sched.RandomSource;
import io.jlvs.core.sched.SchedulerContext;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.ServiceTable;
import io.jlvs.core.service.VirtualService;
import io.jlvs.scheduler.Schedulers;
import io.jlvs.scheduler.SlowStart;
import io.jlvs.core.time.Ticker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Health checking for the NIO engine: one thread with its own selector runs every service's checks, so no event
 * loop ever waits for a probe. Built-in checkers: {@code tcp} (connect), {@code http} (GET with path, Host header,
 * expected statuses and body text) and {@code udp} (request/response with expected bytes); applications add their
 * own through {@link HealthChecker}. The first check of each server is spread at random over one interval so a
 * thousand servers are not probed at once. Results go to each service's {@link HealthMonitor}, which decides.
 *
 * A {@link SelectorAgent} (role {@code jlvs-health}), the same shape as the event loops.
 *
 * <p>Thread-safe through its command queue; everything else runs on the health thread.
 */
final class HealthChecks extends SelectorAgent implements ServiceTable.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(HealthChecks.class);

    private final NioEngine engine;
    private final Ticker clock;
    private final Map<VirtualService, Checked> services = new IdentityHashMap<>();
    private final PriorityQueue<Due> due = new PriorityQueue<>((a, b) -> Long.compare(a.at, b.at));
    private final List<Probe> inFlight = new ArrayList<>();
    private final Map<String, HealthChecker> builtIn = Map.of("tcp", new TcpCheck(), "http", new HttpCheck(),
        "udp", new UdpCheck());
    private long now;
    private long nextTick;

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
    private static final class Due {
        final long at;
        final Checked svc;
        final RealServer server;

        Due(final long at, final Checked svc, final RealServer server) {
            this.at = at;
            this.svc = svc;
            this.server = server;
        }
    }

    HealthChecks(final NioEngine engine) throws IOException {
        super("jlvs-health");
        this.engine = engine;
        this.clock = engine.runtime.clock();
        this.now = clock.nanoTime();
    }

    @Override
    String deathNote() {
        return "health checks have stopped: servers are no longer marked up or down";
    }

    void begin() {
        for (final VirtualService s : engine.runtime.services().services()) {
            serviceAdded(s);
        }
        engine.runtime.services().addListener(this);
        engine.addFailureListener(this::connectFailed);
        start();
    }

    @Override
    void stop() {
        super.stop();
        engine.runtime.services().removeListener(this);
        try {
            join(TimeUnit.SECONDS.toMillis(10));
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void serviceAdded(final VirtualService service) {
        applySlowStart(service);
        execute(() -> configure(service));
    }

    @Override
    public void serviceEdited(final VirtualService service, final VirtualServiceConfig previous) {
        applySlowStart(service);
        execute(() -> configure(service));
    }

    @Override
    public void serviceRemoved(final VirtualService service) {
        execute(() -> services.remove(service));
    }

    @Override
    public void serversChanged(final VirtualService service) {
        if (service != null) {
            execute(() -> {
                final Checked c = services.get(service);
                if (c != null && c.monitor != null) {
                    for (final RealServer s : c.monitor.sync(now)) {
                        schedule(c, s, true);
                    }
                }
            });
        }
    }

    /** Wraps a service's scheduler in slow start when the service asks for it ({@code --slow-start}). */
    private void applySlowStart(final VirtualService service) {
        final HealthCheckConfig hc = HealthCheckConfig.of(service.config());
        final long window = hc == null ? 0 : hc.slowStartNs();
        if (window > 0 && !(service.scheduler() instanceof SlowStart)) {
            final SchedulerContext ctx = SchedulerContext.live(() -> service.config().schedulerFlags(), clock,
                RandomSource.THREAD_LOCAL);
            service.replaceScheduler(Schedulers.slowStart(Schedulers.create(
                service.config().scheduler(), ctx), ctx, java.time.Duration.ofNanos(window), 1.0, 0.1));
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
            c.monitor = new HealthMonitor(service, hc, engine.runtime.healthListeners(), this::shutdownSessions,
                now);
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
        final HealthChecker custom = engine.runtime.checkers().get(name);
        return custom != null ? custom : builtIn.get(name);
    }

    private void schedule(final Checked c, final RealServer s, final boolean first) {
        final long interval = c.monitor.config().intervalNs();
        final long delay = first ? ThreadLocalRandom.current().nextLong(Math.max(1, interval)) : interval;
        due.add(new Due(now + delay, c, s));
    }

    private void shutdownSessions(final RealServer server) {
        for (final EventLoop l : engine.loops) {
            l.execute(() -> l.closeSessionsOf(server));
        }
    }

    /** Passive checking: called on event loops, hands over to the health thread. */
    private void connectFailed(final VirtualService service, final RealServer server, final String why,
        final long at) {
        final int consecutive = server.connectFailed();
        execute(() -> {
            final Checked c = services.get(service);
            if (c != null) {
                c.monitor.connectFailed(server, consecutive, why, now);
            }
        });
    }

    @Override
    int doWork() {
        now = clock.nanoTime();
        final int due0 = due.size();
        runDue();
        expireProbes();
        if (now - nextTick >= 0) {
            nextTick = now + TimeUnit.MILLISECONDS.toNanos(100);
            for (final Checked c : services.values()) {
                c.monitor.tick(now);
            }
        }
        return Math.max(0, due0 - due.size());
    }

    @Override
    long idleNs() {
        long wait = TimeUnit.MILLISECONDS.toNanos(100);
        if (!due.isEmpty()) {
            wait = Math.min(wait, due.peek().at - now);
        }
        for (final Probe p : inFlight) {
            wait = Math.min(wait, p.deadline - now);
        }
        for (final Pending p : pending) {
            wait = Math.min(wait, p.deadline - now);
        }
        return wait;
    }

    @Override
    void onReady(final SelectionKey key) {
        ready(key);
    }

    @Override
    void commandFailed(final Throwable e) {
        LOG.warn("health command failed", e);
    }

    @Override
    void onClose() {
        for (final Probe p : new ArrayList<>(inFlight)) {
            p.finish(CheckResult.fail("shutting down"));
        }
        try {
            selector.close();
        } catch (final IOException ignored) {
            // closing
        }
    }

    private void runDue() {
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
            final HealthCheckConfig hc = c.monitor.config();
            final InetSocketAddress target = hc.port() == 0 ? d.server.socketAddress()
                : new InetSocketAddress(d.server.address(), hc.port());
            final AtomicBoolean done = new AtomicBoolean();
            final long started = now;
            final String name = c.checker.name();
            final Consumer<CheckResult> callback = r -> {
                if (done.compareAndSet(false, true)) {
                    final long latency = clock.nanoTime() - started;
                    execute(() -> {
                        c.monitor.result(d.server, name, r, latency, now);
                        schedule(c, d.server, false);
                    });
                }
            };
            final long timeout = hc.timeoutNs();
            // the timeout holds for any checker, built in or custom: a late answer is ignored
            pending.add(new Pending(started + timeout, timeout, done, callback));
            try {
                c.checker.check(d.server, target, timeout, callback);
            } catch (final RuntimeException | Error e) {
                // a checker's failure, an Error included, is that check's failure: the health thread goes on
                callback.accept(CheckResult.fail("checker threw " + e));
            }
        }
        for (int i = pending.size() - 1; i >= 0; i--) {
            final Pending t = pending.get(i);
            if (t.done.get()) {
                pending.remove(i);
            } else if (now - t.deadline >= 0) {
                pending.remove(i);
                t.callback.accept(CheckResult.fail("no answer within " + TimeUnit.NANOSECONDS.toMillis(t.timeout)
                    + " ms"));
            }
        }
    }

    /** A started check and its deadline. */
    private static final class Pending {
        final long deadline;
        final long timeout;
        final AtomicBoolean done;
        final Consumer<CheckResult> callback;

        Pending(final long deadline, final long timeout, final AtomicBoolean done,
            final Consumer<CheckResult> callback) {
            this.deadline = deadline;
            this.timeout = timeout;
            this.done = done;
            this.callback = callback;
        }
    }

    private final List<Pending> pending = new ArrayList<>();

    private void expireProbes() {
        for (int i = inFlight.size() - 1; i >= 0; i--) {
            final Probe p = inFlight.get(i);
            if (now - p.deadline >= 0) {
                p.finish(CheckResult.fail("no answer within " + TimeUnit.NANOSECONDS.toMillis(p.timeout) + " ms"));
            }
        }
    }

    private void ready(final SelectionKey key) {
        final Probe p = (Probe) key.attachment();
        now = clock.nanoTime();
        try {
            p.ready(key);
        } catch (final IOException e) {
            p.finish(CheckResult.fail(describe(e)));
        } catch (final RuntimeException e) {
            p.finish(CheckResult.fail(e.toString()));
        }
    }

    static String describe(final IOException e) {
        if (e instanceof PortUnreachableException) {
            return "port unreachable";
        }
        final String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m.toLowerCase(java.util.Locale.ROOT);
    }

    /** One probe's socket and deadline; confined to the health thread. */
    private abstract class Probe {
        final RealServer server;
        final Consumer<CheckResult> done;
        final long started;
        final long deadline;
        final long timeout;
        SelectableChannel channel;
        SelectionKey key;
        private boolean finished;

        Probe(final RealServer server, final long timeout, final Consumer<CheckResult> done) {
            this.server = server;
            this.done = done;
            this.started = now;
            this.timeout = timeout;
            this.deadline = now + timeout;
            inFlight.add(this);
        }

        abstract void ready(SelectionKey k) throws IOException;

        String elapsed() {
            return TimeUnit.NANOSECONDS.toMillis(now - started) + " ms";
        }

        void finish(final CheckResult r) {
            if (finished) {
                return;
            }
            finished = true;
            inFlight.remove(this);
            if (key != null) {
                key.cancel();
            }
            if (channel != null) {
                try {
                    channel.close();
                } catch (final IOException ignored) {
                    // closing
                }
            }
            done.accept(r);
        }
    }

    /** {@code tcp}: passes when a connection opens. */
    private final class TcpCheck implements HealthChecker {
        @Override
        public String name() {
            return "tcp";
        }

        @Override
        public void check(final RealServer server, final InetSocketAddress target, final long timeoutNanos,
            final Consumer<CheckResult> done) {
            new StreamProbe(server, timeoutNanos, done, target, null, null);
        }
    }

    /** A built-in checker that reads the server's health-check settings before probing. */
    private abstract class ConfiguredCheck implements HealthChecker {
        @Override
        public final void check(final RealServer server, final InetSocketAddress target, final long timeoutNanos,
            final Consumer<CheckResult> done) {
            final HealthCheckConfig hc = configOf(server);
            if (hc == null) {
                done.accept(CheckResult.fail("server no longer configured"));
                return;
            }
            check(server, target, timeoutNanos, done, hc);
        }

        abstract void check(RealServer server, InetSocketAddress target, long timeoutNanos,
            Consumer<CheckResult> done, HealthCheckConfig hc);
    }

    /** {@code http}: GET, then the status and optionally the body decide. */
    private final class HttpCheck extends ConfiguredCheck {
        @Override
        public String name() {
            return "http";
        }

        @Override
        void check(final RealServer server, final InetSocketAddress target, final long timeoutNanos,
            final Consumer<CheckResult> done, final HealthCheckConfig hc) {
            final String host = hc.httpHost() != null ? hc.httpHost() : target.getAddress().getHostAddress() + ":"
                + target.getPort();
            final String request = "GET " + hc.httpPath() + " HTTP/1.0\r\nHost: " + host
                + "\r\nUser-Agent: jlvs-health-check\r\nConnection: close\r\n\r\n";
            new StreamProbe(server, timeoutNanos, done, target, request.getBytes(StandardCharsets.US_ASCII), hc);
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

    /** A TCP probe, plain or HTTP. */
    private final class StreamProbe extends Probe {
        private final ByteBuffer request;
        private final HealthCheckConfig http;
        private ByteBuffer response;

        StreamProbe(final RealServer server, final long timeout, final Consumer<CheckResult> done,
            final InetSocketAddress target, final byte[] request, final HealthCheckConfig http) {
            super(server, timeout, done);
            this.request = request == null ? null : ByteBuffer.wrap(request);
            this.http = http;
            try {
                final SocketChannel ch = SocketChannel.open(Families.of(target.getAddress()));
                channel = ch;
                ch.configureBlocking(false);
                if (ch.connect(target)) {
                    key = ch.register(selector, 0, this);
                    connected();
                } else {
                    key = ch.register(selector, SelectionKey.OP_CONNECT, this);
                }
            } catch (final IOException e) {
                finish(CheckResult.fail(describe(e)));
            }
        }

        private void connected() throws IOException {
            if (request == null) {
                finish(CheckResult.pass("connected in " + elapsed()));
                return;
            }
            response = ByteBuffer.allocate(64 * 1024);
            key.interestOps(SelectionKey.OP_WRITE);
        }

        @Override
        void ready(final SelectionKey k) throws IOException {
            final SocketChannel ch = (SocketChannel) channel;
            if (k.isConnectable()) {
                if (ch.finishConnect()) {
                    connected();
                }
                return;
            }
            if (k.isWritable()) {
                ch.write(request);
                if (!request.hasRemaining()) {
                    k.interestOps(SelectionKey.OP_READ);
                }
                return;
            }
            if (k.isReadable()) {
                final int n = ch.read(response);
                if (n < 0 || !response.hasRemaining()) {
                    judge();
                }
            }
        }

        private void judge() {
            final String text = new String(response.array(), 0, response.position(), StandardCharsets.ISO_8859_1);
            final int eol = text.indexOf("\r\n");
            final String statusLine = eol < 0 ? text : text.substring(0, eol);
            final String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/") || !parts[1].matches("[0-9]{3}")) {
                finish(CheckResult.fail("not an HTTP response"));
                return;
            }
            final int status = Integer.parseInt(parts[1]);
            if (!http.statusPasses(status)) {
                finish(CheckResult.fail("HTTP " + status));
                return;
            }
            if (http.httpBody() != null) {
                final int body = text.indexOf("\r\n\r\n");
                if (body < 0 || !text.substring(body + 4).contains(http.httpBody())) {
                    finish(CheckResult.fail("HTTP " + status + " without '" + http.httpBody() + "' in the body"));
                    return;
                }
            }
            finish(CheckResult.pass("HTTP " + status + " in " + elapsed()));
        }
    }

    /** {@code udp}: a datagram out, a reply containing the expected bytes back. */
    private final class UdpCheck extends ConfiguredCheck {
        @Override
        public String name() {
            return "udp";
        }

        @Override
        void check(final RealServer server, final InetSocketAddress target, final long timeoutNanos,
            final Consumer<CheckResult> done, final HealthCheckConfig hc) {
            new Probe(server, timeoutNanos, done) {
                {
                    try {
                        final DatagramChannel ch = DatagramChannel.open(Families.of(target.getAddress()));
                        channel = ch;
                        ch.configureBlocking(false);
                        ch.connect(target);
                        key = ch.register(selector, SelectionKey.OP_READ, this);
                        ch.write(ByteBuffer.wrap(hc.udpSend().getBytes(StandardCharsets.ISO_8859_1)));
                    } catch (final IOException e) {
                        finish(CheckResult.fail(describe(e)));
                    }
                }

                @Override
                void ready(final SelectionKey k) throws IOException {
                    final ByteBuffer b = ByteBuffer.allocate(65536);
                    final int n = ((DatagramChannel) channel).read(b);
                    if (n < 0) {
                        return;
                    }
                    final String reply = new String(b.array(), 0, b.position(), StandardCharsets.ISO_8859_1);
                    if (hc.udpExpect() == null || reply.contains(hc.udpExpect())) {
                        finish(CheckResult.pass("reply in " + elapsed()));
                    } else {
                        finish(CheckResult.fail("reply without '" + hc.udpExpect() + "'"));
                    }
                }
            };
        }
    }
}
