package io.jlvs.transport.nio;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.listing.ConnectionSnapshot;
import io.jlvs.core.listing.ListFormat;
import io.jlvs.core.service.RealServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TcpEngineTest {
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

    private static RealServerConfig server(final int port, final int weight) {
        return RealServerConfig.builder("127.0.0.1", port).weight(weight).build();
    }

    private LoadBalancer start(final VirtualServiceConfig svc, final RealServerConfig... servers) throws IOException {
        final LoadBalancer lb = LoadBalancer.builder().eventLoops(2).connectTimeout(Duration.ofSeconds(3))
            .drainTimeout(Duration.ofSeconds(5)).transport(new NioTransport()).service(svc, servers).build();
        closeables.add(() -> lb.close(Duration.ZERO));
        return lb.start();
    }

    /** A real-server port that refuses connections for the whole test (bound, never listening). */
    private int deadPort() throws IOException {
        final Socket s = Backend.deadTcp();
        closeables.add(s);
        return s.getLocalPort();
    }

    private static Socket client(final int port) throws IOException {
        final Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.setSoTimeout(20_000);
        return s;
    }

    private static String line(final InputStream in) throws IOException {
        final StringBuilder sb = new StringBuilder();
        for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
            sb.append((char) c);
        }
        return sb.toString();
    }

    static void waitFor(final String what, final BooleanSupplier condition) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    private static byte[] readAll(final InputStream in) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final byte[] buf = new byte[8192];
        for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    @Test
    void shouldRelayBytesUnchangedBothWaysForEverySize() throws Exception {
        final Backend echo = backend("echo", Backend::echo);
        final int vport = Backend.freePort();
        start(VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", vport)).scheduler("rr").build(),
            server(echo.port(), 1));
        final Random r = new Random(42);
        for (final int size : new int[] {0, 1, 1000, 65_536, 65_537, 1 << 20, 64 << 20}) {
            try (Socket s = client(vport)) {
                final OutputStream out = s.getOutputStream();
                final InputStream in = s.getInputStream();
                final MessageDigest sent = MessageDigest.getInstance("SHA-256");
                final CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
                    try {
                        final MessageDigest d = MessageDigest.getInstance("SHA-256");
                        final byte[] buf = new byte[1 + new Random(size).nextInt(100_000)];
                        long total = 0;
                        for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                            d.update(buf, 0, n);
                            total += n;
                        }
                        assertEquals(size, total);
                        return d.digest();
                    } catch (final Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                final byte[] chunk = new byte[200_000];
                long left = size;
                while (left > 0) {
                    final int n = (int) Math.min(left, 1 + r.nextInt(chunk.length));
                    r.nextBytes(chunk);
                    out.write(chunk, 0, n);
                    sent.update(chunk, 0, n);
                    left -= n;
                }
                s.shutdownOutput(); // half-close: the echo finishes and closes its side
                assertArrayEquals(sent.digest(), received.get(60, TimeUnit.SECONDS), "size " + size);
            }
        }
    }

    @Test
    void shouldHoldFiveHundredConcurrentConnections() throws Exception {
        final Backend a = backend("a", Backend::named);
        final Backend b = backend("b", Backend::named);
        final int vport = Backend.freePort();
        final LoadBalancer lb = start(VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", vport))
            .scheduler("rr").build(), server(a.port(), 1), server(b.port(), 1));
        final List<Socket> sockets = new ArrayList<>();
        final Map<String, Integer> spread = new HashMap<>();
        try {
            for (int i = 0; i < 500; i++) {
                sockets.add(client(vport));
            }
            for (int i = 0; i < 500; i++) {
                final Socket s = sockets.get(i);
                spread.merge(line(s.getInputStream()), 1, Integer::sum);
                s.getOutputStream().write(("hello " + i + "\n").getBytes(StandardCharsets.US_ASCII));
            }
            for (int i = 0; i < 500; i++) {
                assertEquals("hello " + i, line(sockets.get(i).getInputStream()));
            }
            assertEquals(500, lb.liveConnections());
            assertEquals(250, spread.get("a"));
            assertEquals(250, spread.get("b"));
            final RealServer ra = lb.services().service(ServiceKey.tcp("127.0.0.1", vport)).servers().get(1);
            assertEquals(250, ra.activeConns());
        } finally {
            for (final Socket s : sockets) {
                s.close();
            }
        }
        waitFor("all closed", () -> lb.liveConnections() == 0);
    }

    @Test
    void shouldCarryHalfCloseFromTheServerSide() throws Exception {
        final Backend b = backend("b", (s, self) -> {
            final OutputStream out = s.getOutputStream();
            out.write("bye\n".getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput(); // server done sending, still reading
            final String got = line(s.getInputStream());
            if (!got.equals("after")) {
                throw new IOException("got " + got);
            }
            s.getInputStream().read();
        });
        final int vport = Backend.freePort();
        final LoadBalancer lb = start(VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", vport)).build(),
            server(b.port(), 1));
        try (Socket s = client(vport)) {
            final InputStream in = s.getInputStream();
            assertEquals("bye", line(in));
            assertEquals(-1, in.read()); // FIN carried to the client
            s.getOutputStream().write("after\n".getBytes(StandardCharsets.US_ASCII)); // client may still send
            s.shutdownOutput();
            waitFor("closed", () -> lb.liveConnections() == 0);
        }
        final List<ConnectionSnapshot> rows = lb.connections();
        assertEquals(1, rows.size());
        assertEquals("TIME_WAIT", rows.get(0).state()); // FIN_WAIT, then the client's FIN
    }

    @Test
    void shouldCarryResetsBothWays() throws Exception {
        final Backend resetter = backend("r", (s, self) -> {
            s.getInputStream().read();
            s.setSoLinger(true, 0);
            s.close(); // RST
        });
        final int vport = Backend.freePort();
        final LoadBalancer lb = start(VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", vport)).build(),
            server(resetter.port(), 1));
        try (Socket s = client(vport)) {
            s.getOutputStream().write(1);
            assertThrows(SocketException.class, () -> {
                s.getInputStream().read();
                s.getInputStream().read();
            });
        }
        waitFor("closed", () -> lb.liveConnections() == 0);
        assertEquals(1L, lb.counters().get("resets"));

        final CompletableFuture<String> seen = new CompletableFuture<>();
        final Backend reader = backend("reader", (s, self) -> {
            try {
                final int n = s.getInputStream().read();
                seen.complete(n < 0 ? "eof" : "data");
            } catch (final IOException e) {
                seen.complete("reset");
            }
        });
        final int vport2 = Backend.freePort();
        final LoadBalancer lb2 = start(VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", vport2)).build(),
            server(reader.port(), 1));
        final Socket c = client(vport2);
        waitFor("backend connection", () -> reader.accepted.get() == 1);
        // both sides are registered once the director handled the connect's completion (ESTABLISHED)
        waitFor("established", () -> lb2.connections().stream().anyMatch(r -> r.state().equals("ESTABLISHED")));
        c.setSoLinger(true, 0);
        c.close();
        assertEquals("reset", seen.get(20, TimeUnit.SECONDS));
    }

    @Test
    void shouldKeepMemoryBoundedForASlowReader() throws Exception {
        final Backend firehose = backend("f", (s, self) -> {
            final byte[] block = new byte[1 << 16];
            final OutputStream out = s.getOutputStream();
            for (int i = 0; i < 1600; i++) { // 100 MiB if the client would read it
                out.write(block);
            }
        });
        final int vport = Backend.freePort();
        final LoadBalancer lb = start(VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", vport)).build(),
            server(firehose.port(), 1));
        final NioEngine engine = (NioEngine) io.jlvs.core.internal.DirectorAccess.engine(lb);
        try (Socket s = client(vport)) {
            s.getInputStream().read(); // read one byte, then stop reading
            // stalled: the loop holds the one buffer the client's full socket did not take (checked on the loop's
            // own thread, between events, so a buffer in use within one event is never seen)
            waitFor("the relay to stall", () -> {
                try {
                    return engine.buffersInFlight() == 1;
                } catch (final IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertTrue(engine.buffersInFlight() <= 1, "buffers in flight: " + engine.buffersInFlight());
            final long relayed = lb.services().service(ServiceKey.tcp("127.0.0.1", vport)).stats().snapshot()
                .outBytes();
            assertTrue(relayed < 100L << 20, "relayed " + relayed);
        }
    }

    @Test
    void shouldRetryOnAnotherServerWhenTheSchedulerKeepsPickingTheFailedOne() throws Exception {
        final Backend alive = backend("alive", Backend::named);
        final int dead = deadPort();
        final int vport = Backend.freePort();
        // fo always answers with the heaviest server, the dead one
        final LoadBalancer lb = start(VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", vport)).scheduler("fo")
            .build(), server(alive.port(), 1), server(dead, 2));
        for (int i = 0; i < 3; i++) {
            try (Socket s = client(vport)) {
                assertEquals("alive", line(s.getInputStream()));
            }
        }
        assertEquals(3L, lb.counters().get("connect_failures"));
        assertEquals(3L, lb.counters().get("redispatches"));
    }

    @Test
    void shouldRetryAFailedConnectOnAnotherServer() throws Exception {
        final Backend alive = backend("alive", Backend::named);
        final int dead = deadPort();
        final int vport = Backend.freePort();
        final LoadBalancer lb = start(VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", vport)).build(),
            server(alive.port(), 1), server(dead, 1)); // dead is newest: wlc tries it first
        try (Socket s = client(vport)) {
            assertEquals("alive", line(s.getInputStream()));
        }
        assertEquals(1L, lb.counters().get("connect_failures"));
        assertEquals(1L, lb.counters().get("redispatches"));
        final var servers = lb.services().service(ServiceKey.tcp("127.0.0.1", vport)).servers();
        assertEquals(1, servers.get(0).stats().snapshot().conns());
        assertEquals(1, servers.get(1).stats().snapshot().conns());
    }

    @Test
    void shouldSendTheSorryFileWhenEveryServerIsDown(@org.junit.jupiter.api.io.TempDir final Path dir)
        throws Exception {
        final Path sorry = dir.resolve("sorry.txt");
        final byte[] body = new byte[300_000];
        new Random(7).nextBytes(body);
        Files.write(sorry, body);
        final int vport = Backend.freePort();
        final LoadBalancer lb = start(VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", vport))
            .option("sorry-file", sorry.toString()).build(), server(deadPort(), 1),
            server(deadPort(), 1));
        try (Socket s = client(vport)) {
            assertArrayEquals(body, readAll(s.getInputStream()));
        }
        assertEquals(1L, lb.counters().get("sorry_file"));
        assertEquals(2L, lb.counters().get("connect_failures"));
    }

    @Test
    void shouldUseTheSorryServerWithNoAvailableServer() throws Exception {
        final Backend sorry = backend("sorry", Backend::named);
        final int vport = Backend.freePort();
        start(VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", vport))
            .option("sorry-server", "127.0.0.1:" + sorry.port()).build(), server(deadPort(), 0));
        try (Socket s = client(vport)) {
            assertEquals("sorry", line(s.getInputStream()));
        }
    }

    @Test
    void shouldCloseAtOnceWithNoServerAndNoSorry() throws Exception {
        final int vport = Backend.freePort();
        final LoadBalancer lb = start(VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", vport)).build());
        // the director resets the connection at once; the reset can reach the client as early as its connect
        try (Socket s = client(vport)) {
            assertEquals(-1, s.getInputStream().read());
        } catch (final SocketException e) {
            assertTrue(e.getMessage().contains("reset"), e.getMessage());
        }
        waitFor("no_destination counted", () -> lb.counters().get("no_destination") == 1L);
    }

    private static byte[] firstBytes(final CompletableFuture<byte[]> f) throws Exception {
        return f.get(20, TimeUnit.SECONDS);
    }

    private Backend capture(final CompletableFuture<byte[]> got, final int n) throws IOException {
        return backend("cap", (s, self) -> got.complete(s.getInputStream().readNBytes(n)));
    }

    /** Captures everything up to and including the given end marker. */
    private Backend captureUntil(final CompletableFuture<byte[]> got, final String end) throws IOException {
        return backend("cap", (s, self) -> {
            final ByteArrayOutputStream b = new ByteArrayOutputStream();
            final InputStream in = s.getInputStream();
            while (!b.toString(StandardCharsets.ISO_8859_1).endsWith(end)) {
                final int c = in.read();
                if (c < 0) {
                    break;
                }
                b.write(c);
            }
            got.complete(b.toByteArray());
        });
    }

    @Test
    void shouldSendProxyProtocolV1AndV2Headers() throws Exception {
        for (final String version : new String[] {"v1", "v2"}) {
            final CompletableFuture<byte[]> got = new CompletableFuture<>();
            final Backend b = captureUntil(got, "abc");
            final int vport = Backend.freePort();
            start(VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", vport)).build(),
                RealServerConfig.builder("127.0.0.1", b.port()).option("proxy-protocol", version).build());
            try (Socket s = client(vport)) {
                s.getOutputStream().write("abc".getBytes(StandardCharsets.US_ASCII));
                final int cport = s.getLocalPort();
                final byte[] h = firstBytes(got);
                if (version.equals("v1")) {
                    final String expected = "PROXY TCP4 127.0.0.1 127.0.0.1 " + cport + " " + vport + "\r\nabc";
                    assertEquals(expected, new String(h, StandardCharsets.US_ASCII));
                } else {
                    final byte[] expected = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,
                        0x21, 0x11, 0x00, 0x0C, 127, 0, 0, 1, 127, 0, 0, 1, (byte) (cport >> 8), (byte) cport,
                        (byte) (vport >> 8), (byte) vport, 'a', 'b', 'c'};
                    assertArrayEquals(expected, h);
                }
            }
        }
    }

    @Test
    void shouldAcceptProxyHeadersFromTrustedNetworksAndPassTheClientOn() throws Exception {
        final CompletableFuture<byte[]> got = new CompletableFuture<>();
        final Backend b = capture(got, 28 + 2);
        final int vport = Backend.freePort();
        final LoadBalancer lb = start(VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", vport))
            .option("accept-proxy", "127.0.0.0/8").option("proxy-protocol", "v2").build(), server(b.port(), 1));
        try (Socket s = client(vport)) {
            // the header arrives in two pieces, with payload right behind it
            final OutputStream out = s.getOutputStream();
            final byte[] first = "PROXY TCP4 198.51.100.7 ".getBytes(StandardCharsets.US_ASCII);
            out.write(first);
            out.flush();
            final NioEngine engine = (NioEngine) io.jlvs.core.internal.DirectorAccess.engine(lb);
            waitFor("the first piece read", () -> {
                try {
                    return engine.headerBytesPending() == first.length;
                } catch (final IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            out.write(("203.0.113.9 40000 " + vport + "\r\nhi").getBytes(StandardCharsets.US_ASCII));
            final byte[] h = firstBytes(got);
            final byte[] expected = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21, 0x11,
                0x00, 0x0C, (byte) 198, 51, 100, 7, 127, 0, 0, 1, (byte) (40000 >> 8), (byte) 40000,
                (byte) (vport >> 8), (byte) vport, 'h', 'i'};
            assertArrayEquals(expected, h);
        }
        // the flow is tracked under the client the header named
        assertTrue(lb.connections().stream().anyMatch(c -> c.clientAddress().getHostAddress().equals("198.51.100.7")));
    }

    @Test
    void shouldRejectMalformedProxyHeaders() throws Exception {
        final Backend b = backend("b", Backend::named);
        final int vport = Backend.freePort();
        final LoadBalancer lb = start(VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", vport))
            .option("accept-proxy", "127.0.0.1").build(), server(b.port(), 1));
        for (final String bad : new String[] {"GET / HTTP/1.0\r\n\r\n", "PROXY TCP4 1.2.3.4 5.6.7.8 99999 80\r\n",
            "PROXY TCP4 1.2.3 5.6.7.8 1 80\r\n", "PROXY TCP4 1.2.3.4 5.6.7.8 1 80\n"}) {
            try (Socket s = client(vport)) {
                s.getOutputStream().write(bad.getBytes(StandardCharsets.US_ASCII));
                try {
                    assertEquals(-1, s.getInputStream().read(), bad);
                } catch (final SocketException e) {
                    assertTrue(e.getMessage().contains("reset"), e.getMessage());
                }
            }
        }
        waitFor("errors counted", () -> lb.counters().get("proxy_header_errors") == 4L);
        assertEquals(0, b.accepted.get());
    }

    @Test
    void shouldKeepLiveConnectionsAndTakeNoNewOnesAtWeightZero() throws Exception {
        final Backend a = backend("a", Backend::named);
        final Backend b = backend("b", Backend::named);
        final int vport = Backend.freePort();
        final ServiceKey key = ServiceKey.tcp("127.0.0.1", vport);
        final LoadBalancer lb = start(VirtualServiceConfig.builder(key).scheduler("rr").build(),
            server(a.port(), 1), server(b.port(), 1));
        try (Socket first = client(vport)) {
            assertEquals("b", line(first.getInputStream())); // rr starts with the newest
            lb.weight(key, "127.0.0.1", b.port(), 0);
            for (int i = 0; i < 5; i++) {
                try (Socket s = client(vport)) {
                    assertEquals("a", line(s.getInputStream()));
                }
            }
            first.getOutputStream().write("still\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("still", line(first.getInputStream()));
        }
    }

    @Test
    void shouldDrainOnClose() throws Exception {
        final Backend a = backend("a", Backend::named);
        final int vport = Backend.freePort();
        final LoadBalancer lb = LoadBalancer.builder().eventLoops(1).transport(new NioTransport())
            .service(VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", vport)).build(), server(a.port(), 1))
            .build().start();
        final Socket live = client(vport);
        assertEquals("a", line(live.getInputStream()));
        final CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> lb.close(Duration.ofSeconds(30)));
        waitFor("listener closed", () -> {
            try {
                new Socket(InetAddress.getLoopbackAddress(), vport).close();
                return false;
            } catch (final IOException e) {
                return true;
            }
        });
        live.getOutputStream().write("during drain\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals("during drain", line(live.getInputStream()));
        assertFalse(closing.isDone());
        live.close();
        closing.get(20, TimeUnit.SECONDS);
        assertEquals(0, lb.liveConnections());
    }

    @Test
    void shouldCountAndListWhatHappened() throws Exception {
        final Backend a = backend("a", Backend::echo);
        final Backend b = backend("b", Backend::echo);
        final int vport = Backend.freePort();
        final ServiceKey key = ServiceKey.tcp("127.0.0.1", vport);
        final LoadBalancer lb = start(VirtualServiceConfig.builder(key).scheduler("rr").build(),
            server(a.port(), 2), server(b.port(), 3));
        for (int i = 0; i < 4; i++) {
            try (Socket s = client(vport)) {
                s.getOutputStream().write(new byte[100]);
                s.shutdownOutput();
                assertEquals(100, readAll(s.getInputStream()).length);
            }
        }
        final Socket open = client(vport);
        open.getOutputStream().write(new byte[10]);
        open.getInputStream().readNBytes(10);
        waitFor("four closed", () -> lb.liveConnections() == 1);
        final String listing = lb.list(ListFormat.DEFAULT);
        final String[] lines = listing.split("\n");
        assertEquals(String.format("TCP  127.0.0.1:%d rr", vport), lines[3]);
        // rr picked b, a, b, a, then b; four closed entries linger in TIME_WAIT (inactive), one is ESTABLISHED
        final String rowA = String.format("  -> %-28s %-7s %-6d %-10d %-10d", "127.0.0.1:" + a.port(), "Masq", 2, 0,
            2);
        final String rowB = String.format("  -> %-28s %-7s %-6d %-10d %-10d", "127.0.0.1:" + b.port(), "Masq", 3, 1,
            2);
        assertTrue(listing.contains(rowA + "\n"), listing);
        assertTrue(listing.contains(rowB + "\n"), listing);
        final String stats = lb.list(ListFormat.STATS);
        assertTrue(stats.contains(String.format("%-33s%9d%9d%9d%9d%9d", "TCP  127.0.0.1:" + vport, 5, 5, 5, 410,
            410)), stats);
        open.close();
    }
}
