package io.jlvs.transport.epoll.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Byte-exact relay through {@link RelayConnection} on a real epoll loop ({@link TestDirector}): random data in
 * random chunks, half-close carried both ways in both orders, resets carried through, pipes and buffers held
 * only while bytes are in flight. Every case runs for splice and copy, edge- and level-triggered.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RelayTest {
    private static final int SMALL_PIPE = 4096;

    static Stream<Arguments> modes() {
        final List<Arguments> a = new ArrayList<>();
        for (final TestDirector.Path p : TestDirector.Path.values()) {
            for (final RelayConnection.Trigger t : RelayConnection.Trigger.values()) {
                a.add(Arguments.of(p, t));
            }
        }
        return a.stream();
    }

    /** Accepts on a loopback port and runs one handler per connection on its own thread. */
    private static final class Backend implements AutoCloseable {
        interface Handler {
            void handle(Socket s) throws Exception;
        }

        final ServerSocket server;
        final ExecutorService pool = Executors.newCachedThreadPool();
        final List<CompletableFuture<Void>> handled = new ArrayList<>();

        Backend(final Handler handler) throws IOException {
            server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
            pool.execute(() -> {
                while (!server.isClosed()) {
                    try {
                        final Socket s = server.accept();
                        final CompletableFuture<Void> f = new CompletableFuture<>();
                        synchronized (handled) {
                            handled.add(f);
                        }
                        pool.execute(() -> {
                            try (s) {
                                handler.handle(s);
                                f.complete(null);
                            } catch (final Throwable t) {
                                f.completeExceptionally(t);
                            }
                        });
                    } catch (final IOException closed) {
                        return;
                    }
                }
            });
        }

        int port() {
            return server.getLocalPort();
        }

        void awaitHandlers(final int n) throws Exception {
            waitFor(() -> {
                synchronized (handled) {
                    return handled.size() >= n;
                }
            }, "backend accepted " + n);
            final List<CompletableFuture<Void>> copy;
            synchronized (handled) {
                copy = new ArrayList<>(handled);
            }
            for (final CompletableFuture<Void> f : copy) {
                f.get(90, TimeUnit.SECONDS);
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            pool.shutdownNow();
        }
    }

    static void waitFor(final BooleanSupplier condition, final String what) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(5); // polling interval of a condition wait, not a timing assumption
        }
    }

    static byte[] random(final long seed, final int n) {
        final byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Writes in random chunk sizes, flushing each. */
    static void writeChunked(final OutputStream out, final byte[] data, final Random rnd) throws IOException {
        int off = 0;
        while (off < data.length) {
            final int len = Math.min(data.length - off, 1 + rnd.nextInt(rnd.nextBoolean() ? 64 : 40_000));
            out.write(data, off, len);
            out.flush();
            off += len;
        }
    }

    /** Reads to end of stream in random read sizes. */
    static byte[] readChunked(final InputStream in, final Random rnd) throws IOException {
        final java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        final byte[] buf = new byte[70_000];
        int n;
        while ((n = in.read(buf, 0, 1 + rnd.nextInt(buf.length))) >= 0) {
            all.write(buf, 0, n);
        }
        return all.toByteArray();
    }

    private static TestDirector.Finished awaitFinished(final TestDirector d) throws InterruptedException {
        waitFor(() -> !d.finished.isEmpty(), "a connection finished");
        return d.finished.poll();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("modes")
    void shouldRelayRandomDataBothWaysConcurrentlyByteForByte(final TestDirector.Path path,
                                                              final RelayConnection.Trigger trigger) throws Exception {
        final int conns = 4;
        final int upBytes = 1_500_000;
        final int downBytes = 2_000_000;
        try (Backend backend = new Backend(s -> {
            final int id = s.getInputStream().read();
            final CompletableFuture<byte[]> got = CompletableFuture.supplyAsync(() -> {
                try {
                    return readChunked(s.getInputStream(), new Random(id));
                } catch (final IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            writeChunked(s.getOutputStream(), random(1000 + id, downBytes), new Random(id + 7));
            s.shutdownOutput();
            assertArrayEquals(random(id, upBytes), got.get(60, TimeUnit.SECONDS), "up bytes of " + id);
        });
             TestDirector d = new TestDirector(backend.port(), path, trigger, SMALL_PIPE, 64 * 1024)) {
            final List<CompletableFuture<Void>> clients = new ArrayList<>();
            for (int c = 0; c < conns; c++) {
                final int id = c;
                clients.add(CompletableFuture.runAsync(() -> {
                    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), d.port())) {
                        s.getOutputStream().write(id);
                        final CompletableFuture<byte[]> got = CompletableFuture.supplyAsync(() -> {
                            try {
                                return readChunked(s.getInputStream(), new Random(id + 3));
                            } catch (final IOException e) {
                                throw new IllegalStateException(e);
                            }
                        });
                        writeChunked(s.getOutputStream(), random(id, upBytes), new Random(id + 5));
                        s.shutdownOutput();
                        assertArrayEquals(random(1000 + id, downBytes), got.get(60, TimeUnit.SECONDS),
                            "down bytes of " + id);
                    } catch (final Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            for (final CompletableFuture<Void> f : clients) {
                f.get(90, TimeUnit.SECONDS);
            }
            backend.awaitHandlers(conns);
            for (int c = 0; c < conns; c++) {
                final TestDirector.Finished f = awaitFinished(d);
                assertEquals(RelayConnection.CLOSED, f.status(), f.toString());
                assertEquals(1 + upBytes, f.upBytes());
                assertEquals(downBytes, f.downBytes());
                assertEquals(pathName(path), f.path());
                if (path == TestDirector.Path.AUTO) {
                    assertTrue(f.upSwitches() > 0 && f.downSwitches() > 0, "chunks of up to 40,000 bytes through a"
                        + " 4 KiB copy buffer switch both directions to splice: " + f);
                }
                if (trigger == RelayConnection.Trigger.EDGE) {
                    assertEquals(2, f.epollCtlCalls(), "edge-triggered: registered once, never modified");
                } else {
                    assertTrue(f.epollCtlCalls() > 2, "level-triggered: back-pressure changes the interest sets");
                }
            }
            waitFor(() -> d.pipesInUse == 0 && d.buffersInUse == 0 && d.open == 0, "pipes and buffers back");
            assertTrue(d.resumes > 0, "a 64 KiB budget per pump yielded and was resumed");
        }
    }

    private static String pathName(final TestDirector.Path path) {
        switch (path) {
            case SPLICE:
                return "splice";
            case COPY:
                return "copy";
            default:
                return "splice-auto";
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("modes")
    void shouldCarryTheClientsHalfCloseThenRelayTheAnswer(final TestDirector.Path path,
                                                          final RelayConnection.Trigger trigger) throws Exception {
        final byte[] request = random(1, 300_000);
        final byte[] answer = random(2, 500_000);
        try (Backend backend = new Backend(s -> {
            assertArrayEquals(request, readChunked(s.getInputStream(), new Random(3)), "request, then EOF");
            writeChunked(s.getOutputStream(), answer, new Random(4));
            s.shutdownOutput();
        });
             TestDirector d = new TestDirector(backend.port(), path, trigger, SMALL_PIPE, 1 << 20);
             Socket s = new Socket(InetAddress.getLoopbackAddress(), d.port())) {
            writeChunked(s.getOutputStream(), request, new Random(5));
            s.shutdownOutput();
            // a reset instead of the FIN would make this read throw
            assertArrayEquals(answer, readChunked(s.getInputStream(), new Random(6)), "answer after half-close");
            backend.awaitHandlers(1);
            final TestDirector.Finished f = awaitFinished(d);
            assertEquals(RelayConnection.CLOSED, f.status());
            assertEquals(request.length, f.upBytes());
            assertEquals(answer.length, f.downBytes());
            assertTrue(f.upShutDown(), "the client's FIN went to the server by shutdown(SHUT_WR): " + f);
            assertTrue(!f.downShutDown(), "the server's FIN went to the client by the close that followed: " + f);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("modes")
    void shouldCarryTheServersHalfCloseWhileTheClientKeepsSending(final TestDirector.Path path,
                                                                 final RelayConnection.Trigger trigger)
        throws Exception {
        final byte[] greeting = random(7, 200_000);
        final byte[] upload = random(8, 400_000);
        try (Backend backend = new Backend(s -> {
            writeChunked(s.getOutputStream(), greeting, new Random(9));
            s.shutdownOutput();
            assertArrayEquals(upload, readChunked(s.getInputStream(), new Random(10)), "upload after own FIN");
        });
             TestDirector d = new TestDirector(backend.port(), path, trigger, SMALL_PIPE, 1 << 20);
             Socket s = new Socket(InetAddress.getLoopbackAddress(), d.port())) {
            assertArrayEquals(greeting, readChunked(s.getInputStream(), new Random(11)), "greeting, then EOF");
            writeChunked(s.getOutputStream(), upload, new Random(12));
            s.shutdownOutput();
            backend.awaitHandlers(1); // the backend's assertion: the whole upload, then a FIN (not a reset)
            final TestDirector.Finished f = awaitFinished(d);
            assertEquals(RelayConnection.CLOSED, f.status());
            assertTrue(f.downShutDown() && !f.upShutDown(), "the server's FIN by shutdown, the client's by close: " + f);
            assertEquals(upload.length, f.upBytes());
            assertEquals(greeting.length, f.downBytes());
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("modes")
    void shouldCarryAClientResetToTheServer(final TestDirector.Path path, final RelayConnection.Trigger trigger)
        throws Exception {
        final CompletableFuture<Void> serverGotFirstBytes = new CompletableFuture<>();
        try (Backend backend = new Backend(s -> {
            final byte[] first = s.getInputStream().readNBytes(3);
            assertArrayEquals(new byte[] {1, 2, 3}, first);
            serverGotFirstBytes.complete(null);
            final SocketException reset = assertThrows(SocketException.class, () -> {
                final InputStream in = s.getInputStream();
                while (in.read() >= 0) {
                    // a FIN would end this loop and fail the assertion: a reset must arrive
                }
            });
            assertTrue(reset.getMessage().contains("reset"), reset.getMessage());
        });
             TestDirector d = new TestDirector(backend.port(), path, trigger, SMALL_PIPE, 1 << 20)) {
            final Socket s = new Socket(InetAddress.getLoopbackAddress(), d.port());
            s.getOutputStream().write(new byte[] {1, 2, 3});
            serverGotFirstBytes.get(30, TimeUnit.SECONDS);
            s.setSoLinger(true, 0);
            s.close(); // RST
            backend.awaitHandlers(1);
            final TestDirector.Finished f = awaitFinished(d);
            assertEquals(RelayConnection.RESET, f.status());
            assertEquals(Errno.ECONNRESET, f.errno());
            waitFor(() -> d.pipesInUse == 0 && d.buffersInUse == 0, "nothing held after a reset");
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("modes")
    void shouldSendThePrefixFirstEvenWhenTheServerSpeaksFirst(final TestDirector.Path path,
                                                             final RelayConnection.Trigger trigger)
        throws Exception {
        final byte[] header = "PROXY TCP4 192.0.2.1 198.51.100.2 5555 80\r\n".getBytes();
        final byte[] greeting = "220 ready\r\n".getBytes();
        final byte[] body = random(14, 250_000);
        final CompletableFuture<byte[]> headerSeen = new CompletableFuture<>();
        try (Backend backend = new Backend(s -> {
            // the server waits for the header before it greets: the relay must send it unprompted
            headerSeen.complete(s.getInputStream().readNBytes(header.length));
            s.getOutputStream().write(greeting);
            s.getOutputStream().flush();
            assertArrayEquals(body, readChunked(s.getInputStream(), new Random(15)));
            s.shutdownOutput();
        });
             TestDirector d = new TestDirector(backend.port(), path, trigger, SMALL_PIPE, 1 << 20, header);
             Socket s = new Socket(InetAddress.getLoopbackAddress(), d.port())) {
            assertArrayEquals(greeting, s.getInputStream().readNBytes(greeting.length));
            assertArrayEquals(header, headerSeen.get(30, TimeUnit.SECONDS));
            writeChunked(s.getOutputStream(), body, new Random(16));
            s.shutdownOutput();
            assertEquals(-1, s.getInputStream().read());
            backend.awaitHandlers(1);
            final TestDirector.Finished f = awaitFinished(d);
            assertEquals(RelayConnection.CLOSED, f.status());
            assertEquals(body.length, f.upBytes(), "relayed bytes, the prefix not counted");
            assertEquals(greeting.length, f.downBytes());
        }
    }

    @Test
    void anIdleConnectionHoldsNoPipe() throws Exception {
        final CompletableFuture<Void> release = new CompletableFuture<>();
        try (Backend backend = new Backend(s -> {
            final byte[] b = s.getInputStream().readNBytes(100_000);
            s.getOutputStream().write(b); // echo, then stay open and idle
            s.getOutputStream().flush();
            release.get(60, TimeUnit.SECONDS);
        });
             TestDirector d = new TestDirector(backend.port(), TestDirector.Path.SPLICE,
                 RelayConnection.Trigger.EDGE, PipePool.DEFAULT_PIPE_BYTES, 1 << 20);
             Socket s = new Socket(InetAddress.getLoopbackAddress(), d.port())) {
            final byte[] data = random(13, 100_000);
            s.getOutputStream().write(data);
            assertArrayEquals(data, s.getInputStream().readNBytes(data.length), "echo through the relay");
            waitFor(() -> d.pipesInUse == 0, "the pipes went back to the pool");
            assertEquals(1, d.open, "while the connection is still open");
            assertTrue(d.pipesCreated >= 1 && d.pipesCreated <= 2, "one pipe per moving direction at most");
            release.complete(null);
            backend.awaitHandlers(1);
            s.shutdownOutput();
            assertEquals(-1, s.getInputStream().read());
            final TestDirector.Finished f = awaitFinished(d);
            assertEquals(RelayConnection.CLOSED, f.status());
        }
    }

    @Test
    void aPipeWithBytesLeftIsClosedNotPooled() {
        try (Syscalls sys = new Syscalls(); PipePool pool = new PipePool(sys, 8192, 4)) {
            final Pipe p = pool.acquire();
            assertEquals(8192, p.capacity());
            final java.lang.foreign.MemorySegment one = sys.arena().allocate(1);
            assertEquals(1, sys.write(p.writeFd(), one, 0, 1));
            p.bytes = 1;
            final int rfd = p.readFd();
            pool.release(p);
            assertEquals(0, pool.idle(), "not pooled");
            assertEquals(-1, p.readFd(), "closed");
            assertEquals(-Errno.EBADF, sys.close(rfd), "its descriptors are gone");
            final Pipe q = pool.acquire();
            pool.release(q);
            assertEquals(1, pool.idle(), "an empty pipe is pooled");
            assertEquals(Arrays.asList(2L, 0), Arrays.asList(pool.created(), pool.inUse()));
            assertEquals(q, pool.acquire(), "and lent again");
        }
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.EnumSource(value = RelayConnection.Trigger.class)
    void spliceAutoSwitchesToSpliceForABulkTransferAndBackForSmallMessages(final RelayConnection.Trigger trigger)
        throws Exception {
        final byte[] bulk = random(21, 3_000_000);
        try (Backend backend = new Backend(s -> {
            final InputStream in = s.getInputStream();
            final OutputStream out = s.getOutputStream();
            final byte[] buf = new byte[65_536];
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n); // echo
                out.flush();
            }
            s.shutdownOutput();
        });
             TestDirector d = new TestDirector(backend.port(), TestDirector.Path.AUTO, trigger,
                 PipePool.DEFAULT_PIPE_BYTES, 1 << 20);
             Socket s = new Socket(InetAddress.getLoopbackAddress(), d.port())) {
            s.setTcpNoDelay(true);
            final InputStream in = s.getInputStream();
            final OutputStream out = s.getOutputStream();
            long relayed = 0;
            for (int round = 0; round < 2; round++) {
                // small messages (copy), then a bulk stream (splice), then small messages again (back to copy)
                for (int i = 0; i < 12; i++) {
                    final byte[] m = random(100L * round + i, 100 + i);
                    out.write(m);
                    out.flush();
                    assertArrayEquals(m, in.readNBytes(m.length), "small message " + i + " of round " + round);
                    relayed += m.length;
                }
                if (round == 0) {
                    final CompletableFuture<byte[]> echoed = CompletableFuture.supplyAsync(() -> {
                        try {
                            return in.readNBytes(bulk.length);
                        } catch (final IOException e) {
                            throw new IllegalStateException(e);
                        }
                    });
                    out.write(bulk);
                    out.flush();
                    assertArrayEquals(bulk, echoed.get(60, TimeUnit.SECONDS), "the bulk stream, echoed");
                    relayed += bulk.length;
                }
            }
            s.shutdownOutput();
            assertEquals(-1, in.read());
            backend.awaitHandlers(1);
            final TestDirector.Finished f = awaitFinished(d);
            assertEquals(RelayConnection.CLOSED, f.status());
            assertEquals("splice-auto", f.path());
            assertEquals(relayed, f.upBytes());
            assertEquals(relayed, f.downBytes());
            // to splice for the stream and back to copy for the small messages (an even count: it ends on copy)
            for (final int sw : new int[] {f.upSwitches(), f.downSwitches()}) {
                assertTrue(sw >= 2 && sw % 2 == 0, "switches: " + f);
            }
        }
    }

    /** The byte at position {@code i} of the back-pressure stream (checked without holding the stream). */
    private static byte streamByte(final long i) {
        return (byte) (i * 31 + (i >>> 9) + (i >>> 17));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("modes")
    void aServerThatDoesNotReadStopsTheClientWithOneBufferInFlight(final TestDirector.Path path,
                                                                    final RelayConnection.Trigger trigger)
        throws Exception {
        final long cap = 256L << 20; // far beyond what the kernel's socket buffers on the way can hold
        final CompletableFuture<Long> releaseAfter = new CompletableFuture<>();
        try (Backend backend = new Backend(s -> {
            final long expected = releaseAfter.get(60, TimeUnit.SECONDS);
            final InputStream in = s.getInputStream();
            final byte[] buf = new byte[65_536];
            long pos = 0;
            int n;
            while ((n = in.read(buf)) >= 0) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] != streamByte(pos + i)) {
                        throw new AssertionError("byte " + (pos + i) + " differs");
                    }
                }
                pos += n;
            }
            assertEquals(expected, pos, "every byte the client wrote, once");
        });
             TestDirector d = new TestDirector(backend.port(), path, trigger, PipePool.DEFAULT_PIPE_BYTES, 1 << 20);
             java.nio.channels.SocketChannel c = java.nio.channels.SocketChannel.open(d.address())) {
            c.configureBlocking(false);
            final java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(65_536);
            long written = 0;
            int stalls = 0;
            while (written < cap && stalls < 200) {
                b.clear();
                for (int i = 0; i < b.capacity(); i++) {
                    b.put(i, streamByte(written + i));
                }
                final int n = c.write(b);
                if (n > 0) {
                    written += n;
                    stalls = 0;
                } else {
                    stalls++;
                    Thread.sleep(5); // polling interval while the buffers on the way fill
                }
            }
            assertTrue(written < cap, "the client was stopped after " + written + " bytes");
            final long held = written;
            waitFor(() -> d.buffersInUse + d.pipesInUse <= 1, "one buffer or pipe in flight at most");
            assertTrue(d.buffersInUse + d.pipesInUse <= 1, "at most one buffer or pipe: " + d.buffersInUse + " "
                + d.pipesInUse);
            releaseAfter.complete(held);
            c.configureBlocking(true);
            c.shutdownOutput();
            backend.awaitHandlers(1);
            final TestDirector.Finished f = awaitFinished(d);
            assertEquals(RelayConnection.CLOSED, f.status());
            assertEquals(held, f.upBytes());
        }
    }
}
