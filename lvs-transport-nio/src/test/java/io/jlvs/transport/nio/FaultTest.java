package io.jlvs.transport.nio;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.LvsException;
import io.jlvs.core.session.ProxyProtocol;
import io.jlvs.core.transport.Health;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.jlvs.transport.nio.TcpEngineTest.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Faults from clients, real servers and the environment: the director keeps serving what it can, byte-exact. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FaultTest {
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private Backend backend(final String name, final Backend.Handler h) throws IOException {
        final Backend b = new Backend(name, h);
        closeables.add(b);
        return b;
    }

    private LoadBalancer start(final LoadBalancer.Builder b) throws IOException {
        final LoadBalancer lb = b.transport(new NioTransport()).drainTimeout(Duration.ofSeconds(5)).build();
        closeables.add(() -> lb.close(Duration.ZERO));
        return lb.start();
    }

    private Socket client(final int port) throws IOException {
        final Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.setSoTimeout(20_000);
        closeables.add(s);
        return s;
    }

    static String line(final InputStream in) throws IOException {
        final StringBuilder sb = new StringBuilder();
        for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
            sb.append((char) c);
        }
        return sb.toString();
    }

    /** Reads until the peer closes; true if it ended (EOF or reset) without sending anything. */
    static boolean endsWithoutData(final Socket s) throws IOException {
        try {
            return s.getInputStream().read() == -1;
        } catch (final SocketException e) {
            return true;
        }
    }

    @Test
    void shouldKeepALiveConnectionWhenATrustedProxyHeaderRepeatsItsClient() throws Exception {
        final Backend echo = backend("echo", Backend::echo);
        final int vport = Backend.freePort();
        final LoadBalancer lb = start(LoadBalancer.builder().eventLoops(1).service(VirtualServiceConfig
            .builder(ServiceKey.tcp("127.0.0.1", vport)).option("accept-proxy", "127.0.0.0/8").build(),
            RealServerConfig.builder("127.0.0.1", echo.port()).build()));
        final Socket live = client(vport);
        final OutputStream out = live.getOutputStream();
        out.write(("PROXY TCP4 198.51.100.7 203.0.113.9 40000 " + vport + "\r\nfirst\n")
            .getBytes(StandardCharsets.US_ASCII));
        assertEquals("first", line(live.getInputStream()));
        for (int i = 0; i < 20; i++) {
            final Socket dup = client(vport);
            dup.getOutputStream().write(("PROXY TCP4 198.51.100.7 203.0.113." + (10 + i) + " 40000 " + vport
                + "\r\nsecond\n").getBytes(StandardCharsets.US_ASCII));
            assertEquals(true, endsWithoutData(dup), "the duplicate is refused");
            out.write(("still " + i + "\n").getBytes(StandardCharsets.US_ASCII));
            assertEquals("still " + i, line(live.getInputStream()));
        }
        assertEquals(20L, lb.counters().get("duplicate_connections"));
        waitFor("only the live one left", () -> lb.liveConnections() == 1);
        assertEquals(1, echo.accepted.get());
    }

    private static VirtualServiceConfig tcp(final int port) {
        return VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", port)).scheduler("rr").build();
    }

    private static RealServerConfig server(final int port) {
        return RealServerConfig.builder("127.0.0.1", port).build();
    }

    /** Sends a line through the director and expects the named backend's greeting and the echo back. */
    private void served(final int vport, final String name, final String text) throws IOException {
        final Socket s = client(vport);
        assertEquals(name, line(s.getInputStream()));
        s.getOutputStream().write((text + "\n").getBytes(StandardCharsets.US_ASCII));
        assertEquals(text, line(s.getInputStream()));
        s.close();
    }

    @Test
    void shouldRefuseASecondDirectorOnTheSameAddressUnlessSharingOnPurpose() throws Exception {
        final Backend a = backend("a", Backend::named);
        final int vport = Backend.freePort();
        start(LoadBalancer.builder().eventLoops(2).service(tcp(vport), server(a.port())));
        final LoadBalancer second = LoadBalancer.builder().eventLoops(2).transport(new NioTransport())
            .service(tcp(vport), server(a.port())).build();
        final IOException e = assertThrows(IOException.class, second::start);
        assertTrue(e.getMessage().contains("127.0.0.1:" + vport), e.getMessage());
        assertTrue(e.getMessage().contains("another listener holds"), e.getMessage());
        assertTrue(e.getMessage().contains("reusePortShare"), e.getMessage());
        assertTrue(second.listening().isEmpty());
        served(vport, "a", "first still serves");
        // a port held by something else entirely is refused the same way
        try (ServerSocket other = new ServerSocket()) {
            other.bind(new InetSocketAddress("127.0.0.1", 0));
            final LoadBalancer third = LoadBalancer.builder().eventLoops(1).transport(new NioTransport())
                .service(tcp(other.getLocalPort()), server(a.port())).build();
            assertTrue(assertThrows(IOException.class, third::start).getMessage().contains("another listener holds"));
        }
        // on purpose: both directors listen and serve
        final LoadBalancer sharing = start(LoadBalancer.builder().eventLoops(1).reusePortShare(true)
            .service(tcp(vport), server(a.port())));
        assertEquals(1, sharing.listening().size());
        served(vport, "a", "shared");
    }

    @Test
    void shouldRefuseAServiceAddedAtRuntimeOnAPortThatCannotBeBound() throws Exception {
        final Backend a = backend("a", Backend::named);
        final int vport = Backend.freePort();
        final LoadBalancer lb = start(LoadBalancer.builder().eventLoops(2).service(tcp(vport), server(a.port())));
        try (ServerSocket held = new ServerSocket()) {
            held.bind(new InetSocketAddress("127.0.0.1", 0));
            final int port = held.getLocalPort();
            final LvsException e = assertThrows(LvsException.class, () -> lb.addService(tcp(port)));
            assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
            assertTrue(e.getMessage().contains("another listener holds"), e.getMessage());
            assertEquals(1, lb.services().services().size());
            assertFalse(lb.list(io.jlvs.core.listing.ListFormat.DEFAULT).contains(":" + port), "not listed");
            assertEquals(1, lb.listening().size());
        }
        // an address this host does not have: the reason is the kernel's
        final LvsException e = assertThrows(LvsException.class,
            () -> lb.addService(VirtualServiceConfig.builder(ServiceKey.tcp("192.0.2.123", 80)).build()));
        assertTrue(e.getMessage().contains("192.0.2.123:80"), e.getMessage());
        assertEquals(1, lb.services().services().size());
        // the table still takes what can be bound
        final int free = Backend.freePort();
        lb.addService(tcp(free));
        lb.addServer(ServiceKey.tcp("127.0.0.1", free), server(a.port()));
        served(free, "a", "added");
        served(vport, "a", "old");
    }

    @Test
    void shouldLogConnectFailuresPerServerRateLimited() throws Exception {
        final int dead = Backend.freePort(); // bound and closed by the test: nothing listens
        final int vport = Backend.freePort();
        final PrintStream err = System.err;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        final LoadBalancer lb;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        final long started = System.nanoTime();
        try {
            lb = start(LoadBalancer.builder().eventLoops(1).connectRetries(0).service(tcp(vport), server(dead)));
            for (int i = 0; i < 30; i++) {
                final Socket s = client(vport);
                assertTrue(endsWithoutData(s));
                s.close();
            }
            waitFor("30 failures counted", () -> lb.counters().get("connect_failures") == 30L);
        } finally {
            System.setErr(err);
        }
        final String log = captured.toString(StandardCharsets.UTF_8);
        final long lines = log.lines().filter(l -> l.contains("connect to real server 127.0.0.1:" + dead)).count();
        // one line per server per 5 s interval, however slow this machine is
        final long allowed = 1 + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started) / 5;
        assertTrue(lines >= 1 && lines <= allowed, "at most " + allowed + " lines, got " + lines + ":\n" + log);
        assertTrue(log.contains("TCP 127.0.0.1:" + vport), log);
        assertTrue(log.contains("refused"), log);
    }

    /** A handler that throws an Error on its first readiness, registered beside real traffic on loop 0. */
    private static final class Throwing implements Handler {
        final Error error;
        final AtomicInteger failed = new AtomicInteger();

        Throwing(final Error error) {
            this.error = error;
        }

        @Override
        public void handle(final SelectionKey key) {
            throw error;
        }

        @Override
        public void fail(final Throwable cause) {
            failed.incrementAndGet();
            try {
                key(cause).channel().close();
            } catch (final IOException ignored) {
                // closing
            }
        }

        SelectionKey key;

        SelectionKey key(final Throwable cause) {
            return key;
        }
    }

    @Test
    void shouldContainAnErrorThrownByOneConnectionAndKeepTheLoopServing() throws Exception {
        final Backend a = backend("a", Backend::named);
        final int vport = Backend.freePort();
        final LoadBalancer lb = start(LoadBalancer.builder().eventLoops(1).service(tcp(vport), server(a.port())));
        final NioEngine engine = (NioEngine) io.jlvs.core.internal.DirectorAccess.engine(lb);
        final EventLoop loop = engine.loops[0];
        final Socket live = client(vport);
        assertEquals("a", line(live.getInputStream()));
        final Error[] errors = {new OutOfMemoryError("Cannot reserve 524288 bytes of direct buffer memory (test)"),
            new StackOverflowError("test"), new AssertionError("test")};
        for (final Error error : errors) {
            final Throwing h = new Throwing(error);
            try (ServerSocket peer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                final SocketChannel ch = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                    peer.getLocalPort()));
                ch.configureBlocking(false);
                loop.submit(() -> {
                    try {
                        h.key = ch.register(loop.selector, SelectionKey.OP_WRITE, h);
                        return h.key;
                    } catch (final IOException e) {
                        throw new IllegalStateException(e);
                    }
                }).get(10, TimeUnit.SECONDS);
                waitFor("the handler failed and was closed", () -> h.failed.get() == 1);
            }
            // a command that throws is contained too
            loop.execute(() -> {
                throw error;
            });
            served(vport, "a", "after " + error.getClass().getSimpleName());
            live.getOutputStream().write("live\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("live", line(live.getInputStream()));
        }
        waitFor("six errors counted", () -> lb.counters().get("handler_errors") == 6L);
        assertEquals(0L, lb.counters().get("loop_restarts"));
        assertEquals(Health.OK, lb.health());
    }

    @Test
    void shouldRestartAFailingDutyCycleAndReportALoopThatKeepsFailingAsDead() throws Exception {
        final Backend a = backend("a", Backend::named);
        final int vport = Backend.freePort();
        final LoadBalancer lb = start(LoadBalancer.builder().eventLoops(2).service(tcp(vport), server(a.port())));
        final NioEngine engine = (NioEngine) io.jlvs.core.internal.DirectorAccess.engine(lb);
        final EventLoop loop = engine.loops[0];
        // a few failures: the cycle restarts, the loop goes on
        final AtomicInteger left = new AtomicInteger(3);
        loop.execute(() -> loop.dutyHook = () -> {
            if (left.getAndDecrement() > 0) {
                throw new IllegalStateException("transient (test)");
            }
        });
        waitFor("three restarts", () -> lb.counters().get("loop_restarts") == 3L);
        assertEquals(Health.OK, lb.health());
        loop.submit(() -> loop.dutyHook = null).get(10, TimeUnit.SECONDS);
        // failing for good: the loop gives up, closes its listener and is reported
        loop.execute(() -> loop.dutyHook = () -> {
            throw new OutOfMemoryError("for good (test)");
        });
        waitFor("the loop died", () -> !lb.health().healthy());
        final Health h = lb.health();
        assertEquals(1, h.problems().size(), h.toString());
        assertTrue(h.problems().get(0).startsWith("jlvs-loop-0 died: java.lang.OutOfMemoryError: for good (test)"),
            h.toString());
        waitFor("the loop thread ended", () -> !loop.alive());
        // the other loop serves every new client (the dead loop's listener is closed, so the kernel skips it)
        for (int i = 0; i < 20; i++) {
            served(vport, "a", "client " + i);
        }
    }

    /** Runs a main class of the test class path in a child JVM and returns its output once it exits. */
    static String child(final List<String> jvmArgs, final Class<?> main, final int expectedExit) throws Exception {
        final List<String> cmd = new ArrayList<>();
        cmd.add(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        cmd.add(main.getName());
        final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        final java.util.concurrent.CompletableFuture<String> out = java.util.concurrent.CompletableFuture.supplyAsync(
            () -> {
                try {
                    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (final IOException e) {
                    return "output lost: " + e;
                }
            });
        if (!p.waitFor(110, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("child JVM did not finish: " + out.getNow("(no output)"));
        }
        final String text = out.get(10, TimeUnit.SECONDS);
        assertEquals(expectedExit, p.exitValue(), text);
        return text;
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void shouldServeNewClientsByteExactWhileSlowReadersPinBuffersUnderASmallDirectMemoryLimit() throws Exception {
        final String out = child(List.of("-XX:MaxDirectMemorySize=64m", "-Xmx256m"), SlowReadersMain.class, 0);
        assertTrue(out.contains("OK budget=" + (32 << 20) + " "), out);
        assertFalse(out.contains("Cannot reserve"), out);
        assertFalse(out.contains("ERROR"), out);
    }

    /** Sends {@code n} bytes of a pattern that a reader can check position by position. */
    static void pattern(final Socket s, final int n) throws IOException {
        final OutputStream out = s.getOutputStream();
        final byte[] chunk = new byte[32 * 1024];
        for (int sent = 0; sent < n; sent += chunk.length) {
            for (int j = 0; j < chunk.length; j++) {
                chunk[j] = (byte) ((sent + j) * 31 >>> 3);
            }
            out.write(chunk, 0, Math.min(chunk.length, n - sent));
        }
        s.shutdownOutput();
        while (s.getInputStream().read() >= 0) {
            // until the client goes
        }
    }

    @Test
    void shouldMakeConnectionsWaitForABufferWhenTheBudgetIsSpentAndLoseNothing() throws Exception {
        final int size = 2 << 20;
        final Backend flood = backend("flood", (s, b) -> pattern(s, size));
        final int vport = Backend.freePort();
        final LoadBalancer.Builder b = LoadBalancer.builder().eventLoops(1).bufferSize(128 * 1024)
            .relayBufferBudget(512 * 1024);
        b.options().receiveBufferSize(1 << 20).sendBufferSize(64 * 1024);
        final LoadBalancer lb = start(b.service(tcp(vport), server(flood.port())));
        final NioEngine engine = (NioEngine) io.jlvs.core.internal.DirectorAccess.engine(lb);
        final List<Socket> clients = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            final Socket s = new Socket();
            s.setReceiveBufferSize(8 * 1024);
            s.setSoTimeout(20_000);
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), vport));
            closeables.add(s);
            clients.add(s);
        }
        // at most 2 large buffers (half the budget), then small ones are pinned; the other connections wait, open
        try {
            waitFor("the budget spent", () -> lb.counters().get("buffer_waits") >= 8);
        } catch (final AssertionError e) {
            throw new AssertionError(e.getMessage() + ": " + lb.counters() + " in flight " + engine.buffersInFlight(),
                e);
        }
        assertTrue(lb.counters().get("relay_reserved_bytes") <= 512 * 1024, lb.counters().toString());
        assertTrue(engine.buffersInFlight() <= 32, "in flight: " + engine.buffersInFlight());
        assertEquals(40, lb.liveConnections());
        final List<java.util.concurrent.CompletableFuture<Integer>> reads = new ArrayList<>();
        // one reader thread per client: the common pool has one thread on 2 cores, and a reader that waits for a
        // buffer held by a connection nobody reads yet would wait for ever
        final java.util.concurrent.ExecutorService readers =
            java.util.concurrent.Executors.newFixedThreadPool(clients.size());
        closeables.add(readers::shutdownNow);
        for (final Socket s : clients) {
            reads.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    final InputStream in = s.getInputStream();
                    final byte[] buf = new byte[10_000];
                    int pos = 0;
                    for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                        for (int j = 0; j < n; j++, pos++) {
                            if (buf[j] != (byte) (pos * 31 >>> 3)) {
                                return -pos;
                            }
                        }
                    }
                    return pos;
                } catch (final IOException e) {
                    throw new IllegalStateException(e);
                }
            }, readers));
        }
        for (final java.util.concurrent.CompletableFuture<Integer> r : reads) {
            assertEquals(size, r.get(60, TimeUnit.SECONDS));
        }
        assertEquals(0L, lb.counters().get("handler_errors"));
        assertEquals(0L, lb.counters().get("resets"));
    }

    /** Echoes a payload of {@code n} random bytes through the director and checks every byte. */
    private static void echoed(final int vport, final int n, final long seed) throws Exception {
        final byte[] payload = new byte[n];
        new Random(seed).nextBytes(payload);
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), vport)) {
            s.setSoTimeout(20_000);
            echoedOn(s, payload);
        }
    }

    private static void echoedOn(final Socket s, final byte[] payload) throws Exception {
        final InputStream in = s.getInputStream();
        final java.util.concurrent.CompletableFuture<byte[]> back = java.util.concurrent.CompletableFuture
            .supplyAsync(() -> {
                try {
                    return in.readAllBytes();
                } catch (final IOException e) {
                    throw new IllegalStateException(e);
                }
            });
        s.getOutputStream().write(payload);
        s.shutdownOutput();
        org.junit.jupiter.api.Assertions.assertArrayEquals(payload, back.get(30, TimeUnit.SECONDS));
    }

    @Test
    void shouldResetTheClientOfABackendKilledMidStreamAndServeTheNextOne() throws Exception {
        final java.util.concurrent.CountDownLatch kill = new java.util.concurrent.CountDownLatch(1);
        final Backend dying = backend("dying", (s, b) -> {
            s.getOutputStream().write(new byte[100_000]);
            s.getOutputStream().flush();
            try {
                kill.await(20, TimeUnit.SECONDS);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            s.setSoLinger(true, 0);
            s.close(); // an RST in the middle of the stream, as a killed process's kernel sends
        });
        final Backend echo = backend("echo", Backend::echo);
        final int vport = Backend.freePort();
        final ServiceKey key = ServiceKey.tcp("127.0.0.1", vport);
        final LoadBalancer lb = start(LoadBalancer.builder().eventLoops(1).service(tcp(vport), server(dying.port())));
        final Socket c = client(vport);
        final byte[] first = c.getInputStream().readNBytes(100_000);
        assertEquals(100_000, first.length);
        kill.countDown();
        assertTrue(endsWithoutData(c), "the client sees the end (reset) of the stream");
        waitFor("the session closed", () -> lb.liveConnections() == 0);
        assertEquals(1L, lb.counters().get("resets"));
        lb.addServer(key, server(echo.port()));
        lb.deleteServer(key, InetAddress.getByName("127.0.0.1"), dying.port());
        echoed(vport, 300_000, 1);
        assertEquals(Health.OK, lb.health());
    }

    @Test
    void shouldNotLetABackendThatNeverAnswersHoldAnythingButItsOwnConnections() throws Exception {
        final java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
        final Backend mute = backend("mute", (s, b) -> {
            try {
                never.await(60, TimeUnit.SECONDS); // accepts, never reads nor writes
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        closeables.add(never::countDown);
        final Backend echo = backend("echo", Backend::echo);
        final int muteVip = Backend.freePort();
        final int echoVip = Backend.freePort();
        final LoadBalancer lb = start(LoadBalancer.builder().eventLoops(1).service(tcp(muteVip), server(mute.port()))
            .service(tcp(echoVip), server(echo.port())));
        final List<Socket> stuck = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            final Socket s = client(muteVip);
            s.getOutputStream().write(new byte[200_000]); // fills the mute backend's receive queue
            stuck.add(s);
        }
        waitFor("ten connected", () -> mute.accepted.get() == 10);
        for (int i = 0; i < 5; i++) {
            echoed(echoVip, 500_000, i);
        }
        for (final Socket s : stuck) {
            s.setSoLinger(true, 0);
            s.close();
        }
        waitFor("the client resets closed their sessions", () -> lb.liveConnections() == 0);
        assertEquals(0L, lb.counters().get("handler_errors"));
    }

    @Test
    void shouldRedispatchPastAServerThatResetsOnConnectAndOneWhereNothingListens() throws Exception {
        final Backend rst = backend("rst", (s, b) -> {
            s.setSoLinger(true, 0);
            s.close();
        });
        final int nothing = Backend.freePort(); // bound and closed by the test
        final Backend echo = backend("echo", Backend::echo);
        final int vport = Backend.freePort();
        // fo (weighted failover) would pick the heaviest first: the dead port, then the echo server
        final LoadBalancer lb = start(LoadBalancer.builder().eventLoops(1).connectRetries(2).service(
            VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", vport)).scheduler("fo").build(),
            RealServerConfig.builder("127.0.0.1", nothing).weight(3).build(),
            RealServerConfig.builder("127.0.0.1", echo.port()).weight(2).build()));
        for (int i = 0; i < 5; i++) {
            echoed(vport, 100_000, i);
        }
        assertEquals(5L, lb.counters().get("connect_failures"));
        assertEquals(5L, lb.counters().get("redispatches"));
        // an RST right after the handshake (seen by the connect or by the first read): that client is reset, the
        // director goes on
        final int rstVip = Backend.freePort();
        lb.addService(tcp(rstVip));
        lb.addServer(ServiceKey.tcp("127.0.0.1", rstVip), server(rst.port()));
        for (int i = 0; i < 5; i++) {
            final Socket s = client(rstVip);
            try {
                s.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
            } catch (final SocketException e) {
                continue; // reset already
            }
            assertTrue(endsWithoutData(s));
        }
        waitFor("all closed", () -> lb.liveConnections() == 0);
        echoed(vport, 100_000, 9);
        assertEquals(Health.OK, lb.health());
    }

    private static byte[] v2(final int famProto, final int len, final byte[] body) {
        final java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(16 + body.length);
        b.put(ProxyProtocol.signature()).put((byte) 0x21).put((byte) famProto).putShort((short) len).put(body);
        return b.array();
    }

    @Test
    void shouldSurviveAStormOfMalformedProxyHeadersBesideAGoodClient() throws Exception {
        final Backend echo = backend("echo", Backend::echo);
        final int vport = Backend.freePort();
        final LoadBalancer.Builder b = LoadBalancer.builder().eventLoops(2).service(VirtualServiceConfig.builder(
            ServiceKey.tcp("127.0.0.1", vport)).option("accept-proxy", "127.0.0.0/8").build(),
            server(echo.port()));
        b.options().proxyHeaderTimeout(Duration.ofMillis(500));
        final LoadBalancer lb = start(b);
        final byte[] wrongSig = ProxyProtocol.signature();
        wrongSig[11] = 0x0B;
        final byte[] addr4 = {(byte) 198, 51, 100, 7, (byte) 203, 0, 113, 9, 0x1F, (byte) 0x90, 0, 80};
        final byte[][] errors = {
            ("PROXY " + "x".repeat(200)).getBytes(StandardCharsets.US_ASCII), // oversized v1
            wrongSig, // wrong v2 signature
            v2(0x11, 0xFFFF, addr4), // a length past the largest header
            v2(0x11, 4, new byte[4]), // a length too short for the family's addresses
            "PROXY TCP4 1.2.3.4 5.6.7.8 1 80\n".getBytes(StandardCharsets.US_ASCII), // no CR
            "GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII), // no header at all
            v2(0x51, 12, addr4), // unknown family
        };
        final byte[][] stalls = {
            "PROXY TCP4 198.51.100.7 ".getBytes(StandardCharsets.US_ASCII), // truncated v1, then silence
            v2(0x11, 1000, addr4), // a length that promises more than is sent
        };
        final int rounds = 10;
        final java.util.concurrent.ExecutorService storm = java.util.concurrent.Executors.newFixedThreadPool(4);
        closeables.add(storm::shutdownNow);
        final List<java.util.concurrent.Future<Boolean>> bad = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            for (final byte[] h : errors) {
                bad.add(storm.submit(() -> {
                    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), vport)) {
                        s.setSoTimeout(20_000);
                        s.getOutputStream().write(h);
                        return endsWithoutData(s);
                    }
                }));
            }
            for (final byte[] h : stalls) {
                bad.add(storm.submit(() -> {
                    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), vport)) {
                        s.setSoTimeout(20_000);
                        s.getOutputStream().write(h);
                        return endsWithoutData(s);
                    }
                }));
            }
            // a truncated header and a close: the director just closes too
            bad.add(storm.submit(() -> {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), vport)) {
                    s.getOutputStream().write("PROXY TCP4 1.2".getBytes(StandardCharsets.US_ASCII));
                }
                return true;
            }));
        }
        // meanwhile a good client is served byte-exact, payload right behind its header
        final byte[] payload = new byte[1 << 20];
        new Random(5).nextBytes(payload);
        for (int i = 0; i < 3; i++) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), vport)) {
                s.setSoTimeout(20_000);
                s.getOutputStream().write(("PROXY TCP4 198.51.100.7 203.0.113.9 " + (40000 + i) + " " + vport
                    + "\r\n").getBytes(StandardCharsets.US_ASCII));
                echoedOn(s, payload);
            }
        }
        for (final java.util.concurrent.Future<Boolean> f : bad) {
            assertTrue(f.get(30, TimeUnit.SECONDS), "every bad header is answered by a close and no data");
        }
        waitFor("every bad one counted", () -> lb.counters().get("proxy_header_errors") == errors.length * rounds
            && lb.counters().get("proxy_header_timeouts") == stalls.length * rounds);
        waitFor("all closed", () -> lb.liveConnections() == 0);
        assertEquals(3, echo.accepted.get(), "only the good clients reached the server");
        assertEquals(Health.OK, lb.health());
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void shouldPauseAndRecoverWhenTheDirectorRunsOutOfFileDescriptors() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(new java.io.File("/bin/sh").canExecute(), "needs /bin/sh");
        final Backend echo = backend("echo", Backend::echo);
        final int limit = 160;
        final String javaBin = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        final Process p = new ProcessBuilder("/bin/sh", "-c", "ulimit -n " + limit + " && exec \"$0\" -Xmx64m -cp \"$1\" "
            + EmfileMain.class.getName() + " " + echo.port(), javaBin, cp).redirectErrorStream(true).start();
        closeables.add(p::destroyForcibly);
        final java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
            StandardCharsets.UTF_8));
        final java.io.PrintWriter in = new java.io.PrintWriter(p.getOutputStream(), true, StandardCharsets.US_ASCII);
        final String ready = readUntil(out, "READY ");
        final String[] f = ready.split(" ");
        final int vport = Integer.parseInt(f[1]);
        final int base = Integer.parseInt(f[2]);
        assertTrue(base > 0 && base < limit - 20, ready);
        // each proxied connection costs the director two descriptors: this is well past what it has left
        final int n = (limit - base) / 2 + 30;
        final List<Socket> held = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            held.add(client(vport));
        }
        in.println("counters");
        String counters = readUntil(out, "COUNTERS ");
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!counters.contains("accept_pauses=") || counters.contains("accept_pauses=0,")
            && counters.contains("handler_errors=0,")) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("the director never ran out of descriptors: " + counters);
            }
            in.println("counters");
            counters = readUntil(out, "COUNTERS ");
        }
        for (final Socket s : held) {
            s.close();
        }
        // descriptors are back: a new client is served byte-exact, the director is alive and healthy
        echoed(vport, 200_000, 3);
        in.println("counters");
        counters = readUntil(out, "COUNTERS ");
        assertTrue(counters.contains("HEALTH Health[healthy=true"), counters);
        assertTrue(p.isAlive());
        in.close();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
    }

    private static String readUntil(final java.io.BufferedReader r, final String prefix) throws IOException {
        final StringBuilder seen = new StringBuilder();
        for (String line = r.readLine(); line != null; line = r.readLine()) {
            if (line.startsWith(prefix)) {
                return line;
            }
            seen.append(line).append('\n');
        }
        throw new AssertionError("the child ended before " + prefix + ": " + seen);
    }

    @Test
    void shouldReportADeadHealthThreadAndKeepRelaying() throws Exception {
        final Backend a = backend("a", Backend::named);
        final int vport = Backend.freePort();
        final LoadBalancer lb = start(LoadBalancer.builder().eventLoops(1).service(tcp(vport), server(a.port())));
        final NioEngine engine = (NioEngine) io.jlvs.core.internal.DirectorAccess.engine(lb);
        final HealthChecks health = engine.healthChecks();
        health.execute(() -> health.dutyHook = () -> {
            throw new StackOverflowError("for good (test)");
        });
        waitFor("the health thread died", () -> !lb.health().healthy());
        final Health h = lb.health();
        assertEquals(1, h.problems().size(), h.toString());
        assertTrue(h.problems().get(0).startsWith("jlvs-health died: java.lang.StackOverflowError: for good (test)"),
            h.toString());
        assertTrue(h.problems().get(0).contains("health checks have stopped"), h.toString());
        served(vport, "a", "still relaying");
    }
}
