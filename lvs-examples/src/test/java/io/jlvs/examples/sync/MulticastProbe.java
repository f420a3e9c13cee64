package io.jlvs.examples.sync;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.net.Addresses;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Run by {@link MulticastSyncTest} inside a network namespace whose loopback has multicast on: a master and a
 * backup in one JVM sync over the group 224.0.0.81 on {@code lo}; exits 0 once the backup holds the master's five
 * templates, 1 if it does not within 20 s.
 */
final class MulticastProbe {
    private MulticastProbe() {
    }

    public static void main(final String[] args) throws Exception {
        final ServerSocket backend = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
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
        final int vport = 8080;
        final String rules = "-A -t 127.0.4.1:" + vport + " -s wlc -p 300\n-a -t 127.0.4.1:" + vport
            + " -r 127.0.0.1:" + backend.getLocalPort() + " -m\n";
        final LoadBalancer masterLb = LoadBalancer.builder().rules(rules).eventLoops(1).build().start();
        for (int i = 1; i <= 5; i++) {
            try (Socket s = new Socket()) {
                s.setSoTimeout(10_000);
                s.bind(new InetSocketAddress(Addresses.parseLiteral("127.32.0." + i), 0));
                s.connect(new InetSocketAddress("127.0.4.1", vport), 10_000);
                if (s.getInputStream().read() != 'b') {
                    throw new IOException("no answer through the master");
                }
            }
        }
        final LoadBalancer backupLb = LoadBalancer.builder().rules(rules).eventLoops(1).build();
        final SyncDaemon backup = SyncDaemon.builder().option("--sync", "backup").option("--sync-id", "5")
            .option("--sync-group", "224.0.0.81:8848").option("--sync-interface", "lo")
            .option("--sync-dead-interval", "60").start(backupLb);
        final SyncDaemon master = SyncDaemon.builder().option("--sync", "master").option("--sync-id", "5")
            .option("--sync-group", "224.0.0.81:8848").option("--sync-interface", "lo")
            .option("--sync-interval", "100").start(masterLb);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (backupLb.persistence().importedTemplates().size() < 5 && System.nanoTime() - deadline < 0) {
            Thread.sleep(20);
        }
        final int n = backupLb.persistence().importedTemplates().size();
        System.out.println("multicast: backup imported " + n + " templates; " + backup.backup().counters());
        System.out.flush();
        master.close();
        backup.close();
        masterLb.close(Duration.ZERO);
        backend.close();
        System.exit(n == 5 ? 0 : 1);
    }
}
