package io.jlvs.transport.epoll;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine with each relay path ({@link SpliceMode}) and a small pipe: a client that half-closes after its
 * request still gets the whole answer and then a FIN (the second FIN is carried by close, not shutdown), small
 * messages and a bulk stream on one connection arrive byte for byte, and the settings are parsed with errors that
 * name the property.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class EpollRelayPathTest {
    private static final InetAddress LO = InetAddress.getLoopbackAddress();

    private static byte[] random(final long seed, final int n) {
        final byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] readAll(final InputStream in) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toByteArray();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, LO)) {
            return s.getLocalPort();
        }
    }

    private static LoadBalancer director(final SpliceMode mode, final int vport, final int backendPort)
        throws IOException {
        return LoadBalancer.builder().eventLoops(1).transport(new EpollTransport(32, mode, 16 * 1024))
            .service(VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", vport)).build(),
                RealServerConfig.builder("127.0.0.1", backendPort).build())
            .build().start();
    }

    @ParameterizedTest
    @EnumSource(SpliceMode.class)
    void aHalfClosedClientGetsTheWholeAnswerThenAFin(final SpliceMode mode) throws Exception {
        final byte[] request = random(1, 300_000);
        final byte[] answer = random(2, 700_000);
        final ExecutorService pool = Executors.newCachedThreadPool();
        try (ServerSocket backend = new ServerSocket(0, 8, LO)) {
            final CompletableFuture<byte[]> got = CompletableFuture.supplyAsync(() -> {
                try (Socket s = backend.accept()) {
                    final byte[] r = readAll(s.getInputStream()); // to the client's FIN
                    s.getOutputStream().write(answer);
                    return r; // closing: the server's FIN
                } catch (final IOException e) {
                    throw new IllegalStateException(e);
                }
            }, pool);
            final int vport = freePort();
            try (LoadBalancer lb = director(mode, vport, backend.getLocalPort());
                 Socket c = new Socket(LO, vport)) {
                c.getOutputStream().write(request);
                c.shutdownOutput();
                // a reset instead of the FIN after the answer would make this throw
                assertArrayEquals(answer, readAll(c.getInputStream()), mode + ": the answer, then end of stream");
                assertArrayEquals(request, got.get(60, TimeUnit.SECONDS), mode + ": the request, then end of stream");
                lb.close(Duration.ofSeconds(5));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest
    @EnumSource(SpliceMode.class)
    void smallMessagesAndABulkStreamOnOneConnectionArriveUnchanged(final SpliceMode mode) throws Exception {
        final ExecutorService pool = Executors.newCachedThreadPool();
        try (ServerSocket backend = new ServerSocket(0, 8, LO)) {
            pool.execute(() -> {
                try (Socket s = backend.accept()) {
                    s.getInputStream().transferTo(s.getOutputStream()); // echo to end of stream
                } catch (final IOException ignored) {
                    // the test's client reports what went wrong
                }
            });
            final int vport = freePort();
            try (LoadBalancer lb = director(mode, vport, backend.getLocalPort());
                 Socket c = new Socket(LO, vport)) {
                c.setTcpNoDelay(true);
                final byte[] bulk = random(3, 2_000_000);
                for (int i = 0; i < 10; i++) {
                    final byte[] m = random(10 + i, 50 + i * 37);
                    c.getOutputStream().write(m);
                    assertArrayEquals(m, c.getInputStream().readNBytes(m.length), mode + ": message " + i);
                }
                final CompletableFuture<byte[]> echoed = CompletableFuture.supplyAsync(() -> {
                    try {
                        return c.getInputStream().readNBytes(bulk.length);
                    } catch (final IOException e) {
                        throw new IllegalStateException(e);
                    }
                }, pool);
                c.getOutputStream().write(bulk);
                assertArrayEquals(bulk, echoed.get(60, TimeUnit.SECONDS), mode + ": the bulk stream");
                final byte[] last = random(99, 77);
                c.getOutputStream().write(last);
                assertArrayEquals(last, c.getInputStream().readNBytes(last.length), mode + ": after the stream");
                c.shutdownOutput();
                assertEquals(-1, c.getInputStream().read(), mode + ": end of stream");
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (lb.liveConnections() > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(5); // polling interval of a condition wait
                }
                assertEquals(0, lb.liveConnections(), mode + ": the connection ended on the director");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void settingsAreParsedAndBadOnesNamed() {
        assertEquals(SpliceMode.AUTO, EpollTransport.spliceFromProperty(null));
        assertEquals(SpliceMode.AUTO, EpollTransport.spliceFromProperty(" Auto "));
        assertEquals(SpliceMode.ALWAYS, EpollTransport.spliceFromProperty("always"));
        assertEquals(SpliceMode.NEVER, EpollTransport.spliceFromProperty("never"));
        assertEquals("-Djlvs.epoll.splice=sometimes: expected auto, always or never",
            assertThrows(IllegalArgumentException.class, () -> EpollTransport.spliceFromProperty("sometimes"))
                .getMessage());
        assertEquals(EpollTransport.DEFAULT_PIPE_BYTES, EpollTransport.pipeBytesFromProperty(""));
        assertEquals(1 << 20, EpollTransport.pipeBytesFromProperty(" 1048576 "));
        assertEquals("-Djlvs.epoll.pipeBytes=4095: expected a number of bytes from 4096 to 67108864",
            assertThrows(IllegalArgumentException.class, () -> EpollTransport.pipeBytesFromProperty("4095"))
                .getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EpollTransport.pipeBytesFromProperty("big"))
            .getMessage().startsWith("-Djlvs.epoll.pipeBytes=big: "));
        assertThrows(IllegalArgumentException.class, () -> new EpollTransport(32, null, 65536));
        assertThrows(IllegalArgumentException.class, () -> new EpollTransport(32, SpliceMode.AUTO, 1 << 30));
        final EpollTransport t = new EpollTransport(8, SpliceMode.NEVER, 131072);
        assertEquals(SpliceMode.NEVER, t.splice());
        assertEquals(131072, t.pipeBytes());
        assertEquals("copy", t.splice().path());
        assertEquals("splice-auto", SpliceMode.AUTO.path());
    }
}
