package io.jlvs.transport.tck;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.net.Protocol;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.listing.ConnectionSnapshot;
import io.jlvs.core.service.VirtualService;
import io.jlvs.core.transport.FlowImport;
import io.jlvs.core.transport.FlowImportResult;
import io.jlvs.core.transport.Transport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Synced UDP flows imported at a sync takeover ({@code TransportEngine.importFlows}), for every transport that
 * imports them: flows of a non-persistent rr service continue on the servers they had (where a fresh rr pick would
 * spread them), whichever loop's socket the kernel hands their datagrams to; they are listed once with their
 * remaining time; flows of gone or down servers and unknown services are dropped and counted; an entry a datagram
 * made before the import is replaced, and an imported flow that stays quiet expires on the director's clock. A
 * transport runs it by subclassing, naming its factory and the three engine facts the suite cannot see through the
 * public API.
 *
 * <p>Environment: Linux loopback (clients bind 127.0.3.x, 127.0.4.x, 127.0.5.x). Each test starts its own director
 * and servers and closes them.
 *
 * <p>Not thread-safe: JUnit runs one test of an instance at a time; the servers' threads touch only their sockets.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class UdpFlowImportSuite {
    private static final int FLOWS = 12;
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(10);

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);

    /** For subclasses. */
    protected UdpFlowImportSuite() {
    }

    /**
     * The transport under test; called once for every director a test starts.
     *
     * @return a new transport
     */
    protected abstract Transport transport();

    /**
     * Returns once every loop of the director's engine has run a whole duty cycle (clock read, expiry, the commands
     * queued before) that began after this call.
     *
     * @param lb the director
     * @throws Exception if a loop does not answer
     */
    protected abstract void awaitFullCycle(LoadBalancer lb) throws Exception;

    /**
     * Whether the engine opens a UDP socket per loop ({@code SO_REUSEPORT}), so that the kernel may hand an
     * imported flow's datagrams to another loop than the one that imported it.
     *
     * @param lb the director
     * @return whether it does
     */
    protected abstract boolean socketPerLoop(LoadBalancer lb);

    /**
     * How many imported flows other loops may still claim ({@code UdpFlowImports.indexed()}).
     *
     * @param lb the director
     * @return the count
     */
    protected abstract int importsIndexed(LoadBalancer lb);

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    /** A UDP server that answers every datagram with its name. */
    private DatagramSocket backend(final String name) throws IOException {
        final DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        closeables.add(s);
        final Thread t = new Thread(() -> {
            final byte[] buf = new byte[2048];
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

    private static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            return s.getLocalPort();
        }
    }

    private DatagramSocket client(final String address) throws IOException {
        final DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(address), 0));
        s.setSoTimeout(10_000);
        closeables.add(s);
        return s;
    }

    private static String ask(final DatagramSocket s, final int port) throws IOException {
        final byte[] m = {'?'};
        s.send(new DatagramPacket(m, 1, InetAddress.getLoopbackAddress(), port));
        final DatagramPacket p = new DatagramPacket(new byte[64], 64);
        s.receive(p);
        return new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII);
    }

    private LoadBalancer start(final int loops, final int vport, final DatagramSocket... servers)
        throws IOException {
        final List<RealServerConfig> rs = new ArrayList<>();
        for (final DatagramSocket s : servers) {
            rs.add(RealServerConfig.builder("127.0.0.1", s.getLocalPort()).build());
        }
        final LoadBalancer lb = LoadBalancer.builder().eventLoops(loops).transport(transport())
            .clock(clock::get).service(VirtualServiceConfig.builder(ServiceKey.udp("127.0.0.1", vport))
                .scheduler("rr").build(), rs.toArray(new RealServerConfig[0])).build();
        closeables.add(() -> lb.close(Duration.ZERO));
        return lb.start();
    }

    private static FlowImport flow(final DatagramSocket client, final int vport, final DatagramSocket server,
        final long remainingMillis) {
        return new FlowImport(Protocol.UDP, (InetSocketAddress) client.getLocalSocketAddress(),
            new InetSocketAddress(InetAddress.getLoopbackAddress(), vport),
            (InetSocketAddress) server.getLocalSocketAddress(), remainingMillis);
    }

    private static List<ConnectionSnapshot> udpRows(final LoadBalancer lb) {
        final List<ConnectionSnapshot> rows = new ArrayList<>();
        for (final ConnectionSnapshot r : lb.connections()) {
            if (r.protocol().equals("UDP")) {
                rows.add(r);
            }
        }
        return rows;
    }

    @Test
    void importedFlowsShouldContinueOnTheirServersFromEveryLoop() throws Exception {
        final DatagramSocket a = backend("a");
        final DatagramSocket b = backend("b");
        final DatagramSocket c = backend("c");
        final DatagramSocket[] byName = {a, b, c};
        final int vport = freeUdpPort();
        final LoadBalancer lb = start(3, vport, a, b, c);
        final List<DatagramSocket> clients = new ArrayList<>();
        final List<FlowImport> flows = new ArrayList<>();
        final String[] expected = new String[FLOWS];
        for (int i = 0; i < FLOWS; i++) {
            final DatagramSocket cl = client("127.0.3." + (10 + i));
            clients.add(cl);
            expected[i] = i % 4 == 0 ? "a" : i % 2 == 0 ? "b" : "c"; // not rr's fresh a, b, c, a, b, c...
            flows.add(flow(cl, vport, byName[expected[i].charAt(0) - 'a'], 120_000));
        }
        final FlowImportResult r = lb.importFlows(flows);
        assertEquals(new FlowImportResult(FLOWS, 0, 0, 0, 0, 0), r);

        // listed once each, bound to its server, with the synced remaining time (the clock stands still)
        List<ConnectionSnapshot> rows = udpRows(lb);
        assertEquals(FLOWS, rows.size(), rows.toString());
        for (final ConnectionSnapshot row : rows) {
            assertEquals(120, row.expireSeconds(), row.toString());
            final int i = row.clientAddress().getAddress()[3] - 10;
            assertEquals(byName[expected[i].charAt(0) - 'a'].getLocalPort(), row.serverPort(), row.toString());
            assertEquals(clients.get(i).getLocalPort(), row.clientPort());
        }
        final VirtualService svc = lb.services().service(ServiceKey.udp("127.0.0.1", vport));
        int inactive = 0;
        for (int i = 0; i < svc.servers().size(); i++) {
            inactive += svc.servers().get(i).inactiveConns();
        }
        assertEquals(FLOWS, inactive);

        // every flow's datagrams reach its server, whichever loop's socket the kernel chose
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < FLOWS; i++) {
                assertEquals(expected[i], ask(clients.get(i), vport), "flow " + i + " round " + round);
            }
        }
        awaitFullCycle(lb); // the importing loops dropped the copies other loops took over
        final boolean spread = socketPerLoop(lb);
        rows = udpRows(lb);
        assertEquals(FLOWS, rows.size(), "each flow listed once: " + rows);
        for (final ConnectionSnapshot row : rows) {
            assertEquals(300, row.expireSeconds(), "refreshed by its datagrams: " + row);
        }
        final long claimed = lb.counters().get("udp_flows_import_claimed");
        System.out.println("imported " + FLOWS + " flows on 3 loops (SO_REUSEPORT " + spread + "): "
            + claimed + " taken over by the loop the kernel chose");
        if (spread) {
            assertTrue(claimed > 0, "with three loops (one SO_REUSEPORT socket each) some flows land on another"
                + " loop's");
        }
        assertEquals(FLOWS, lb.counters().get("udp_flows_imported"));
        assertEquals(0, svc.stats().snapshot().conns(), "nothing was scheduled here");
        assertEquals(3L * FLOWS, svc.stats().snapshot().inPackets());
        // what the kernel handed to the importing loop stays claimable until it ends; the rest was claimed
        assertEquals(spread ? FLOWS - claimed : 0, importsIndexed(lb));

        // a new client is still scheduled by rr
        final DatagramSocket fresh = client("127.0.3.99");
        assertTrue(List.of("a", "b", "c").contains(ask(fresh, vport)));
    }

    @Test
    void flowsOfGoneOrDownServersAndUnknownServicesShouldBeDroppedAndCounted() throws Exception {
        final DatagramSocket a = backend("a");
        final DatagramSocket b = backend("b");
        final DatagramSocket gone = backend("gone");
        final int vport = freeUdpPort();
        final LoadBalancer lb = start(1, vport, a, b);
        final VirtualService svc = lb.services().service(ServiceKey.udp("127.0.0.1", vport));
        final var members = svc.members();
        assertTrue(svc.inhibit(members.get(members.indexOf(InetAddress.getLoopbackAddress(), b.getLocalPort())),
            true)); // b is down (health checking)
        final DatagramSocket c1 = client("127.0.4.1");
        final DatagramSocket c2 = client("127.0.4.2");
        final DatagramSocket c3 = client("127.0.4.3");
        final DatagramSocket c4 = client("127.0.4.4");
        final DatagramSocket c5 = client("127.0.4.5");
        final FlowImportResult r = lb.importFlows(List.of(
            flow(c1, vport, a, 60_000),
            flow(c2, vport, b, 60_000),
            flow(c3, vport, gone, 60_000),
            flow(c4, freeUdpPort(), a, 60_000),
            new FlowImport(Protocol.TCP, (InetSocketAddress) c5.getLocalSocketAddress(),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), vport),
                (InetSocketAddress) a.getLocalSocketAddress(), 60_000)));
        assertEquals(new FlowImportResult(1, 1, 2, 0, 0, 1), r);
        assertEquals(4, r.dropped());
        assertEquals(4L, lb.counters().get("udp_flows_import_dropped"));
        final List<ConnectionSnapshot> rows = udpRows(lb);
        assertEquals(1, rows.size(), rows.toString());
        assertEquals(c1.getLocalPort(), rows.get(0).clientPort(), rows + " c1=" + c1.getLocalSocketAddress());
        assertEquals(60, rows.get(0).expireSeconds());
        assertEquals("a", ask(c1, vport));
        assertEquals("a", ask(c2, vport)); // scheduled afresh: b is down
        assertEquals("a", ask(c3, vport));
    }

    @Test
    void anEntryMadeBeforeTheImportShouldBeReplacedAndAnImportedFlowShouldExpire() throws Exception {
        final DatagramSocket a = backend("a");
        final DatagramSocket b = backend("b");
        final int vport = freeUdpPort();
        final LoadBalancer lb = start(2, vport, a, b);
        final DatagramSocket early = client("127.0.5.1");
        final String first = ask(early, vport); // a datagram that came between binding and the import
        final DatagramSocket other = first.equals("a") ? b : a;
        final DatagramSocket quiet = client("127.0.5.2");
        assertEquals(2, lb.importFlows(List.of(flow(early, vport, other, 30_000), flow(quiet, vport, a, 10_000)))
            .imported());
        assertEquals(1L, lb.counters().get("udp_flows_import_replaced"));
        assertEquals(2, udpRows(lb).size(), udpRows(lb).toString());
        final String moved = other == a ? "a" : "b";
        assertEquals(moved, ask(early, vport), "the synced placement wins");
        assertEquals(moved, ask(early, vport));

        // the quiet flow sends nothing: it ends when its synced remaining time is up, and nobody can claim it later
        clock.addAndGet(TimeUnit.SECONDS.toNanos(9));
        awaitFullCycle(lb);
        assertEquals(2, udpRows(lb).size());
        clock.addAndGet(TimeUnit.SECONDS.toNanos(1));
        Waits.until("the quiet flow's expiry", WAIT, POLL, () -> udpRows(lb).size() == 1);
        assertEquals(early.getLocalPort(), udpRows(lb).get(0).clientPort());
        Waits.until("nothing left to claim but the early flow", WAIT, POLL, () -> importsIndexed(lb) <= 1);
    }
}
