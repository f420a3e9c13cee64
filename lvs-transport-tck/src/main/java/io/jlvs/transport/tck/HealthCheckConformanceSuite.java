package io.jlvs.transport.tck;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.health.CheckResult;
import io.jlvs.core.health.HealthChecker;
import io.jlvs.core.health.HealthEvent;
import io.jlvs.core.health.HealthState;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.VirtualService;
import io.jlvs.core.transport.Transport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The health-check conformance suite: active checks as every JLVS transport must run them, through the public API
 * only ({@code LoadBalancer.builder()...transport(t)}, service options, {@code healthListener}, the service's
 * rotation and weights) with real sockets on loopback. A transport runs it by subclassing and naming its factory:
 *
 * <pre>{@code
 * class MyTransportHealthTest extends HealthCheckConformanceSuite {
 *     @Override
 *     protected Transport transport() {
 *         return new MyTransport();
 *     }
 * }
 * }</pre>
 *
 * <p>What it covers: the built-in {@code tcp} check takes a stopped server out (no sooner than its fall threshold
 * allows, with a reason naming the refusal) and brings it back after its rise threshold; {@code http} follows the
 * status (500 against 200), the path and Host header, and fails a server that accepts and never answers within the
 * timeout; {@code udp} passes on the expected reply and fails on an ICMP refusal; a custom {@link HealthChecker}
 * is called once per interval on the director's clock and moves the server after exactly {@code fall} failures and
 * {@code rise} passes; a checker that throws fails its check and checking goes on; {@code --slow-start} ramps a
 * server that came up; a server marked down receives no new clients. Waits are on conditions with deadlines; the
 * checks that count use the director's clock, advanced by the test.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class HealthCheckConformanceSuite {
    private static final long WAIT_SECONDS = 30;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final List<HealthEvent> events = new CopyOnWriteArrayList<>();

    /** For subclasses. */
    protected HealthCheckConformanceSuite() {
    }

    /**
     * The transport under test; a new instance per call.
     *
     * @return the transport
     */
    protected abstract Transport transport();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        closeables.clear();
    }

    // ------------------------------------------------------------------------------------------------ tests

    @Test
    void tcpCheckTakesAStoppedServerOutAfterFallAndBringsItBackAfterRise() throws Exception {
        final Listener a = listener("a", 0);
        Listener b = listener("b", 0);
        final int bPort = b.port();
        final long intervalMs = 100;
        final AtomicReference<ServiceKey> key = new AtomicReference<>();
        final LoadBalancer lb = Ports.startTcp(port -> {
            key.set(ServiceKey.tcp("127.0.0.1", port));
            return builder().service(VirtualServiceConfig.builder(key.get()).scheduler("rr").option("check", "tcp")
                .option("check-interval", String.valueOf(intervalMs)).option("check-timeout", "2000")
                .option("fall", "3").option("rise", "2").build(), server(a.port()), server(bPort)).build();
        });
        closeables.add(() -> lb.close(Duration.ZERO));
        final VirtualService svc = lb.services().service(key.get());
        final int vport = key.get().port();
        b.close();
        final long closedAt = System.nanoTime();
        waitFor("b down", () -> svc.servers().size() == 1 && !events.isEmpty());
        final long downAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closedAt);
        final HealthEvent down = events.get(0);
        assertEquals("127.0.0.1:" + bPort, down.server());
        assertEquals(HealthState.DOWN, down.state());
        assertEquals("tcp", down.check());
        assertTrue(down.reason().toLowerCase(Locale.ROOT).contains("refused"), down.reason());
        // three failures one interval apart: no sooner than two intervals after the first one
        assertTrue(downAfterMs >= 2 * intervalMs, "down after " + downAfterMs + " ms");
        for (int i = 0; i < 4; i++) {
            assertEquals("a", name(vport), "client " + i + " while b is down");
        }
        b = listener("b", bPort);
        final long reopenedAt = System.nanoTime();
        waitFor("b up", () -> svc.servers().size() == 2 && events.size() >= 2);
        final long upAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - reopenedAt);
        assertEquals(HealthState.UP, events.get(1).state());
        assertTrue(events.get(1).reason().startsWith("connected in "), events.get(1).reason());
        assertTrue(upAfterMs >= intervalMs, "up after " + upAfterMs + " ms"); // two passes, one interval apart
        final Set<String> seen = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            seen.add(name(vport));
        }
        assertEquals(Set.of("a", "b"), seen);
    }

    @Test
    void httpCheckFailsOn500AndPassesOn200WithPathAndHost() throws Exception {
        final AtomicBoolean healthy = new AtomicBoolean(false);
        final List<String> requests = new CopyOnWriteArrayList<>();
        final Listener web = new Listener("web", 0, s -> {
            final String req = readRequest(s);
            requests.add(req);
            final boolean ok = healthy.get();
            final String body = ok ? "status: ready" : "status: broken";
            s.getOutputStream().write(((ok ? "HTTP/1.0 200 OK" : "HTTP/1.0 500 Oops") + "\r\nContent-Length: "
                + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
        });
        closeables.add(web);
        final AtomicReference<ServiceKey> key = new AtomicReference<>();
        final LoadBalancer lb = Ports.startTcp(port -> {
            key.set(ServiceKey.tcp("127.0.0.1", port));
            return builder().service(VirtualServiceConfig.builder(key.get()).option("check", "http")
                .option("http-path", "/healthz").option("http-host", "svc.example").option("http-status", "200")
                .option("http-body", "ready").option("check-interval", "30").option("rise", "2").option("fall", "2")
                .build(), server(web.port())).build();
        });
        closeables.add(() -> lb.close(Duration.ZERO));
        final VirtualService svc = lb.services().service(key.get());
        waitFor("down on HTTP 500", () -> svc.servers().size() == 0 && !events.isEmpty());
        assertEquals("HTTP 500", events.get(0).reason());
        assertEquals("http", events.get(0).check());
        healthy.set(true);
        waitFor("up on HTTP 200", () -> svc.servers().size() == 1 && events.size() >= 2);
        assertEquals(HealthState.UP, events.get(1).state());
        assertTrue(events.get(1).reason().startsWith("HTTP 200 in "), events.get(1).reason());
        final String first = requests.get(0);
        assertTrue(first.startsWith("GET /healthz HTTP/1.0\r\n"), first);
        assertTrue(first.contains("\r\nHost: svc.example\r\n"), first);
        assertTrue(first.endsWith("\r\n\r\n"), first);
    }

    @Test
    void httpCheckFailsAServerThatAcceptsAndNeverAnswers() throws Exception {
        final Listener hang = new Listener("web", 0, s -> {
            readRequest(s);
            s.getInputStream().read(); // holds the connection until the checker gives up and closes it
        });
        closeables.add(hang);
        final AtomicReference<ServiceKey> key = new AtomicReference<>();
        final LoadBalancer lb = Ports.startTcp(port -> {
            key.set(ServiceKey.tcp("127.0.0.1", port));
            return builder().service(VirtualServiceConfig.builder(key.get()).option("check", "http")
                .option("check-interval", "50").option("check-timeout", "200").option("fall", "2").build(),
                server(hang.port())).build();
        });
        closeables.add(() -> lb.close(Duration.ZERO));
        waitFor("down by timeout", () -> !events.isEmpty());
        assertTrue(events.get(0).reason().startsWith("no answer within 200 ms"), events.get(0).reason());
        assertEquals(0, lb.services().service(key.get()).servers().size());
    }

    @Test
    void udpCheckPassesOnTheExpectedReplyAndFailsWhenThePortRefuses() throws Exception {
        final DatagramSocket responder = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(),
            0));
        final int udpPort = responder.getLocalPort();
        final AtomicInteger pings = new AtomicInteger();
        final Thread t = new Thread(() -> {
            final byte[] buf = new byte[512];
            while (!responder.isClosed()) {
                try {
                    final DatagramPacket p = new DatagramPacket(buf, buf.length);
                    responder.receive(p);
                    if ("are-you-there".equals(new String(buf, 0, p.getLength(), StandardCharsets.ISO_8859_1))) {
                        pings.incrementAndGet();
                        responder.send(new DatagramPacket("yes: alive".getBytes(StandardCharsets.ISO_8859_1), 10,
                            p.getSocketAddress()));
                    }
                } catch (final IOException e) {
                    return; // closed
                }
            }
        }, "tck-udp-responder");
        t.setDaemon(true);
        t.start();
        closeables.add(responder::close);
        final Listener tcp = listener("a", 0);
        final AtomicReference<ServiceKey> key = new AtomicReference<>();
        final LoadBalancer lb = Ports.startTcp(port -> {
            key.set(ServiceKey.tcp("127.0.0.1", port));
            return builder().service(VirtualServiceConfig.builder(key.get()).option("check", "udp")
                .option("check-port", String.valueOf(udpPort)).option("udp-send", "are-you-there")
                .option("udp-expect", "alive").option("check-initial", "down").option("check-interval", "50")
                .option("fall", "2").option("rise", "1").build(), server(tcp.port())).build();
        });
        closeables.add(() -> lb.close(Duration.ZERO));
        final VirtualService svc = lb.services().service(key.get());
        waitFor("up on the reply", () -> svc.servers().size() == 1 && !events.isEmpty());
        assertEquals(HealthState.UP, events.get(0).state());
        assertTrue(events.get(0).reason().startsWith("reply in "), events.get(0).reason());
        assertTrue(pings.get() >= 1);
        responder.close();
        t.join(10_000);
        waitFor("down on refusal", () -> svc.servers().size() == 0 && events.size() >= 2);
        assertEquals(HealthState.DOWN, events.get(1).state());
        assertTrue(events.get(1).reason().contains("unreachable") || events.get(1).reason().startsWith("no answer"),
            events.get(1).reason());
    }

    @Test
    void customCheckerMovesTheServerAfterExactlyFallAndRiseResults() throws Exception {
        final AtomicLong clock = new AtomicLong(1_000_000_000L);
        final Scripted checker = new Scripted();
        final Listener a = listener("a", 0);
        final AtomicReference<ServiceKey> key = new AtomicReference<>();
        final LoadBalancer lb = Ports.startTcp(port -> {
            key.set(ServiceKey.tcp("127.0.0.1", port));
            return builder().clock(clock::get).healthChecker("scripted", checker).service(VirtualServiceConfig
                .builder(key.get()).option("check", "scripted").option("check-interval", "1000").option("rise", "2")
                .option("fall", "3").build(), server(a.port())).build();
        });
        closeables.add(() -> lb.close(Duration.ZERO));
        final VirtualService svc = lb.services().service(key.get());
        checker.script(true, false, false, true, false, false, false, true, true);
        final int[] expectInRotation = {1, 1, 1, 1, 1, 1, 0, 0, 1};
        for (int i = 0; i < expectInRotation.length; i++) {
            final int calls = i + 1;
            clock.addAndGet(TimeUnit.SECONDS.toNanos(1));
            waitFor("check " + calls, () -> checker.calls.get() >= calls);
            final int want = expectInRotation[i];
            waitFor("rotation " + want + " after check " + calls, () -> svc.servers().size() == want);
        }
        assertEquals(9, checker.calls.get(), "one check per interval of the director's clock");
        assertEquals(List.of("127.0.0.1:" + a.port()), checker.targets());
        waitFor("the up event", () -> events.size() >= 2);
        assertEquals(2, events.size(), events.toString());
        assertEquals(HealthState.DOWN, events.get(0).state());
        assertEquals("scripted", events.get(0).check());
        assertEquals(HealthState.UP, events.get(1).state());
    }

    @Test
    void aCheckerThatThrowsFailsItsCheckAndCheckingGoesOn() throws Exception {
        final AtomicLong clock = new AtomicLong(1_000_000_000L);
        final AtomicInteger calls = new AtomicInteger();
        final HealthChecker throwing = new HealthChecker() {
            @Override
            public String name() {
                return "throwing";
            }

            @Override
            public void check(final RealServer server, final InetSocketAddress target, final long timeoutNanos,
                final Consumer<CheckResult> done) {
                if (calls.incrementAndGet() <= 2) {
                    throw new StackOverflowError("checker bug (test)");
                }
                done.accept(CheckResult.pass("fine again"));
            }
        };
        final Listener a = listener("a", 0);
        final AtomicReference<ServiceKey> key = new AtomicReference<>();
        final LoadBalancer lb = Ports.startTcp(port -> {
            key.set(ServiceKey.tcp("127.0.0.1", port));
            return builder().clock(clock::get).healthChecker("throwing", throwing).service(VirtualServiceConfig
                .builder(key.get()).option("check", "throwing").option("check-interval", "1000").option("rise", "1")
                .option("fall", "2").build(), server(a.port())).build();
        });
        closeables.add(() -> lb.close(Duration.ZERO));
        final VirtualService svc = lb.services().service(key.get());
        for (int i = 1; i <= 3; i++) {
            final int n = i;
            clock.addAndGet(TimeUnit.SECONDS.toNanos(1));
            waitFor("check " + n, () -> calls.get() >= n);
        }
        waitFor("down, then up again", () -> events.size() >= 2 && svc.servers().size() == 1);
        assertEquals(HealthState.DOWN, events.get(0).state());
        assertTrue(events.get(0).reason().startsWith("checker threw java.lang.StackOverflowError"),
            events.get(0).reason());
        assertEquals(HealthState.UP, events.get(1).state());
        assertTrue(lb.health().healthy(), lb.health().toString());
        assertEquals("a", name(key.get().port()));
    }

    @Test
    void slowStartRampsAServerThatCameUp() throws Exception {
        final AtomicLong clock = new AtomicLong(1_000_000_000L);
        final Scripted checker = new Scripted();
        final Listener a = listener("a", 0);
        final AtomicReference<ServiceKey> key = new AtomicReference<>();
        final LoadBalancer lb = Ports.startTcp(port -> {
            key.set(ServiceKey.tcp("127.0.0.1", port));
            return builder().clock(clock::get).healthChecker("scripted", checker).service(VirtualServiceConfig
                .builder(key.get()).scheduler("wrr").option("check", "scripted").option("check-interval", "1000")
                .option("check-initial", "down").option("rise", "1").option("slow-start", "10000").build(),
                RealServerConfig.builder("127.0.0.1", a.port()).weight(100).build()).build();
        });
        closeables.add(() -> lb.close(Duration.ZERO));
        final VirtualService svc = lb.services().service(key.get());
        final RealServer s = svc.members().get(0);
        waitFor("initially down", () -> svc.servers().size() == 0);
        checker.script(true);
        clock.addAndGet(TimeUnit.SECONDS.toNanos(1));
        waitFor("up after one pass", () -> svc.servers().size() == 1);
        final int start = s.weight();
        assertTrue(start >= 1 && start < 50, "weight just after up: " + start + " of 100");
        assertEquals("a", name(key.get().port()));
        clock.addAndGet(TimeUnit.SECONDS.toNanos(5));
        final int vport = key.get().port();
        waitFor("half way up", () -> pickAndRead(vport) && s.weight() > start && s.weight() < 100);
        clock.addAndGet(TimeUnit.SECONDS.toNanos(6));
        waitFor("full weight after the window", () -> pickAndRead(vport) && s.weight() == 100);
    }

    @Test
    void aServerMarkedDownReceivesNoNewClients() throws Exception {
        final AtomicLong clock = new AtomicLong(1_000_000_000L);
        final Listener a = listener("a", 0);
        final Listener b = listener("b", 0);
        final AtomicBoolean bHealthy = new AtomicBoolean(true);
        final AtomicInteger bChecks = new AtomicInteger();
        final HealthChecker byPort = new HealthChecker() {
            @Override
            public String name() {
                return "byport";
            }

            @Override
            public void check(final RealServer server, final InetSocketAddress target, final long timeoutNanos,
                final Consumer<CheckResult> done) {
                if (target.getPort() == b.port()) {
                    bChecks.incrementAndGet();
                    done.accept(bHealthy.get() ? CheckResult.pass("ok") : CheckResult.fail("marked bad"));
                } else {
                    done.accept(CheckResult.pass("ok"));
                }
            }
        };
        final AtomicReference<ServiceKey> key = new AtomicReference<>();
        final LoadBalancer lb = Ports.startTcp(port -> {
            key.set(ServiceKey.tcp("127.0.0.1", port));
            return builder().clock(clock::get).healthChecker("byport", byPort).service(VirtualServiceConfig
                .builder(key.get()).scheduler("rr").option("check", "byport").option("check-interval", "1000")
                .option("fall", "1").build(), server(a.port()), server(b.port())).build();
        });
        closeables.add(() -> lb.close(Duration.ZERO));
        final int vport = key.get().port();
        final Set<String> seen = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            seen.add(name(vport));
        }
        assertEquals(Set.of("a", "b"), seen);
        bHealthy.set(false);
        final int before = bChecks.get();
        clock.addAndGet(TimeUnit.SECONDS.toNanos(1));
        waitFor("b checked", () -> bChecks.get() > before);
        waitFor("b down", () -> lb.services().service(key.get()).servers().size() == 1);
        final int bAccepted = b.accepted.get();
        for (int i = 0; i < 20; i++) {
            assertEquals("a", name(vport), "client " + i);
        }
        assertEquals(bAccepted, b.accepted.get(), "no new connection reached b while it was down");
        assertTrue(b.accepted.get() >= 1);
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private LoadBalancer.Builder builder() {
        return LoadBalancer.builder().eventLoops(2).transport(transport()).healthListener(events::add);
    }

    private static RealServerConfig server(final int port) {
        return RealServerConfig.builder("127.0.0.1", port).build();
    }

    private Listener listener(final String name, final int port) throws IOException {
        final Listener l = new Listener(name, port, null);
        closeables.add(l);
        return l;
    }

    private static void waitFor(final String what, final BooleanSupplier condition) {
        await(what).atMost(Duration.ofSeconds(WAIT_SECONDS)).pollInterval(Duration.ofMillis(5))
            .until(condition::getAsBoolean);
    }

    /** One client through the director: the name of the real server that answered. */
    private static String name(final int vport) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), vport)) {
            s.setSoTimeout(20_000);
            final InputStream in = s.getInputStream();
            final StringBuilder sb = new StringBuilder();
            for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
                sb.append((char) c);
            }
            return sb.toString();
        }
    }

    /** A pick (which moves slow-start ramps on the director's clock); true once answered. */
    private static boolean pickAndRead(final int vport) {
        try {
            return !name(vport).isEmpty();
        } catch (final IOException e) {
            throw new AssertionError("client failed: " + e, e);
        }
    }

    /** Reads an HTTP request head (up to the blank line). */
    private static String readRequest(final Socket s) throws IOException {
        final InputStream in = s.getInputStream();
        final StringBuilder sb = new StringBuilder();
        while (!sb.toString().endsWith("\r\n\r\n")) {
            final int c = in.read();
            if (c < 0) {
                break;
            }
            sb.append((char) c);
        }
        return sb.toString();
    }

    /** A checker whose results the test scripts; it records where it was asked to check. */
    private static final class Scripted implements HealthChecker {
        private final Deque<Boolean> results = new ArrayDeque<>();
        private final List<String> targets = new ArrayList<>();
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public String name() {
            return "scripted";
        }

        @Override
        public synchronized void check(final RealServer server, final InetSocketAddress target,
            final long timeoutNanos, final Consumer<CheckResult> done) {
            final Boolean r = results.poll();
            final String t = target.getAddress().getHostAddress() + ":" + target.getPort();
            if (!targets.contains(t)) {
                targets.add(t);
            }
            calls.incrementAndGet();
            done.accept(r != null && r ? CheckResult.pass("ok") : CheckResult.fail(r == null ? "no script" : "bad"));
        }

        synchronized void script(final boolean... rs) {
            for (final boolean r : rs) {
                results.add(r);
            }
        }

        synchronized List<String> targets() {
            return List.copyOf(targets);
        }
    }

    /**
     * A real server on a loopback port (a given one, to stop and start it again, or 0): each connection gets the
     * server's name and a newline and is held until the client closes; with a handler, the handler serves instead.
     * Counts accepted and live connections.
     */
    private static final class Listener implements AutoCloseable {
        /** What a listener does with one connection instead of naming itself. */
        interface Handler {
            void serve(Socket s) throws IOException;
        }

        final AtomicInteger accepted = new AtomicInteger();
        final AtomicInteger live = new AtomicInteger();
        private final ServerSocket server;
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();
        private final Thread acceptor;
        private final String name;

        Listener(final String name, final int port, final Handler handler) throws IOException {
            this.name = name;
            server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
            acceptor = new Thread(() -> accept(handler), "tck-health-backend-" + server.getLocalPort());
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private void accept(final Handler handler) {
            while (!server.isClosed()) {
                final Socket s;
                try {
                    s = server.accept();
                } catch (final IOException e) {
                    return; // closed
                }
                accepted.incrementAndGet();
                live.incrementAndGet();
                sockets.add(s);
                final Thread t = new Thread(() -> {
                    try (s) {
                        s.setSoTimeout(30_000);
                        if (handler != null) {
                            handler.serve(s);
                        } else {
                            s.getOutputStream().write((name + "\n").getBytes(StandardCharsets.US_ASCII));
                            s.getInputStream().read(); // until the client closes
                        }
                    } catch (final IOException ignored) {
                        // a probe that connects and closes, or a client gone: nothing to serve
                    } finally {
                        live.decrementAndGet();
                        sockets.remove(s);
                    }
                }, "tck-health-conn");
                t.setDaemon(true);
                t.start();
            }
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (final Socket s : sockets) {
                try {
                    s.close();
                } catch (final SocketException ignored) {
                    // closing
                }
            }
            try {
                acceptor.join(10_000);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
