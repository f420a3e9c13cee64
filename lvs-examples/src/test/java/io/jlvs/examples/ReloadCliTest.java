package io.jlvs.examples;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hot reload: SIGHUP to a {@code jlvs run} child process re-reads the rules and applies the difference while a
 * streaming connection keeps every byte; a bad file changes nothing and names its line; {@code -R} over the admin
 * socket does the same difference.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ReloadCliTest {
    private final WireSupport w = new WireSupport();

    @TempDir
    Path dir;

    @AfterEach
    void tearDown() throws Exception {
        w.close();
    }

    /** Streams random chunks through a connection and checks each comes back unchanged (the backend echoes). */
    private static final class Stream implements Runnable {
        final Socket s;
        final AtomicLong echoed = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        volatile boolean stop;
        final Thread thread = new Thread(this, "stream");

        Stream(final int port) throws IOException {
            s = new Socket(InetAddress.getLoopbackAddress(), port);
            s.setSoTimeout(20_000);
        }

        @Override
        public void run() {
            final Random r = new Random(42);
            try {
                final OutputStream o = s.getOutputStream();
                final InputStream in = s.getInputStream();
                final byte[] chunk = new byte[8192];
                final byte[] back = new byte[chunk.length];
                while (!stop) {
                    r.nextBytes(chunk);
                    o.write(chunk);
                    int got = 0;
                    while (got < chunk.length) {
                        final int n = in.read(back, got, chunk.length - got);
                        if (n < 0) {
                            throw new IOException("closed after " + (echoed.get() + got) + " bytes");
                        }
                        got += n;
                    }
                    if (!Arrays.equals(chunk, back)) {
                        throw new AssertionError("bytes changed after " + echoed.get());
                    }
                    echoed.addAndGet(chunk.length);
                }
            } catch (final Throwable t) {
                failure.set(t);
            }
        }

        /** Waits until at least {@code more} further bytes came back. */
        void awaitMore(final long more) throws InterruptedException {
            final long target = echoed.get() + more;
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (echoed.get() < target && failure.get() == null && System.nanoTime() < deadline) {
                Thread.sleep(5); // polling a condition with a deadline
            }
            assertNull(failure.get(), () -> "stream failed: " + failure.get());
            assertTrue(echoed.get() >= target, "stream stalled at " + echoed.get());
        }
    }

    private static void hup(final Process p) throws Exception {
        final Process k = new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).inheritIO().start();
        assertTrue(k.waitFor(30, TimeUnit.SECONDS) && k.exitValue() == 0, "kill -HUP");
    }

    private static void refused(final int port) {
        assertThrows(ConnectException.class, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
            }
        });
    }

    @Test
    void sighupAppliesTheDifferenceAndKeepsAStreamingConnection() throws Exception {
        final ServerSocket a = w.named("a");
        final ServerSocket b = w.named("b");
        final ServerSocket c = w.named("c");
        final int vip1 = WireSupport.freePort();
        final int vip2 = WireSupport.freePort();
        final int vip3 = WireSupport.freePort();
        final String s1 = "127.0.0.1:" + vip1;
        final Path rules = dir.resolve("rules.conf");
        Files.writeString(rules, "-A -t " + s1 + " -s rr\n-a -t " + s1 + " -r 127.0.0.1:" + a.getLocalPort()
            + " -m -w 1\n-A -t 127.0.0.1:" + vip2 + " -s rr\n-a -t 127.0.0.1:" + vip2 + " -r 127.0.0.1:"
            + b.getLocalPort() + " -m\n");
        try (ChildJvm child = ChildJvm.start(dir, 0, "run", "--rules", rules.toString(), "--no-jmx")) {
            assertTrue(child.awaitOutput(o -> o.contains("listening on TCP 127.0.0.1:" + vip2), 60), child.err());
            assertEquals("b", WireSupport.nameAt(vip2));
            final Stream stream = new Stream(vip1);
            assertEquals("a", WireSupport.line(stream.s.getInputStream()));
            stream.thread.start();
            stream.awaitMore(64 * 1024);

            // change S1 (scheduler, weight; add server c), remove S2, add S3
            Files.writeString(rules, "-A -t " + s1 + " -s wlc\n-a -t " + s1 + " -r 127.0.0.1:" + a.getLocalPort()
                + " -m -w 5\n-a -t " + s1 + " -r 127.0.0.1:" + c.getLocalPort() + " -m -w 1\n-A -t 127.0.0.1:" + vip3
                + " -s rr\n-a -t 127.0.0.1:" + vip3 + " -r 127.0.0.1:" + c.getLocalPort() + " -m\n");
            hup(child.process);
            assertTrue(child.awaitOutput(o -> o.contains("reloaded " + rules + ": "), 60), child.err());
            final String reloaded = child.err();
            assertTrue(reloaded.contains("services +1 -1 ~1"), reloaded);
            assertTrue(reloaded.contains("  + TCP 127.0.0.1:" + vip3), reloaded);
            assertTrue(reloaded.contains("  - TCP 127.0.0.1:" + vip2), reloaded);
            assertEquals("c", WireSupport.nameAt(vip3));
            refused(vip2);
            stream.awaitMore(64 * 1024);
            assertTrue(child.process.isAlive(), "SIGHUP is not a stop");

            // a bad file changes nothing and names its line
            Files.writeString(rules, "-A -t " + s1 + " -s rr\n-A -t 127.0.0.1:" + vip2 + " -s nosuch\n");
            hup(child.process);
            assertTrue(child.awaitOutput(o -> o.contains("refused; nothing changed"), 60), child.err());
            assertTrue(child.err().contains(rules + ": line 2: "), child.err());
            assertEquals("c", WireSupport.nameAt(vip3));
            refused(vip2);
            stream.awaitMore(64 * 1024);
            assertTrue(child.process.isAlive());

            stream.stop = true;
            stream.thread.join(30_000);
            assertNull(stream.failure.get());
            stream.s.close();
            assertTrue(child.out().contains("listening on TCP " + s1), child.out());
        }
    }

    @Test
    void restoreOverTheAdminSocketAppliesTheDifference() throws Exception {
        final ServerSocket a = w.named("a");
        final ServerSocket b = w.named("b");
        final int vip1 = WireSupport.freePort();
        final int vip2 = WireSupport.freePort();
        final Path rules = Files.writeString(dir.resolve("rules"), "-A -t 127.0.0.1:" + vip1 + " -s rr\n"
            + "-a -t 127.0.0.1:" + vip1 + " -r 127.0.0.1:" + a.getLocalPort() + " -m\n");
        final Director d = w.run("--rules", rules.toString(), "--no-jmx", "--admin", "127.0.0.1:0", "--admin-level",
            "admin");
        assertTrue(d != null, w.err());
        final InetSocketAddress admin = d.adminAddress();
        final String wanted = "-A -t 127.0.0.1:" + vip2 + " -s rr\n-a -t 127.0.0.1:" + vip2 + " -r 127.0.0.1:"
            + b.getLocalPort() + " -m\n";
        // framing with a line "." and a command after it
        final String answer = WireSupport.ask(admin, "-R", wanted.strip().split("\n")[0], wanted.strip()
            .split("\n")[1], ".", "-S -n");
        assertTrue(answer.startsWith("restored: services +1 -1"), answer);
        assertTrue(answer.contains("\n  + TCP 127.0.0.1:" + vip2 + "\n"), answer);
        assertTrue(answer.contains("\n  - TCP 127.0.0.1:" + vip1 + "\n"), answer);
        assertTrue(answer.contains("\n-A -t 127.0.0.1:" + vip2 + " -s rr"), answer);
        assertTrue(answer.contains("-a -t 127.0.0.1:" + vip2 + " -r 127.0.0.1:" + b.getLocalPort() + " -m"), answer);
        assertTrue(!answer.contains("-A -t 127.0.0.1:" + vip1), answer);
        assertEquals("b", WireSupport.nameAt(vip2));
        refused(vip1);

        // a bad line changes nothing and names its line (counted from the first line after -R); the end of input
        // ends the rules, as with nc -N
        final String bad = WireSupport.ask(admin, "-R", "-A -t 127.0.0.1:" + vip1 + " -s rr", "-a -t 127.0.0.1:"
            + vip1 + " -r 127.0.0.1:" + a.getLocalPort() + " -m -w many");
        assertTrue(bad.startsWith("error: -R line 2: "), bad);
        assertTrue(bad.endsWith("error: line 1: -R refused; nothing changed\n"), bad);
        assertEquals("b", WireSupport.nameAt(vip2));
        refused(vip1);

        // file options need --admin-files
        final Path sorry = Files.writeString(dir.resolve("sorry.html"), "sorry\n");
        final String file = WireSupport.ask(admin, "-R", "-A -t 127.0.0.1:" + vip2 + " -s rr --sorry-file " + sorry);
        assertTrue(file.contains("files are refused over the admin socket"), file);
        assertTrue(file.contains("nothing changed"), file);
        assertEquals("b", WireSupport.nameAt(vip2));
    }

    @Test
    void restoreNeedsTheAdminLevel() throws Exception {
        final int vip = WireSupport.freePort();
        final Path rules = Files.writeString(dir.resolve("rules"), "-A -t 127.0.0.1:" + vip + " -s rr\n");
        final Director d = w.run("--rules", rules.toString(), "--no-jmx", "--admin", "127.0.0.1:0", "--admin-level",
            "operator");
        assertTrue(d != null, w.err());
        final String answer = WireSupport.ask(d.adminAddress(), "-R", "-C", ".", "-L -n");
        assertTrue(answer.startsWith("error: line 1: permission denied: restore needs the admin level; this admin "
            + "socket is at operator\n"), answer);
        assertTrue(answer.contains("TCP  127.0.0.1:" + vip + " rr"), answer);
    }
}
