package io.jlvs.examples;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sync through the CLI: two {@code jlvs run} child processes, a master and a backup ({@code --sync}), with a
 * persistent wlc service. Clients from distinct 127.x sources go through the master; the backup shows the synced
 * entries ({@code -L -n -c}) and its state ({@code -L --daemon}) on its admin socket and serves nobody; the master is
 * killed with SIGKILL; the backup takes over and every returning source reaches the real server it had.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SyncCliTest {
    private static final int CLIENTS = 10;
    private static final String VIP = "127.0.2.9";
    private final WireSupport w = new WireSupport();

    @TempDir
    Path dir;

    @AfterEach
    void tearDown() throws Exception {
        w.close();
    }

    private static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static InetAddress source(final int i) throws IOException {
        return InetAddress.getByName("127.0.5." + (10 + i));
    }

    private static String from(final InetAddress src, final int port) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(src, 0));
            s.connect(new InetSocketAddress(VIP, port), 10_000);
            s.setSoTimeout(10_000);
            return WireSupport.line(s.getInputStream());
        }
    }

    private static void await(final String what, final int seconds, final BooleanSupplier c)
        throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20); // polling a condition with a deadline
        }
    }

    private static String askQuietly(final InetSocketAddress admin, final String line) {
        try {
            return WireSupport.ask(admin, line);
        } catch (final IOException e) {
            return e.toString();
        }
    }

    @Test
    void backupTakesOverAfterSigkillAndKeepsEverySourceOnItsServer() throws Exception {
        final ServerSocket t1 = w.named("t1");
        final ServerSocket t2 = w.named("t2");
        final int tp = WireSupport.freePort();
        final Path rules = Files.writeString(dir.resolve("rules"), "-A -t " + VIP + ":" + tp + " -s wlc -p 300\n"
            + "-a -t " + VIP + ":" + tp + " -r 127.0.0.1:" + t1.getLocalPort() + " -m -w 1\n"
            + "-a -t " + VIP + ":" + tp + " -r 127.0.0.1:" + t2.getLocalPort() + " -m -w 1\n");
        final int syncPort = freeUdpPort();
        final int adminPort = WireSupport.freePort();
        final InetSocketAddress admin = new InetSocketAddress(InetAddress.getLoopbackAddress(), adminPort);
        try (ChildJvm master = ChildJvm.start(dir, 0, "run", "--rules", rules.toString(), "--no-jmx",
            "--event-loops", "1", "--sync", "master", "--sync-id", "7", "--sync-peers", "127.0.0.1:" + syncPort,
            "--sync-interval", "250")) {
            assertTrue(master.awaitOutput(o -> o.contains("sync master id 7 sending to"), 60), master.err());
            assertTrue(master.out().contains("listening on TCP " + VIP + ":" + tp), master.out());
            try (ChildJvm backup = ChildJvm.start(dir, 0, "run", "--rules", rules.toString(), "--no-jmx",
                "--event-loops", "1", "--sync", "backup", "--sync-id", "7", "--sync-listen", "127.0.0.1:" + syncPort,
                "--sync-dead-interval", "3", "--admin", "127.0.0.1:" + adminPort, "--admin-level", "admin")) {
                assertTrue(backup.awaitOutput(o -> o.contains("standing by (the services start on takeover)"), 60),
                    backup.out() + backup.err());
                assertFalse(backup.out().contains("listening on"), backup.out());
                final List<String> before = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++) {
                    before.add(from(source(i), tp));
                }
                assertTrue(before.contains("t1") && before.contains("t2"), "wlc spread the clients: " + before);

                // the backup shows every source's template and serves nobody
                await("templates on the backup", 60, () -> {
                    final String l = askQuietly(admin, "-L -n -c");
                    for (int i = 0; i < CLIENTS; i++) {
                        try {
                            if (!Pattern.compile("TCP +\\d\\d:\\d\\d +ASSURED +" + source(i).getHostAddress()
                                + ":0 +" + VIP + ":" + tp).matcher(l).find()) {
                                return false;
                            }
                        } catch (final IOException e) {
                            return false;
                        }
                    }
                    return true;
                });
                final String daemon = WireSupport.ask(admin, "-L --daemon");
                assertTrue(daemon.startsWith("backup sync daemon (mcast=off, listen="), daemon);
                assertTrue(daemon.contains("syncid=7") && daemon.contains("standing by"), daemon);
                // (the master listens on the same VIP:port on this host, so "serves nobody" is seen in its output)
                assertFalse(backup.out().contains("listening on"), backup.out());
                assertTrue(backup.process.isAlive());

                master.process.destroyForcibly(); // SIGKILL
                assertTrue(master.process.waitFor(30, TimeUnit.SECONDS));
                assertTrue(backup.awaitOutput(o -> o.contains("took over"), 30), backup.out() + backup.err());
                assertTrue(backup.awaitOutput(o -> o.contains("listening on TCP " + VIP + ":" + tp), 10),
                    backup.out());
                for (int i = CLIENTS - 1; i >= 0; i--) {
                    assertEquals(before.get(i), from(source(i), tp), "source " + source(i));
                }
                final String after = WireSupport.ask(admin, "-L --daemon");
                assertTrue(after.contains("took over: "), after);
                assertEquals("took over already\n", WireSupport.ask(admin, "takeover"));
            }
        }
    }

    @Test
    void takeoverCommandAndOptionChecks() throws Exception {
        final ServerSocket t1 = w.named("t1");
        final int tp = WireSupport.freePort();
        final Path rules = Files.writeString(dir.resolve("rules"), "-A -t " + VIP + ":" + tp + " -s wlc\n"
            + "-a -t " + VIP + ":" + tp + " -r 127.0.0.1:" + t1.getLocalPort() + " -m\n");
        final Director d = w.run("--rules", rules.toString(), "--no-jmx", "--sync", "backup", "--sync-listen",
            "127.0.0.1:" + freeUdpPort(), "--sync-dead-interval", "3600", "--admin", "127.0.0.1:0", "--admin-level",
            "admin");
        assertTrue(d != null, w.err());
        assertTrue(w.out().contains("standing by"), w.out());
        assertEquals(List.of(), d.loadBalancer().listening());
        assertEquals("took over\n", WireSupport.ask(d.adminAddress(), "takeover"));
        assertEquals("t1", from(source(0), tp), "served after the takeover command");
        assertTrue(w.out().contains("took over\nlistening on TCP " + VIP + ":" + tp), w.out());

        final Main.UsageException bad = assertThrows(Main.UsageException.class, () -> w.run("--rules",
            rules.toString(), "--sync", "master", "--sync-id", "300", "--sync-peers", "127.0.0.1:9"));
        assertTrue(bad.getMessage().contains("--sync-id 300: expected a number 0..255"), bad.getMessage());
        final Main.UsageException alone = assertThrows(Main.UsageException.class, () -> w.run("--rules",
            rules.toString(), "--sync-id", "3"));
        assertEquals("--sync-id needs --sync master|backup", alone.getMessage());
        final Director plain = w.run("--rules", Files.writeString(dir.resolve("r2"), "-A -t 127.0.0.1:"
            + WireSupport.freePort() + " -s rr\n").toString(), "--no-jmx", "--admin", "127.0.0.1:0",
            "--admin-level", "admin");
        assertTrue(WireSupport.ask(plain.adminAddress(), "takeover").startsWith("error: line 1: takeover: this "
            + "director is not a sync backup"));
        assertEquals("", WireSupport.ask(plain.adminAddress(), "-L --daemon"));
    }
}
