package io.jlvs.transport.epoll;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.net.Protocol;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.listing.ConnectionSnapshot;
import io.jlvs.core.service.VirtualService;
import io.jlvs.core.transport.FlowImport;
import io.jlvs.core.transport.FlowImportResult;
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
import java.util.function.BooleanSupplier;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The epoll twin of the NIO transport's {@code UdpFlowImportTest} (same assertions). {@link EpollEngine#importFlows}: synced UDP flows of a non-persistent rr service continue on the servers they had
 * (where a fresh rr pick would spread them), whichever loop's socket the kernel hands their datagrams to; they are
 * listed once with their remaining time; flows of gone or down servers and unknown services are dropped and counted.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UdpFlowImportTest {
    private static final int FLOWS = 12;

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);

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
        final LoadBalancer lb = LoadBalancer.builder().eventLoops(loops).transport(new EpollTransport())
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

    /** Waits until every loop has run the commands queued so far (the drops of claimed copies among them). */
    private static void awaitFullCycle(final EpollEngine engine) throws Exception {
        for (int pass = 0; pass < 2; pass++) {
            for (final EpollLoop l : engine.loops) {
                l.submit(() -> 0).get(10, TimeUnit.SECONDS);
            }
        }
    }

    private static void waitFor(final String what, final BooleanSupplier condition) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
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
        final EpollEngine engine = (EpollEngine) io.jlvs.core.internal.DirectorAccess.engine(lb);
        awaitFullCycle(engine); // the importing loops dropped the copies other loops took over
        rows = udpRows(lb);
        assertEquals(FLOWS, rows.size(), "each flow listed once: " + rows);
        for (final ConnectionSnapshot row : rows) {
            assertEquals(300, row.expireSeconds(), "refreshed by its datagrams: " + row);
        }
        final long claimed = lb.counters().get("udp_flows_import_claimed");
        System.out.println("imported " + FLOWS + " flows on 3 loops (SO_REUSEPORT): "
            + claimed + " taken over by the loop the kernel chose");
        assertTrue(claimed > 0, "with three loops (one SO_REUSEPORT socket each) some flows land on another loop's");
        assertEquals(FLOWS, lb.counters().get("udp_flows_imported"));
        assertEquals(0, svc.stats().snapshot().conns(), "nothing was scheduled here");
        assertEquals(3L * FLOWS, svc.stats().snapshot().inPackets());
        // what the kernel handed to the importing loop stays claimable until it ends; the rest was claimed
        assertEquals(FLOWS - claimed, engine.flowImport.indexed());

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
        final EpollEngine engine = (EpollEngine) io.jlvs.core.internal.DirectorAccess.engine(lb);
        clock.addAndGet(TimeUnit.SECONDS.toNanos(9));
        awaitFullCycle(engine);
        assertEquals(2, udpRows(lb).size());
        clock.addAndGet(TimeUnit.SECONDS.toNanos(1));
        waitFor("the quiet flow's expiry", () -> udpRows(lb).size() == 1);
        assertEquals(early.getLocalPort(), udpRows(lb).get(0).clientPort());
        waitFor("nothing left to claim but the early flow", () -> engine.flowImport.indexed() <= 1);
    }
}
