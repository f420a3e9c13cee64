package io.jlvs.examples.sync;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.sync.SyncFormatException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sync traffic cannot reach the data path: in one JVM a director relays a client's bytes while the backup beside it
 * (standing by for another director) is flooded with bad datagrams of every kind on its sync socket. Every relayed
 * byte arrives unchanged and in order, the drops are counted by kind, and nothing of the flood is applied.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SyncFloodTest {
    private static final int BYTES = 8 << 20;

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    /** An echo server: each connection gets back what it sends. */
    private ServerSocket echo() throws IOException {
        final ServerSocket s = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        closeables.add(s);
        final Thread t = new Thread(() -> {
            while (!s.isClosed()) {
                try {
                    final Socket c = s.accept();
                    closeables.add(c);
                    final Thread e = new Thread(() -> {
                        final byte[] buf = new byte[64 * 1024];
                        try (InputStream in = c.getInputStream(); OutputStream out = c.getOutputStream()) {
                            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                                out.write(buf, 0, n);
                            }
                        } catch (final IOException ignored) {
                            // the client went away
                        }
                    }, "echo-conn");
                    e.setDaemon(true);
                    e.start();
                } catch (final IOException e) {
                    return;
                }
            }
        }, "echo");
        t.setDaemon(true);
        t.start();
        return s;
    }

    private static int freePort(final String address) throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(address))) {
            return s.getLocalPort();
        }
    }

    @Test
    void aFloodAtTheSyncSocketShouldNotDisturbTheRelayBesideIt() throws Exception {
        final ServerSocket backend = echo();
        final int vport = freePort("127.0.6.1");
        final LoadBalancer serving = LoadBalancer.builder().eventLoops(1).rules("-A -t 127.0.6.1:" + vport
            + " -s rr\n-a -t 127.0.6.1:" + vport + " -r 127.0.0.1:" + backend.getLocalPort() + " -m\n").build();
        closeables.add(() -> serving.close(Duration.ZERO));
        serving.start();
        // a backup of another director's services, standing by (its master is silent, but its dead interval is long)
        final int standbyPort = freePort("127.0.6.2");
        final LoadBalancer standby = LoadBalancer.builder().eventLoops(1).rules("-A -t 127.0.6.2:" + standbyPort
            + " -s rr\n-a -t 127.0.6.2:" + standbyPort + " -r 127.0.0.1:" + backend.getLocalPort() + " -m\n").build();
        closeables.add(() -> standby.close(Duration.ZERO));
        final SyncDaemon d = SyncDaemon.builder().role(SyncDaemon.Role.BACKUP).syncId(7)
            .listen(new InetSocketAddress("127.0.0.1", 0)).deadInterval(Duration.ofHours(1)).start(standby);
        closeables.add(d);
        final SyncBackup b = d.backup();

        // the flood runs until the relay is done (bounded: at most 200 rounds of 5000 datagrams)
        final AtomicBoolean relayDone = new AtomicBoolean();
        final AtomicLong sent = new AtomicLong();
        final CompletableFuture<Void> flood = CompletableFuture.runAsync(() -> {
            try {
                for (int round = 0; round < 200 && !relayDone.get(); round++) {
                    sent.addAndGet(SyncTakeoverTest.flood(b.address())); // 5000 a round
                }
            } catch (final IOException e) {
                throw new IllegalStateException(e);
            }
        });
        closeables.add(() -> {
            relayDone.set(true);
            flood.get(60, TimeUnit.SECONDS);
        });

        final long floodDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (b.decoder().droppedTotal() == 0) { // the flood is arriving before the relay starts
            assertTrue(System.nanoTime() - floodDeadline < 0, "the flood never reached the backup");
            Thread.sleep(5);
        }
        final long sentBefore = sent.get();
        final long droppedBefore = b.decoder().droppedTotal();
        final byte[] data = new byte[BYTES];
        new SplittableRandom(3).nextBytes(data);
        final byte[] back = new byte[BYTES];
        try (Socket c = new Socket()) {
            c.setSoTimeout(30_000);
            c.connect(new InetSocketAddress("127.0.6.1", vport), 10_000);
            final CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    final OutputStream out = c.getOutputStream();
                    for (int off = 0; off < BYTES; off += 16 * 1024) {
                        out.write(data, off, Math.min(16 * 1024, BYTES - off));
                    }
                    c.shutdownOutput();
                } catch (final IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            final InputStream in = c.getInputStream();
            int got = 0;
            for (int n = in.read(back, got, BYTES - got); n > 0 && got < BYTES; n = in.read(back, got, BYTES - got)) {
                got += n;
                if (got == BYTES) {
                    break;
                }
            }
            writer.get(30, TimeUnit.SECONDS);
            assertEquals(BYTES, got, "bytes relayed back");
            assertEquals(-1, in.read(), "nothing after the echo");
        }
        final long sentDuring = sent.get() - sentBefore;
        final long droppedDuring = b.decoder().droppedTotal() - droppedBefore;
        relayDone.set(true);
        flood.get(60, TimeUnit.SECONDS);
        assertArrayEquals(data, back, "the relayed bytes arrive unchanged and in order");

        // what reached the backup is dropped and counted by kind; none of it is applied, and it did not take over
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (final SyncFormatException.Reason r : new SyncFormatException.Reason[] {
            SyncFormatException.Reason.SYNC_ID, SyncFormatException.Reason.CHECKSUM,
            SyncFormatException.Reason.TRUNCATED, SyncFormatException.Reason.MALFORMED}) {
            while (b.decoder().dropped(r) == 0) {
                assertTrue(System.nanoTime() - deadline < 0, "no drop counted as " + r + ": " + b.counters());
                Thread.sleep(20);
            }
        }
        System.out.println("sync flood: " + sent.get() + " bad datagrams sent (" + sentDuring + " in rounds that "
            + "ended during the relay, " + droppedDuring + " dropped meanwhile) while " + BYTES + " bytes were relayed"
            + " both ways; the backup dropped " + b.decoder().droppedTotal() + " (the rest overflowed its bounded"
            + " socket buffer): " + b.counters());
        assertTrue(b.decoder().droppedTotal() <= sent.get(), "more dropped than sent");
        assertEquals(0, b.decoder().accepted());
        assertEquals(0, b.counters().get("templates_applied") + b.counters().get("entries_applied"));
        assertEquals(0, standby.persistence().size());
        assertFalse(b.tookOver());
        assertEquals(List.of(), standby.listening());
        assertEquals(0L, serving.counters().getOrDefault("handler_errors", 0L));
        assertTrue(Arrays.equals(data, back));
    }
}
