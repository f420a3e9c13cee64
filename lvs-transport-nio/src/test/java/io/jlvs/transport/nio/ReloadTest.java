package io.jlvs.transport.nio;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.ReloadResult;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.rules.RulesException;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.VirtualService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A reload that adds, removes and changes services and servers while streaming TCP connections run through the
 * director: every byte of every live connection arrives, removed services stop accepting, new ones start, and the
 * counters of what stayed continue.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReloadTest {
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private Backend backend(final String name) throws IOException {
        final Backend b = new Backend(name, Backend::named);
        closeables.add(b);
        return b;
    }

    private static void waitFor(final String what, final BooleanSupplier condition) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    private static String line(final InputStream in) throws IOException {
        final StringBuilder sb = new StringBuilder();
        for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
            sb.append((char) c);
        }
        return sb.toString();
    }

    /** A client that streams seeded random bytes through an echoing backend and digests both directions. */
    private final class Stream {
        final Socket socket;
        final String backend;
        final MessageDigest sentDigest;
        final MessageDigest receivedDigest;
        final AtomicLong sent = new AtomicLong();
        final AtomicLong received = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Object progress = new Object();
        final Thread writer;
        final Thread reader;
        volatile boolean stop;

        Stream(final int port, final long seed) throws IOException, NoSuchAlgorithmException {
            socket = new Socket();
            closeables.add(socket);
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
            socket.setSoTimeout(30_000);
            backend = line(socket.getInputStream());
            sentDigest = MessageDigest.getInstance("SHA-256");
            receivedDigest = MessageDigest.getInstance("SHA-256");
            writer = new Thread(() -> {
                final Random r = new Random(seed);
                final byte[] chunk = new byte[8192];
                try {
                    final OutputStream out = socket.getOutputStream();
                    while (!stop) {
                        r.nextBytes(chunk);
                        final int n = 1 + r.nextInt(chunk.length);
                        out.write(chunk, 0, n);
                        sentDigest.update(chunk, 0, n);
                        sent.addAndGet(n);
                        // at most 256 KiB in flight: the stream stays paced by the echo, and a stop is seen soon
                        synchronized (progress) {
                            while (!stop && sent.get() - received.get() > 256 * 1024) {
                                progress.wait(100);
                            }
                        }
                    }
                    socket.shutdownOutput();
                } catch (final IOException e) {
                    failure.compareAndSet(null, e);
                } catch (final InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failure.compareAndSet(null, e);
                }
            }, "reload-writer-" + seed);
            reader = new Thread(() -> {
                final byte[] buf = new byte[16384];
                try {
                    final InputStream in = socket.getInputStream();
                    for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                        receivedDigest.update(buf, 0, n);
                        received.addAndGet(n);
                        synchronized (progress) {
                            progress.notifyAll();
                        }
                    }
                } catch (final IOException e) {
                    failure.compareAndSet(null, e);
                }
            }, "reload-reader-" + seed);
            writer.setDaemon(true);
            reader.setDaemon(true);
            writer.start();
            reader.start();
        }

        /** Stops writing, waits for the echo of everything and checks it byte for byte. */
        void finish() throws InterruptedException {
            stop = true;
            synchronized (progress) {
                progress.notifyAll();
            }
            writer.join(30_000);
            reader.join(30_000);
            assertNull(failure.get(), () -> "stream to " + backend + " failed: " + failure.get());
            assertEquals(sent.get(), received.get(), "bytes through " + backend);
            assertArrayEquals(sentDigest.digest(), receivedDigest.digest(), "content through " + backend);
        }
    }

    @Test
    void shouldCarryLiveConnectionsThroughAReloadThatAddsRemovesAndChanges() throws Exception {
        final Backend a1 = backend("a1");
        final Backend a2 = backend("a2");
        final Backend a3 = backend("a3");
        final Backend m1 = backend("m1");
        final Backend n1 = backend("n1");
        final int web = Backend.freePort();
        final int mail = Backend.freePort();
        final int api = Backend.freePort();
        final String before = "-A -t 127.0.0.1:" + web + " -s rr\n"
            + "-a -t 127.0.0.1:" + web + " -r 127.0.0.1:" + a1.port() + " -m -w 1\n"
            + "-a -t 127.0.0.1:" + web + " -r 127.0.0.1:" + a2.port() + " -m -w 1\n"
            + "-A -t 127.0.0.1:" + mail + " -s rr\n"
            + "-a -t 127.0.0.1:" + mail + " -r 127.0.0.1:" + m1.port() + " -m\n";
        // web: a1 removed, a2 drained (weight 0), a3 added, scheduler rr -> wlc, an option added;
        // mail removed; api added
        final String after = "-A -t 127.0.0.1:" + web + " -s wlc --max-conns 1000\n"
            + "-a -t 127.0.0.1:" + web + " -r 127.0.0.1:" + a2.port() + " -m -w 0\n"
            + "-a -t 127.0.0.1:" + web + " -r 127.0.0.1:" + a3.port() + " -m -w 1\n"
            + "-A -t 127.0.0.1:" + api + " -s rr\n"
            + "-a -t 127.0.0.1:" + api + " -r 127.0.0.1:" + n1.port() + " -m\n"
            + "--set 900 60 300\n";
        final LoadBalancer lb = LoadBalancer.builder().eventLoops(2).connectTimeout(Duration.ofSeconds(5))
            .drainTimeout(Duration.ofSeconds(5)).transport(new NioTransport()).rules(before).build();
        closeables.add(() -> lb.close(Duration.ZERO));
        lb.start();
        final ServiceKey webKey = ServiceKey.tcp("127.0.0.1", web);
        final VirtualService webService = lb.services().service(webKey);
        final RealServer a2Server = webService.members().get(webService.members().indexOf(
            InetAddress.getLoopbackAddress(), a2.port()));

        final List<Stream> streams = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            streams.add(new Stream(web, 100 + i));
        }
        for (int i = 0; i < 2; i++) {
            streams.add(new Stream(mail, 200 + i));
        }
        assertEquals(List.of("a2", "a1", "a2", "a1", "m1", "m1"), streams.stream().map(s -> s.backend).toList());
        for (final Stream s : streams) {
            waitFor("bytes flowing to " + s.backend, () -> s.received.get() > 64 * 1024);
        }
        final long webConns = webService.stats().conns();
        final long a2Conns = a2Server.stats().conns();
        assertEquals(4, webConns);

        // a bad file changes nothing, and names its line
        final RulesException bad = assertThrows(RulesException.class,
            () -> lb.reload(after.replace("-s wlc", "-s wlcc"), "bad.rules"));
        assertTrue(bad.getMessage().startsWith("line 1: "), bad.getMessage());
        assertSame(webService, lb.services().service(webKey));

        final ReloadResult r = lb.reload(after, "after.rules");
        assertEquals("services +1 -1 ~1, servers +2 -2 ~1, timeouts changed", r.changes().summary());

        // the streams keep flowing after the reload, on removed, drained and removed-service paths alike
        final long[] mark = new long[streams.size()];
        for (int i = 0; i < streams.size(); i++) {
            mark[i] = streams.get(i).received.get();
        }
        for (int i = 0; i < streams.size(); i++) {
            final Stream s = streams.get(i);
            final long m = mark[i];
            waitFor("bytes still flowing to " + s.backend, () -> s.received.get() > m + 64 * 1024);
        }

        // mail stops accepting; api starts; new web connections go to a3 only
        waitFor("the removed service's listener closed", () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), mail), 2_000);
                return false;
            } catch (final IOException e) {
                return true;
            }
        });
        waitFor("the new service listening", () -> lb.listening().contains(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), api)));
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), api)) {
            s.setSoTimeout(20_000);
            assertEquals("n1", line(s.getInputStream()));
            s.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("ping", line(s.getInputStream()));
        }
        for (int i = 0; i < 3; i++) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), web)) {
                s.setSoTimeout(20_000);
                assertEquals("a3", line(s.getInputStream()));
            }
        }

        // counters of the service and server that stayed continue
        assertSame(webService, lb.services().service(webKey));
        assertEquals(webConns + 3, webService.stats().conns());
        assertEquals(a2Conns, a2Server.stats().conns());
        assertEquals(0, a2Server.weight());
        assertEquals("wlc", webService.scheduler().name());

        for (final Stream s : streams) {
            s.finish();
        }
        waitFor("every connection closed", () -> lb.liveConnections() == 0);
    }
}
