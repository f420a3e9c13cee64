package io.jlvs.examples.sync;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.net.Addresses;
import io.jlvs.core.sync.SyncCodec;
import io.jlvs.core.sync.SyncFormatException;
import io.jlvs.core.sync.SyncRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A master director in a child process ({@code jlvs run --sync master}) and a backup in this JVM ({@link SyncDaemon}) load the same
 * rules: a persistent wlc TCP service ({@code -p 300}) and a persistent wlc UDP service. 20 clients from distinct
 * 127.x sources and a UDP flow go through the master; the master is killed with SIGKILL; the backup takes over
 * once its dead interval passes without a heartbeat (not before) and sends every source to the real server it had, and the UDP flow's next
 * datagrams to the same backend. Without sync, the same clients arriving in another order land elsewhere.
 *
 * <p>A non-persistent rr UDP service over three servers: 10 flows through the master, interleaved over the
 * servers; after the SIGKILL the backup (two event loops) imports the synced flows and each flow's next datagram, sent
 * in the reverse order, reaches the backend it had; without sync a fresh rr would move most of them.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SyncTakeoverTest {
    /** The JUnit tag of the tests that need a JVM with native access (the pom's native-access execution). */
    static final String NATIVE_ACCESS = "native-access";
    private static final int CLIENTS = 20;
    private static final String VIP = "127.0.2.1";
    private static final Pattern LISTENING = Pattern.compile("listening on UDP ");

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final List<Socket> held = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (final Socket s : held) {
            s.close();
        }
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private ServerSocket tcpBackend(final String name) throws IOException {
        final ServerSocket s = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        closeables.add(s);
        final Thread t = new Thread(() -> {
            while (!s.isClosed()) {
                try {
                    final Socket c = s.accept();
                    closeables.add(c);
                    c.getOutputStream().write((name + "\n").getBytes(StandardCharsets.US_ASCII));
                    c.getOutputStream().flush(); // and keep it open, as a live session
                } catch (final IOException e) {
                    return;
                }
            }
        }, "tcp-" + name);
        t.setDaemon(true);
        t.start();
        return s;
    }

    private DatagramSocket udpBackend(final String name) throws IOException {
        final DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        closeables.add(s);
        final Thread t = new Thread(() -> {
            final byte[] buf = new byte[512];
            final byte[] reply = name.getBytes(StandardCharsets.US_ASCII);
            while (!s.isClosed()) {
                try {
                    final DatagramPacket p = new DatagramPacket(buf, buf.length);
                    s.receive(p);
                    s.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
                } catch (final IOException e) {
                    return;
                }
            }
        }, "udp-" + name);
        t.setDaemon(true);
        t.start();
        return s;
    }

    private static int freeTcpPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            return s.getLocalPort();
        }
    }

    private static InetAddress source(final int i) {
        return Addresses.parseLiteral("127.30.0." + (i + 1));
    }

    private static String line(final InputStream in) throws IOException {
        final StringBuilder sb = new StringBuilder();
        for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
            sb.append((char) c);
        }
        return sb.toString();
    }

    /** Connects from a source, reads the server's name, and keeps the connection open. */
    private String connect(final InetAddress src, final int port) throws IOException {
        final Socket s = new Socket();
        held.add(s);
        s.setSoTimeout(10_000);
        s.bind(new InetSocketAddress(src, 0));
        s.connect(new InetSocketAddress(VIP, port), 10_000);
        return line(s.getInputStream());
    }

    private static String ask(final DatagramSocket client, final int port) throws IOException {
        final byte[] q = "who".getBytes(StandardCharsets.US_ASCII);
        client.send(new DatagramPacket(q, q.length, new InetSocketAddress(VIP, port)));
        final DatagramPacket p = new DatagramPacket(new byte[64], 64);
        client.receive(p);
        return new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII);
    }

    private static void await(final String what, final long seconds, final BooleanSupplier cond)
        throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    private record Setup(String rules, int tcpPort, int udpPort) {
    }

    private Setup setup(final Path dir) throws IOException {
        final ServerSocket t1 = tcpBackend("t1");
        final ServerSocket t2 = tcpBackend("t2");
        final DatagramSocket u1 = udpBackend("u1");
        final DatagramSocket u2 = udpBackend("u2");
        final int tp = freeTcpPort();
        final int up = freeUdpPort();
        final String rules = "-A -t " + VIP + ":" + tp + " -s wlc -p 300\n"
            + "-a -t " + VIP + ":" + tp + " -r 127.0.0.1:" + t1.getLocalPort() + " -m -w 1\n"
            + "-a -t " + VIP + ":" + tp + " -r 127.0.0.1:" + t2.getLocalPort() + " -m -w 1\n"
            + "-A -u " + VIP + ":" + up + " -s wlc -p 300\n"
            + "-a -u " + VIP + ":" + up + " -r 127.0.0.1:" + u1.getLocalPort() + " -m -w 1\n"
            + "-a -u " + VIP + ":" + up + " -r 127.0.0.1:" + u2.getLocalPort() + " -m -w 1\n";
        Files.writeString(dir.resolve("rules"), rules);
        return new Setup(rules, tp, up);
    }

    private ChildJvm master(final Path dir, final int backupPort) throws Exception {
        return master(dir, backupPort, null);
    }

    private ChildJvm master(final Path dir, final int backupPort, final String transport) throws Exception {
        final List<String> args = new ArrayList<>(List.of("run", "--rules",
            dir.resolve("rules").toString(), "--event-loops", "1", "--sync", "master", "--sync-id", "7",
            "--sync-peers", "127.0.0.1:" + backupPort, "--sync-interval", "250"));
        if (transport != null) {
            args.add("--transport");
            args.add(transport);
        }
        final ChildJvm m = new ChildJvm("master", dir, "io.jlvs.examples.Main", args.toArray(new String[0]));
        closeables.add(m);
        m.await(LISTENING, 60);
        m.await(Pattern.compile("sync master id 7 sending to"), 30);
        return m;
    }

    /** The traffic through the master: a UDP flow from another source first, so wlc gives ours the other server. */
    private String[] throughMaster(final Setup s, final DatagramSocket warm, final DatagramSocket flow,
        final String[] udp) throws IOException {
        final String[] got = new String[CLIENTS];
        udp[0] = ask(warm, s.udpPort());
        udp[1] = ask(flow, s.udpPort());
        for (int i = 0; i < CLIENTS; i++) {
            got[i] = connect(source(i), s.tcpPort());
        }
        for (int k = 0; k < 3; k++) {
            assertEquals(udp[1], ask(flow, s.udpPort()));
        }
        return got;
    }

    private DatagramSocket udpClient(final String src) throws IOException {
        final DatagramSocket c = new DatagramSocket(new InetSocketAddress(Addresses.parseLiteral(src), 0));
        c.setSoTimeout(10_000);
        closeables.add(c);
        return c;
    }

    @Test
    void backupShouldTakeOverAndKeepEverySourceOnItsServer(@TempDir final Path dir) throws Exception {
        final Setup s = setup(dir);
        final LoadBalancer backupLb = LoadBalancer.builder().rules(s.rules()).eventLoops(1).build();
        closeables.add(() -> backupLb.close(Duration.ZERO));
        // the master first: a backup that hears no master for its dead interval after it starts takes over, and a
        // child JVM may take longer than that to start on a loaded machine
        final int syncPort = freeUdpPort();
        final ChildJvm master = master(dir, syncPort);
        final SyncDaemon backup = SyncDaemon.builder().role(SyncDaemon.Role.BACKUP).syncId(7)
            .listen(new InetSocketAddress("127.0.0.1", syncPort)).deadInterval(Duration.ofSeconds(3)).start(backupLb);
        closeables.add(backup);
        final SyncBackup b = backup.backup();

        final DatagramSocket warm = udpClient("127.30.1.2");
        final DatagramSocket flow = udpClient("127.30.1.1");
        final String[] udp = new String[2];
        final String[] before = throughMaster(s, warm, flow, udp);
        assertTrue(java.util.Arrays.asList(before).contains("t1") && java.util.Arrays.asList(before).contains("t2"),
            "wlc spread the clients: " + java.util.Arrays.toString(before));

        // the backup learns the 22 templates (20 TCP sources, 2 UDP) and the entries, and serves nobody yet
        await("templates on the backup", 30, () -> backupLb.persistence().importedTemplates().size() == CLIENTS + 2
            && b.entries().stream().filter(r -> r instanceof SyncRecord.ConnectionRecord).count() >= CLIENTS
            && b.entries().stream().anyMatch(r -> r instanceof SyncRecord.FlowRecord f
                && f.clientPort() == flow.getLocalPort()));
        assertEquals(List.of(), backupLb.listening(), "a backup serves nobody before it takes over");
        final String listing = b.listing();
        assertTrue(listing.startsWith("IPVS connection entries\n"), listing);
        for (int i = 0; i < CLIENTS; i++) {
            assertTrue(Pattern.compile("TCP +\\d\\d:\\d\\d +ASSURED +" + source(i).getHostAddress() + ":0 +" + VIP + ":"
                + s.tcpPort() + " +127\\.0\\.0\\.1:\\d+").matcher(listing).find(), "template row for " + source(i)
                + " in\n" + listing);
            assertTrue(Pattern.compile("TCP +\\d\\d:\\d\\d +ESTABLISHED +" + source(i).getHostAddress() + ":\\d+ +"
                + VIP + ":" + s.tcpPort()).matcher(listing).find(), "entry row for " + source(i));
        }
        assertTrue(listing.contains("UDP") && listing.contains("127.30.1.1:" + flow.getLocalPort()), listing);

        // a flood of bad datagrams at the backup: all dropped and counted, nothing applied, the master still heard
        final long acceptedBefore = b.decoder().accepted();
        final int bad = flood(b.address());
        // the kernel drops what overflows the backup's bounded socket buffer; what arrives is dropped by kind
        await("every kind of bad datagram counted", 30, () -> {
            for (final SyncFormatException.Reason r : new SyncFormatException.Reason[] {
                SyncFormatException.Reason.SYNC_ID, SyncFormatException.Reason.CHECKSUM,
                SyncFormatException.Reason.TRUNCATED, SyncFormatException.Reason.MALFORMED}) {
                if (b.decoder().dropped(r) == 0) {
                    return false;
                }
            }
            return true;
        });
        final long acceptedAfterFlood = b.decoder().accepted();
        await("the master heard after the flood", 10, () -> b.decoder().accepted() > acceptedAfterFlood + 1);
        assertTrue(b.decoder().droppedTotal() <= bad, "more dropped than sent");
        System.out.println("sync: flood of " + bad + " bad datagrams, " + b.decoder().droppedTotal()
            + " reached the backup and were dropped, " + (b.decoder().accepted() - acceptedBefore)
            + " master datagrams accepted meanwhile");
        assertEquals(CLIENTS + 2, backupLb.persistence().importedTemplates().size());
        assertEquals(0, b.counters().get("unknown_service") + b.counters().get("unknown_server"));

        final long killedAt = System.nanoTime();
        master.kill();
        await("the backup taking over", 10, b::tookOver);
        await("the backup serving", 10, () -> {
            try (Socket probe = new Socket()) {
                probe.bind(new InetSocketAddress(source(0), 0));
                probe.connect(new InetSocketAddress(VIP, s.tcpPort()), 1000);
                return true;
            } catch (final IOException e) {
                return false;
            }
        });
        final long tookMs = (System.nanoTime() - killedAt) / 1_000_000;
        System.out.println("sync: backup serving " + tookMs + " ms after SIGKILL (dead interval 3000 ms); "
            + b.counters());
        // it took over for the dead interval without a heartbeat, not before; how soon after that the watchdog ran
        // depends on the box's load (the awaits above bound it), so only the order is asserted
        final long silentMs = (b.tookOverAtNs() - b.lastHeartbeatNs()) / 1_000_000;
        assertTrue(silentMs >= 3000, "took over after only " + silentMs + " ms without a heartbeat");

        // the same sources, in the reverse order, reach the same servers; the UDP flow continues where it was
        assertEquals(udp[1], ask(flow, s.udpPort()), "the UDP flow's next datagram");
        for (int i = CLIENTS - 1; i >= 0; i--) {
            assertEquals(before[i], connect(source(i), s.tcpPort()), "source " + source(i));
        }
        assertEquals(udp[1], ask(flow, s.udpPort()));
        assertEquals(udp[0], ask(warm, s.udpPort()));
    }

    @Test
    void withoutSyncTheSameClientsWouldLandElsewhere(@TempDir final Path dir) throws Exception {
        final Setup s = setup(dir);
        final ChildJvm master = master(dir, freeUdpPort()); // sends to a port nobody listens on
        final DatagramSocket warm = udpClient("127.30.1.2");
        final DatagramSocket flow = udpClient("127.30.1.1");
        final String[] udp = new String[2];
        final String[] before = throughMaster(s, warm, flow, udp);
        assertTrue(!udp[0].equals(udp[1]), "wlc spreads the two UDP flows: " + udp[0] + " " + udp[1]);
        master.kill();
        final LoadBalancer cold = LoadBalancer.builder().rules(s.rules()).eventLoops(1).build();
        closeables.add(() -> cold.close(Duration.ZERO));
        cold.start();
        final String udpAfter = ask(flow, s.udpPort());
        int moved = 0;
        for (int i = CLIENTS - 1; i >= 0; i--) {
            if (!before[i].equals(connect(source(i), s.tcpPort()))) {
                moved++;
            }
        }
        System.out.println("without sync: " + moved + " of " + CLIENTS + " sources and the UDP flow ("
            + udp[1] + " -> " + udpAfter + ") changed server");
        assertTrue(!udpAfter.equals(udp[1]), "the UDP flow stayed by chance: " + udpAfter);
        assertTrue(moved >= CLIENTS / 2, moved + " moved");
    }

    private static final int FLOWS = 10;

    /** A non-persistent rr UDP service over three servers; the master placed flow i on server i % 3, in order. */
    private record RrSetup(String rules, int udpPort) {
    }

    private RrSetup rrSetup(final Path dir) throws IOException {
        final int up = freeUdpPort();
        final StringBuilder rules = new StringBuilder("-A -u " + VIP + ":" + up + " -s rr\n");
        for (final String name : new String[] {"r0", "r1", "r2"}) {
            rules.append("-a -u " + VIP + ":" + up + " -r 127.0.0.1:" + udpBackend(name).getLocalPort() + " -m\n");
        }
        Files.writeString(dir.resolve("rules"), rules.toString());
        return new RrSetup(rules.toString(), up);
    }

    /** FLOWS client flows through the master, interleaved over rr's servers; returns each one's backend. */
    private String[] rrFlows(final RrSetup s, final List<DatagramSocket> clients) throws IOException {
        final String[] had = new String[FLOWS];
        for (int i = 0; i < FLOWS; i++) {
            clients.add(udpClient("127.30.2." + (i + 1)));
            had[i] = ask(clients.get(i), s.udpPort());
        }
        for (int i = 0; i < FLOWS; i++) {
            assertEquals(had[i], ask(clients.get(i), s.udpPort()), "flow " + i + " stays on the master");
        }
        assertEquals(3, new java.util.HashSet<>(java.util.Arrays.asList(had)).size(), "rr spread the flows: " + java.util.Arrays.toString(had));
        return had;
    }

    @Test
    void nonPersistentUdpFlowsShouldReachTheirBackendsAfterTakeover(@TempDir final Path dir) throws Exception {
        rrTakeover(dir, null);
    }

    /**
     * The same takeover with both directors on the epoll transport (built and run on JDK 22+ only). Tagged
     * {@value #NATIVE_ACCESS}: on JDK 22+ this module's pom runs it in a surefire execution of its own whose JVM has
     * {@code --enable-native-access=ALL-UNNAMED} (the other tests' JVM has not, so their {@code auto} transport
     * stays NIO) and sets {@code jlvs.test.requireNativeAccess}, under which a JVM without native access fails the
     * test instead of skipping it. On JDK 17 it is skipped.
     */
    @Test
    @Tag(NATIVE_ACCESS)
    void nonPersistentUdpFlowsShouldReachTheirBackendsAfterTakeoverOnEpoll(@TempDir final Path dir)
        throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Runtime.version().feature() >= 22,
            "the epoll transport needs JDK 22+");
        // the in-JVM backup needs native access (Module.isNativeAccessEnabled is JDK 22 API: reflection)
        final boolean nativeAccess = (boolean) Module.class.getMethod("isNativeAccessEnabled")
            .invoke(SyncTakeoverTest.class.getModule());
        if (Boolean.getBoolean("jlvs.test.requireNativeAccess")) {
            assertTrue(nativeAccess, "jlvs.test.requireNativeAccess is set but this test JVM was started without "
                + "--enable-native-access=ALL-UNNAMED");
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(nativeAccess,
            "this test JVM was started without --enable-native-access=ALL-UNNAMED (the pom's native-access "
                + "execution runs this test with it on JDK 22+)");
        rrTakeover(dir, "epoll");
    }

    /** The rr UDP takeover on a transport ({@code --transport}; null: the default). */
    private void rrTakeover(final Path dir, final String transport) throws Exception {
        final RrSetup s = rrSetup(dir);
        final LoadBalancer.Builder bb = LoadBalancer.builder().rules(s.rules()).eventLoops(2);
        if (transport != null) {
            bb.transport(transport);
        }
        final LoadBalancer backupLb = bb.build();
        closeables.add(() -> backupLb.close(Duration.ZERO));
        final int syncPort = freeUdpPort();
        final ChildJvm master = master(dir, syncPort, transport);
        final SyncDaemon backup = SyncDaemon.builder().role(SyncDaemon.Role.BACKUP).syncId(7)
            .listen(new InetSocketAddress("127.0.0.1", syncPort)).deadInterval(Duration.ofSeconds(3)).start(backupLb);
        closeables.add(backup);
        final SyncBackup b = backup.backup();
        final List<DatagramSocket> clients = new ArrayList<>();
        final String[] had = rrFlows(s, clients);
        final java.util.Set<Integer> ports = new java.util.HashSet<>();
        for (final DatagramSocket c : clients) {
            ports.add(c.getLocalPort());
        }
        await("the flows on the backup", 30, () -> b.entries().stream()
            .filter(r -> r instanceof SyncRecord.FlowRecord f && ports.contains(f.clientPort())).count() == FLOWS);

        master.kill();
        await("the backup taking over", 10, b::tookOver);
        if (transport != null) {
            assertEquals("epoll", backupLb.transportName(), "the backup's transport");
        }
        assertEquals(FLOWS, b.counters().get("flows_imported"), b.counters().toString());
        assertEquals(0, b.counters().get("flows_not_imported"));
        // the engine lists the imported flows, each on the server it had, before any datagram
        final List<io.jlvs.core.listing.ConnectionSnapshot> rows = new ArrayList<>();
        for (final io.jlvs.core.listing.ConnectionSnapshot r : backupLb.connections()) {
            if (r.protocol().equals("UDP") && ports.contains(r.clientPort())) {
                rows.add(r);
            }
        }
        assertEquals(FLOWS, rows.size(), rows.toString());
        final String listing = b.listing();
        assertEquals(FLOWS, Pattern.compile("UDP +\\d\\d:\\d\\d +UDP +127\\.30\\.2\\.").matcher(listing)
            .results().count(), "each flow listed once:\n" + listing);

        // in the reverse order (a fresh rr would now give most of them another server), each flow's next datagram
        // reaches the backend it had
        for (int i = FLOWS - 1; i >= 0; i--) {
            assertEquals(had[i], ask(clients.get(i), s.udpPort()), "flow " + i + " after takeover");
        }
        for (int i = 0; i < FLOWS; i++) {
            assertEquals(had[i], ask(clients.get(i), s.udpPort()), "flow " + i + " again");
        }
        System.out.println("sync (" + (transport == null ? "default transport" : transport) + ", backup engine "
            + backupLb.transportName() + "): " + FLOWS + " non-persistent UDP flows continued "
            + "on their backends after takeover; taken over across loops: " + backupLb.counters().get("udp_flows_import_claimed"));
    }

    @Test
    void withoutSyncNonPersistentUdpFlowsWouldMove(@TempDir final Path dir) throws Exception {
        final RrSetup s = rrSetup(dir);
        final ChildJvm master = master(dir, freeUdpPort()); // sends to a port nobody listens on
        final List<DatagramSocket> clients = new ArrayList<>();
        final String[] had = rrFlows(s, clients);
        master.kill();
        final LoadBalancer cold = LoadBalancer.builder().rules(s.rules()).eventLoops(2).build();
        closeables.add(() -> cold.close(Duration.ZERO));
        cold.start();
        int moved = 0;
        for (int i = FLOWS - 1; i >= 0; i--) {
            if (!had[i].equals(ask(clients.get(i), s.udpPort()))) {
                moved++;
            }
        }
        System.out.println("without sync: " + moved + " of " + FLOWS + " non-persistent UDP flows changed backend");
        assertTrue(moved >= FLOWS / 2, moved + " moved");
    }

    /** Sends bad datagrams of every kind; returns how many. */
    static int flood(final InetSocketAddress to) throws IOException {
        final SplittableRandom r = new SplittableRandom(11);
        final SyncCodec other = new SyncCodec(8, 1472);
        final byte[] foreign = other.encodeAll(1, List.of(new SyncRecord.Heartbeat(1, 1000))).get(0);
        final byte[] mine = new SyncCodec(7, 1472).encodeAll(1, List.of(new SyncRecord.TemplateRecord(
            io.jlvs.core.net.Protocol.TCP, source(0), Addresses.parseLiteral(VIP), 1, 1,
            InetAddress.getLoopbackAddress(), 9, 300_000, true))).get(0);
        int n = 0;
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(Addresses.parseLiteral("127.30.9.9"), 0))) {
            for (int i = 0; i < 5000; i++) {
                final byte[] d;
                switch (i % 4) {
                    case 0:
                        d = foreign;
                        break;
                    case 1:
                        d = mine.clone();
                        d[20 + r.nextInt(d.length - 20)] ^= (byte) (1 + r.nextInt(255)); // checksum fails
                        break;
                    case 2:
                        d = java.util.Arrays.copyOf(mine, r.nextInt(mine.length));
                        break;
                    default:
                        d = new byte[1 + r.nextInt(1400)];
                        r.nextBytes(d);
                }
                s.send(new DatagramPacket(d, d.length, to));
                n++;
            }
        }
        return n;
    }
}
