package io.jlvs.examples.sync;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.net.Protocol;
import io.jlvs.core.conn.ConnState;
import io.jlvs.core.net.Addresses;
import io.jlvs.core.sync.SyncCodec;
import io.jlvs.core.sync.SyncFormatException;
import io.jlvs.core.sync.SyncRecord;
import io.jlvs.core.time.Ticker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A backup fed crafted datagrams by the test: whole datagrams or nothing, records for services or servers it does
 * not have counted and skipped, the entry table bounded, entries and templates expiring on the director's clock,
 * and an operator's takeover.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SyncBackupTest {
    private static final InetAddress VIP = Addresses.parseLiteral("127.0.5.1");
    private static final InetAddress RS = Addresses.parseLiteral("127.0.0.1");
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final AtomicLong now = new AtomicLong(1_000_000_000_000L);
    private final Ticker clock = now::get;

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private static void await(final String what, final BooleanSupplier c) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!c.getAsBoolean()) {
            assertTrue(System.nanoTime() - deadline < 0, "timed out waiting for " + what);
            Thread.sleep(10);
        }
    }

    private static SyncRecord.TemplateRecord template(final String client, final int servicePort,
        final int serverPort, final long ms) {
        return new SyncRecord.TemplateRecord(Protocol.TCP, Addresses.parseLiteral(client), VIP, servicePort,
            servicePort, RS, serverPort, ms, true);
    }

    private static SyncRecord.ConnectionRecord conn(final int vport, final int clientPort, final long ms) {
        return new SyncRecord.ConnectionRecord(ConnState.ESTABLISHED, Addresses.parseLiteral("127.33.0.1"),
            clientPort, VIP, vport, RS, 8001, ms);
    }

    @Test
    void aBackupShouldApplyWholeDatagramsOnlyAndKeepItsTablesBounded() throws Exception {
        final int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, VIP)) {
            port = s.getLocalPort();
        }
        final String rules = "-A -t 127.0.5.1:" + port + " -s wlc -p 300\n-a -t 127.0.5.1:" + port
            + " -r 127.0.0.1:8001 -m\n-a -t 127.0.5.1:" + port + " -r 127.0.0.1:8002 -m\n";
        final LoadBalancer lb = LoadBalancer.builder().rules(rules).clock(clock).build();
        closeables.add(() -> lb.close(Duration.ZERO));
        final SyncDaemon d = SyncDaemon.builder().role(SyncDaemon.Role.BACKUP).syncId(2).clock(clock)
            .listen(new InetSocketAddress("127.0.0.1", 0)).deadInterval(Duration.ofHours(1)).maxEntries(3).start(lb);
        closeables.add(d);
        final SyncBackup b = d.backup();
        final SyncCodec codec = new SyncCodec(2, 1472);
        final DatagramSocket out = new DatagramSocket();
        closeables.add(out);
        final InetSocketAddress to = b.address();

        // a valid template followed by bytes that do not parse: the datagram is dropped whole
        final byte[] good = codec.encodeAll(1, List.of(template("127.33.0.1", port, 8001, 60_000))).get(0);
        final byte[] longer = java.util.Arrays.copyOf(good, good.length + 3);
        out.send(new DatagramPacket(longer, longer.length, to));
        await("the malformed datagram counted", () -> b.decoder().dropped(SyncFormatException.Reason.MALFORMED)
            + b.decoder().dropped(SyncFormatException.Reason.CHECKSUM) == 1);
        assertEquals(0, lb.persistence().size());

        // templates for a service and a server this director does not have are skipped and counted
        for (final byte[] g : codec.encodeAll(2, List.of(template("127.33.0.1", port, 8001, 60_000),
            template("127.33.0.2", port + 1, 8001, 60_000), template("127.33.0.3", port, 8009, 60_000),
            conn(port, 1001, 60_000), conn(port, 1002, 60_000), conn(port, 1003, 120_000), conn(port, 1004, 60_000)))) {
            out.send(new DatagramPacket(g, g.length, to));
        }
        await("the valid datagram applied", () -> b.counters().get("datagrams_applied") == 1);
        assertEquals(1, lb.persistence().size());
        assertEquals(1, b.counters().get("unknown_service"));
        assertEquals(1, b.counters().get("unknown_server"));
        assertEquals(3, b.entries().size(), "bounded at 3");
        assertEquals(1, b.counters().get("table_full"));
        assertTrue(b.listing().contains("ESTABLISHED"), b.listing());

        // 61 s later on the director's clock: the template and the 60 s entries are gone, the 120 s one stays
        now.addAndGet(TimeUnit.SECONDS.toNanos(61));
        await("expiry", () -> lb.persistence().size() == 0 && b.entries().size() == 1);
        await("the sweep", () -> b.rows().size() == 1);
        assertEquals(1003, ((SyncRecord.ConnectionRecord) b.entries().get(0)).clientPort());

        // no heartbeat for an hour would be needed; an operator takes over at once
        assertFalse(b.tookOver());
        assertTrue(b.takeover());
        assertEquals(List.of(new InetSocketAddress("127.0.5.1", port)), lb.listening());
        assertTrue(d.status().contains("took over: operator command"), d.status());
    }

    @Test
    void atTakeoverFlowsOfNonPersistentUdpServicesShouldBeImportedAndTheRestCounted() throws Exception {
        final int port;
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(VIP, 0))) {
            port = s.getLocalPort();
        }
        final int persistentPort;
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(VIP, 0))) {
            persistentPort = s.getLocalPort();
        }
        final String rules = "-A -u 127.0.5.1:" + port + " -s rr\n-a -u 127.0.5.1:" + port + " -r 127.0.0.1:8001 -m\n"
            + "-a -u 127.0.5.1:" + port + " -r 127.0.0.1:8002 -m\n"
            + "-A -u 127.0.5.1:" + persistentPort + " -s rr -p 300\n-a -u 127.0.5.1:" + persistentPort
            + " -r 127.0.0.1:8001 -m\n";
        final LoadBalancer lb = LoadBalancer.builder().rules(rules).clock(clock).eventLoops(1).build();
        closeables.add(() -> lb.close(Duration.ZERO));
        final SyncDaemon d = SyncDaemon.builder().role(SyncDaemon.Role.BACKUP).syncId(2).clock(clock)
            .listen(new InetSocketAddress("127.0.0.1", 0)).deadInterval(Duration.ofHours(1)).start(lb);
        closeables.add(d);
        final SyncBackup b = d.backup();
        final InetAddress client = Addresses.parseLiteral("127.33.1.1");
        final List<SyncRecord> records = List.of(
            new SyncRecord.FlowRecord(client, 1001, VIP, port, RS, 8002, 200_000), // imported, on 8002
            new SyncRecord.FlowRecord(client, 1002, VIP, port, RS, 8009, 200_000), // no such server
            new SyncRecord.FlowRecord(client, 1003, VIP, port + 1000, RS, 8001, 200_000), // no such service
            new SyncRecord.FlowRecord(client, 1004, VIP, persistentPort, RS, 8001, 200_000)); // its template decides
        final DatagramSocket out = new DatagramSocket();
        closeables.add(out);
        for (final byte[] g : new SyncCodec(2, 1472).encodeAll(1, records)) {
            out.send(new DatagramPacket(g, g.length, b.address()));
        }
        await("the flows", () -> b.entries().size() == 4);
        now.addAndGet(TimeUnit.SECONDS.toNanos(20));
        assertTrue(b.takeover());
        final java.util.Map<String, Long> c = b.counters();
        assertEquals(1, c.get("flows_imported"), c.toString());
        assertEquals(2, c.get("flows_not_imported"));
        assertEquals(1, c.get("flows_import_server_gone"));
        assertEquals(1, c.get("flows_import_no_service"));
        // the imported flow is the engine's now (listed once, with what was left of its 200 s), the persistent
        // service's flow stays a synced row, the dropped ones are gone
        final String listing = b.listing();
        assertEquals(1, java.util.regex.Pattern.compile("127\\.33\\.1\\.1:1001 ").matcher(listing).results().count(),
            listing);
        assertTrue(java.util.regex.Pattern.compile("UDP +03:0\\d +UDP +127\\.33\\.1\\.1:1001 +127\\.0\\.5\\.1:" + port
            + " +127\\.0\\.0\\.1:8002").matcher(listing).find(), listing);
        assertTrue(listing.contains("127.33.1.1:1004"), listing);
        assertFalse(listing.contains("127.33.1.1:1002") || listing.contains("127.33.1.1:1003"), listing);
    }
}
