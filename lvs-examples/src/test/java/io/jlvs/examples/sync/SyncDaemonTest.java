package io.jlvs.examples.sync;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.net.Addresses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sync settings and options, and a master's bounded rounds feeding a backup in one JVM. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SyncDaemonTest {
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private static String error(final Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void badOptionsShouldNameTheOptionTheValueAndWhatWasExpected() {
        final SyncDaemon.Builder b = SyncDaemon.builder();
        assertEquals("--sync-id 300: expected a number 0..255", error(() -> b.option("--sync-id", "300")));
        assertEquals("--sync slave: expected master or backup", error(() -> b.option("--sync", "slave")));
        assertEquals("--sync-group 10.0.0.1:8848: group: 10.0.0.1 (expected a multicast address such as "
            + "224.0.0.81)", error(() -> b.option("--sync-group", "10.0.0.1:8848")));
        assertEquals("--sync-peers 127.0.0.1:1,nowhere: expected a numeric ADDR:PORT such as 127.0.0.1:8848",
            error(() -> b.option("--sync-peers", "127.0.0.1:1,nowhere")));
        assertEquals("--sync-interval 5000: expected a number 10..1000", error(() -> b.option("--sync-interval",
            "5000")));
        assertEquals("--sync-dead-interval soon: expected seconds 0.1..3600", error(() -> b.option(
            "--sync-dead-interval", "soon")));
        assertEquals("--sync-mtu 100: expected a number 168..65535", error(() -> b.option("--sync-mtu", "100")));
        assertTrue(error(() -> b.option("--sync-frob", "1")).startsWith("--sync-frob 1: unknown sync option"));
        assertEquals("--sync: no role (expected master or backup)", error(b::settings));
        b.option("--sync", "master");
        assertEquals("--sync master needs --sync-peers ADDR:PORT,... or --sync-group ADDR:PORT", error(b::settings));
        b.option("--sync-peers", "127.0.0.1:8848,127.0.0.2:8848").option("--sync-id", "9")
            .option("--sync-dead-interval", "1.5").option("--sync-mtu", "9000");
        final SyncDaemon.Settings s = b.settings();
        assertEquals(9, s.syncId());
        assertEquals(2, s.peers().size());
        assertEquals(1500, s.deadIntervalMillis());
        assertEquals(9000 - 28, s.datagramLimit());
        final SyncDaemon.Builder backup = SyncDaemon.builder().option("--sync", "backup");
        assertEquals("--sync backup needs --sync-listen ADDR:PORT or --sync-group ADDR:PORT", error(backup::settings));
    }

    @Test
    void aBackupsDirectorMustNotBeRunning() throws Exception {
        final LoadBalancer lb = LoadBalancer.builder().rules("-A -t 127.0.0.1:" + freePort() + " -s rr\n").build();
        closeables.add(() -> lb.close(Duration.ZERO));
        lb.start();
        final IllegalStateException e = assertThrows(IllegalStateException.class, () -> SyncDaemon.builder()
            .role(SyncDaemon.Role.BACKUP).listen(new InetSocketAddress("127.0.0.1", 0)).start(lb));
        assertEquals("a backup's director must not be started: it starts its services when it takes over",
            e.getMessage());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void aMasterShouldSpendAtMostItsBudgetPerRoundAndStillSendEverything() throws Exception {
        final ServerSocket backend = new ServerSocket(0, 256, InetAddress.getLoopbackAddress());
        closeables.add(backend);
        final Thread t = new Thread(() -> {
            while (!backend.isClosed()) {
                try (Socket c = backend.accept()) {
                    c.getOutputStream().write("b\n".getBytes(StandardCharsets.US_ASCII));
                } catch (final IOException e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
        final int vport = freePort();
        final String rules = "-A -t 127.0.3.1:" + vport + " -s wlc -p 300\n-a -t 127.0.3.1:" + vport
            + " -r 127.0.0.1:" + backend.getLocalPort() + " -m\n";
        final LoadBalancer masterLb = LoadBalancer.builder().rules(rules).eventLoops(1).build();
        closeables.add(() -> masterLb.close(Duration.ZERO));
        masterLb.start();
        final int sources = 150;
        for (int i = 0; i < sources; i++) {
            try (Socket s = new Socket()) {
                s.setSoTimeout(10_000);
                s.bind(new InetSocketAddress(Addresses.parseLiteral("127.31.0." + (i + 1)), 0));
                s.connect(new InetSocketAddress("127.0.3.1", vport), 10_000);
                assertEquals('b', s.getInputStream().read());
            }
        }
        final LoadBalancer backupLb = LoadBalancer.builder().rules(rules).eventLoops(1).build();
        closeables.add(() -> backupLb.close(Duration.ZERO));
        final SyncDaemon backup = SyncDaemon.builder().role(SyncDaemon.Role.BACKUP).syncId(3)
            .listen(new InetSocketAddress("127.0.0.1", 0)).deadInterval(Duration.ofSeconds(60)).start(backupLb);
        closeables.add(backup);
        final SyncDaemon master = SyncDaemon.builder().role(SyncDaemon.Role.MASTER).syncId(3)
            .peer(backup.backup().address()).interval(Duration.ofMillis(100)).maxRecordsPerSecond(1000)
            .start(masterLb);
        closeables.add(master);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (backupLb.persistence().importedTemplates().size() < sources) {
            assertTrue(System.nanoTime() - deadline < 0, "the backup has "
                + backupLb.persistence().importedTemplates().size() + " templates");
            assertTrue(master.master().lastRoundRecords() <= 101, "a round of " + master.master().lastRoundRecords());
            Thread.sleep(20);
        }
        assertTrue(master.master().recordsDeferred() > 0, "150 templates and their entries exceed 100 a round");
        assertTrue(master.status().startsWith("master sync daemon (mcast=off, peers=[/127.0.0.1:"), master.status());
        assertTrue(backup.status().contains("standing by"), backup.status());
        assertEquals(List.of(), backupLb.listening());
    }
}
