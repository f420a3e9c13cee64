package io.jlvs.transport.nio;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.transport.tck.UdpBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UdpEngineTest {
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private UdpBackend backend(final String name) throws IOException {
        final UdpBackend b = new UdpBackend(name);
        closeables.add(b);
        return b;
    }

    private LoadBalancer start(final int loops, final int maxFlows, final VirtualServiceConfig svc,
        final RealServerConfig... servers) throws IOException {
        final LoadBalancer.Builder b = LoadBalancer.builder().eventLoops(loops).transport(new NioTransport())
            .clock(clock::get).service(svc, servers);
        b.options().maxUdpFlows(maxFlows);
        final LoadBalancer lb = b.build();
        closeables.add(() -> lb.close(Duration.ZERO));
        return lb.start();
    }

    private DatagramSocket client(final String address) throws IOException {
        final DatagramSocket s = UdpBackend.client(InetAddress.getByName(address), 10_000);
        closeables.add(s);
        return s;
    }

    private static String ask(final DatagramSocket s, final int port, final String msg) throws IOException {
        return UdpBackend.ask(s, InetAddress.getLoopbackAddress(), port, msg);
    }

    private static RealServerConfig server(final int port) {
        return RealServerConfig.builder("127.0.0.1", port).build();
    }

    @Test
    void shouldRelayRequestsAndRepliesToTheRightClients() throws Exception {
        final UdpBackend a = backend("a");
        final UdpBackend b = backend("b");
        final int vport = Backend.freeUdpPort();
        final LoadBalancer lb = start(2, 1000, VirtualServiceConfig.builder(ServiceKey.udp("127.0.0.1", vport))
            .scheduler("rr").build(), server(a.port()), server(b.port()));
        final List<DatagramSocket> clients = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            clients.add(client("127.0.0." + (2 + i % 20)));
        }
        final Set<String> owners = new HashSet<>();
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < clients.size(); i++) {
                final String reply = ask(clients.get(i), vport, "client " + i + " round " + round);
                assertTrue(reply.endsWith(":client " + i + " round " + round), reply);
                final String owner = reply.substring(0, 1);
                if (round == 0) {
                    owners.add(i + owner);
                } else {
                    assertTrue(owners.contains(i + owner), "client " + i + " moved to " + owner);
                }
            }
        }
        final var service = lb.services().service(ServiceKey.udp("127.0.0.1", vport));
        assertEquals(40, service.stats().snapshot().conns());
        assertEquals(120, service.stats().snapshot().inPackets());
        assertEquals(120, service.stats().snapshot().outPackets());
        assertEquals(40, service.servers().get(0).inactiveConns() + service.servers().get(1).inactiveConns());
        assertEquals(0, service.servers().get(0).activeConns()); // UDP flows are always inactive
        assertEquals(40, lb.connections().size());
    }

    @Test
    void shouldExpireIdleFlowsAfterTheUdpTimeout() throws Exception {
        final UdpBackend a = backend("a");
        final int vport = Backend.freeUdpPort();
        final LoadBalancer lb = start(1, 1000, VirtualServiceConfig.builder(ServiceKey.udp("127.0.0.1", vport))
            .build(), server(a.port()));
        lb.setTimeouts(0, 0, 30);
        final DatagramSocket c = client("127.0.0.2");
        assertEquals("a:x", ask(c, vport, "x"));
        final var server = lb.services().service(ServiceKey.udp("127.0.0.1", vport)).servers().get(0);
        assertEquals(1, server.inactiveConns());
        clock.addAndGet(TimeUnit.SECONDS.toNanos(29));
        ((NioEngine) io.jlvs.core.internal.DirectorAccess.engine(lb)).awaitFullCycle(); // the loop expired what it would at +29 s
        assertEquals(1, server.inactiveConns());
        clock.addAndGet(TimeUnit.SECONDS.toNanos(1));
        TcpEngineTest.waitFor("flow expiry", () -> server.inactiveConns() == 0);
        assertEquals("a:y", ask(c, vport, "y")); // a new flow
        assertEquals(2, server.stats().snapshot().conns());
    }

    @Test
    void shouldScheduleEveryDatagramWithOnePacketScheduling() throws Exception {
        final UdpBackend a = backend("a");
        final UdpBackend b = backend("b");
        final int vport = Backend.freeUdpPort();
        final LoadBalancer lb = start(1, 1000, VirtualServiceConfig.builder(ServiceKey.udp("127.0.0.1", vport))
            .scheduler("rr").onePacket(true).build(), server(a.port()), server(b.port()));
        final DatagramSocket c = client("127.0.0.2");
        final StringBuilder seen = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            seen.append(ask(c, vport, "q" + i), 0, 1);
        }
        assertEquals("bababa", seen.toString());
        assertEquals(0, lb.connections().size()); // one-packet entries are not kept
        assertEquals(6, lb.services().service(ServiceKey.udp("127.0.0.1", vport)).stats().snapshot().conns());
    }

    @Test
    void shouldDropNewFlowsAboveTheLimit() throws Exception {
        final UdpBackend a = backend("a");
        final int vport = Backend.freeUdpPort();
        final LoadBalancer lb = start(1, 3, VirtualServiceConfig.builder(ServiceKey.udp("127.0.0.1", vport))
            .build(), server(a.port()));
        for (int i = 0; i < 3; i++) {
            assertEquals("a:hi", ask(client("127.0.0." + (2 + i)), vport, "hi"));
        }
        final DatagramSocket fourth = client("127.0.0.9");
        fourth.setSoTimeout(300);
        try {
            ask(fourth, vport, "hi");
            throw new AssertionError("the fourth flow got an answer");
        } catch (final SocketTimeoutException expected) {
            assertEquals(1L, lb.counters().get("udp_flows_dropped"));
        }
    }

    @Test
    void shouldPrefixDatagramsWithProxyV2Dgram() throws Exception {
        final UdpBackend a = backend("a");
        final int vport = Backend.freeUdpPort();
        start(1, 10, VirtualServiceConfig.builder(ServiceKey.udp("127.0.0.1", vport)).build(),
            RealServerConfig.builder("127.0.0.1", a.port()).option("proxy-protocol", "v2").build());
        final DatagramSocket c = client("127.0.0.7");
        c.send(new DatagramPacket(new byte[] {'d', 'n', 's'}, 3, InetAddress.getLoopbackAddress(), vport));
        final int cport = c.getLocalPort();
        final byte[] expected = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21, 0x12,
            0x00, 0x0C, 127, 0, 0, 7, 127, 0, 0, 1, (byte) (cport >> 8), (byte) cport, (byte) (vport >> 8),
            (byte) vport, 'd', 'n', 's'};
        assertArrayEquals(expected, a.first.get(10, TimeUnit.SECONDS));
    }

    @Test
    void shouldKeepAClientNetworkOnOneServerWithPersistence() throws Exception {
        final UdpBackend a = backend("a");
        final UdpBackend b = backend("b");
        final int vport = Backend.freeUdpPort();
        start(2, 1000, VirtualServiceConfig.builder(ServiceKey.udp("127.0.0.1", vport)).scheduler("rr")
            .persistent(300).prefixLength(24).build(), server(a.port()), server(b.port()));
        final String first = ask(client("127.0.0.2"), vport, "x").substring(0, 1);
        for (int i = 3; i < 12; i++) {
            assertEquals(first, ask(client("127.0.0." + i), vport, "x").substring(0, 1));
        }
        final String other = ask(client("127.0.1.2"), vport, "x").substring(0, 1);
        assertTrue(!other.equals(first), "another /24 is scheduled anew (rr moves on)");
    }

    @Test
    void shouldCountPortUnreachableLikeAFailedConnect() throws Exception {
        // a UDP socket that holds the port but is connected elsewhere: the kernel matches no socket for the
        // director's datagrams and answers them with ICMP port unreachable, and no other test can take the port
        final DatagramSocket holder = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        closeables.add(holder);
        holder.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.3"), 9));
        final int dead = holder.getLocalPort();
        final int vport = Backend.freeUdpPort();
        final LoadBalancer lb = start(1, 10, VirtualServiceConfig.builder(ServiceKey.udp("127.0.0.1", vport))
            .build(), server(dead));
        final DatagramSocket c = client("127.0.0.2");
        final byte[] m = {1};
        TcpEngineTest.waitFor("port unreachable", () -> {
            try {
                c.send(new DatagramPacket(m, 1, InetAddress.getLoopbackAddress(), vport));
                Thread.sleep(20);
            } catch (final IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return lb.counters().get("udp_port_unreachable") >= 1;
        });
        // the flow that met the unreachable port is gone: the next datagram opens (and counts) a new one
        final long before = lb.services().service(ServiceKey.udp("127.0.0.1", vport)).stats().snapshot().conns();
        c.send(new DatagramPacket(m, 1, InetAddress.getLoopbackAddress(), vport));
        TcpEngineTest.waitFor("a new flow", () -> lb.services().service(ServiceKey.udp("127.0.0.1", vport)).stats()
            .snapshot().conns() > before);
    }
}
