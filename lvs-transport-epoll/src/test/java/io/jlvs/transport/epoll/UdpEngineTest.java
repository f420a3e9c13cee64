package io.jlvs.transport.epoll;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.transport.tck.UdpBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
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

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the conformance suite does not reach in the epoll transport's UDP path: the smallest batch (one datagram per
 * call, so every read and every reply flush runs at its limit), IPv6 flows (the Java-address path and a 52-byte PROXY
 * v2 header in the batch's prefix area), removing a UDP service at run time, and the batch setting's validation.
 * Real sockets on loopback; waits are bounded polls on conditions.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UdpEngineTest {
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private UdpBackend backend(final String name, final InetAddress at) throws IOException {
        final UdpBackend b = new UdpBackend(name, at);
        closeables.add(b);
        return b;
    }

    private static int freeUdpPort(final InetAddress at) throws IOException {
        return UdpBackend.freePort(at);
    }

    private LoadBalancer start(final EpollTransport t, final VirtualServiceConfig svc, final RealServerConfig... rs)
        throws IOException {
        final LoadBalancer lb = LoadBalancer.builder().transport(t).eventLoops(1).service(svc, rs).build();
        closeables.add(() -> lb.close(Duration.ZERO));
        return lb.start();
    }

    private DatagramSocket client(final InetAddress at) throws IOException {
        final DatagramSocket s = UdpBackend.client(at, 10_000);
        closeables.add(s);
        return s;
    }

    private static String ask(final DatagramSocket s, final InetAddress to, final int port, final String msg)
        throws IOException {
        return UdpBackend.ask(s, to, port, msg);
    }

    private static void waitFor(final String what, final BooleanSupplier condition) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void aBatchOfOneRelaysBurstsOfTwoInterleavedClientsInOrder() throws Exception {
        final InetAddress lo = InetAddress.getLoopbackAddress();
        final UdpBackend a = backend("a", lo);
        final int vport = freeUdpPort(lo);
        final LoadBalancer lb = start(new EpollTransport(1), VirtualServiceConfig.builder(
            ServiceKey.udp("127.0.0.1", vport)).build(), RealServerConfig.builder("127.0.0.1", a.port()).build());
        final DatagramSocket c1 = client(InetAddress.getByName("127.0.0.2"));
        final DatagramSocket c2 = client(InetAddress.getByName("127.0.0.3"));
        for (int i = 0; i < 50; i++) {
            for (final DatagramSocket c : List.of(c1, c2)) {
                final byte[] m = ("#" + i).getBytes(StandardCharsets.ISO_8859_1);
                c.send(new DatagramPacket(m, m.length, lo, vport));
            }
        }
        final byte[] buf = new byte[64];
        for (final DatagramSocket c : List.of(c1, c2)) {
            for (int i = 0; i < 50; i++) {
                final DatagramPacket p = new DatagramPacket(buf, buf.length);
                c.receive(p);
                assertEquals("a:#" + i, new String(buf, 0, p.getLength(), StandardCharsets.ISO_8859_1));
            }
        }
        final var stats = lb.services().service(ServiceKey.udp("127.0.0.1", vport)).stats().snapshot();
        assertEquals(2, stats.conns());
        assertEquals(100, stats.inPackets());
        waitFor("100 replies counted", () -> lb.services().service(ServiceKey.udp("127.0.0.1", vport)).stats()
            .snapshot().outPackets() == 100);
    }

    @Test
    void ipv6FlowsGetAProxyV2HeaderOf52BytesAndRepliesFindTheirClients() throws Exception {
        final InetAddress six;
        try {
            six = InetAddress.getByName("::1");
            new DatagramSocket(new InetSocketAddress(six, 0)).close();
        } catch (final IOException e) {
            Assumptions.abort("no IPv6 loopback here: " + e.getMessage());
            return;
        }
        final UdpBackend a = backend("a", six);
        final UdpBackend b = backend("b", six);
        final int vport = freeUdpPort(six);
        final LoadBalancer lb = start(new EpollTransport(), VirtualServiceConfig.builder(ServiceKey.udp("::1", vport))
            .scheduler("rr").option("proxy-protocol", "v2").build(), RealServerConfig.builder("::1", a.port()).build(),
            RealServerConfig.builder("::1", b.port()).build());
        final List<DatagramSocket> clients = new ArrayList<>();
        final List<String> owners = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            clients.add(client(six));
        }
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < clients.size(); i++) {
                final String reply = ask(clients.get(i), six, vport, "q" + i);
                assertTrue(reply.endsWith("q" + i), reply);
                assertEquals(2 + 52 + 2, reply.length(), "name, colon, a 52-byte header and the payload: " + reply);
                if (round == 0) {
                    owners.add(reply.substring(0, 1));
                } else {
                    assertEquals(owners.get(i), reply.substring(0, 1), "client " + i + " moved");
                }
            }
        }
        assertEquals(List.of("b", "a", "b", "a"), owners, "rr over four flows (it starts after the last server)");
        final int cport = clients.get(1).getLocalPort(); // the first client a served
        final byte[] h = a.first.get(10, TimeUnit.SECONDS);
        final byte[] expected = new byte[52 + 2];
        System.arraycopy(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21,
            0x22, 0x00, 0x24}, 0, expected, 0, 16);
        expected[31] = 1; // source ::1
        expected[47] = 1; // destination ::1
        expected[48] = (byte) (cport >> 8);
        expected[49] = (byte) cport;
        expected[50] = (byte) (vport >> 8);
        expected[51] = (byte) vport;
        expected[52] = 'q';
        expected[53] = '1';
        assertArrayEquals(expected, h, "PROXY v2, INET6/DGRAM (0x22), 36 address bytes, then the payload");
        assertEquals(4, lb.connections().size());
    }

    @Test
    void removingAUdpServiceClosesItsSocketsAndFlows() throws Exception {
        final InetAddress lo = InetAddress.getLoopbackAddress();
        final UdpBackend a = backend("a", lo);
        final int vport = freeUdpPort(lo);
        final ServiceKey key = ServiceKey.udp("127.0.0.1", vport);
        final LoadBalancer lb = start(new EpollTransport(), VirtualServiceConfig.builder(key).build(),
            RealServerConfig.builder("127.0.0.1", a.port()).build());
        final DatagramSocket c = client(InetAddress.getByName("127.0.0.2"));
        assertEquals("a:x", ask(c, lo, vport, "x"));
        assertEquals(1, lb.connections().size());
        lb.deleteService(key);
        waitFor("the virtual port free again", () -> {
            try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(lo, vport))) {
                return s.getLocalPort() == vport;
            } catch (final IOException e) {
                return false;
            }
        });
        assertTrue(lb.connections().isEmpty(), "the flow left with its service");
        assertFalse(lb.listening().contains(new InetSocketAddress(lo, vport)));
        lb.addService(VirtualServiceConfig.builder(key).build());
        lb.addServer(key, RealServerConfig.builder("127.0.0.1", a.port()).build());
        assertEquals("a:y", ask(c, lo, vport, "y"), "the service added again serves the same client");
    }

    @Test
    void theUdpBatchIsValidatedWithTheValueAndTheExpectedRange() {
        assertEquals(32, new EpollTransport().udpBatch());
        assertEquals(1024, new EpollTransport(1024).udpBatch());
        assertEquals("udpBatch: 0 (expected: 1-1024)",
            assertThrows(IllegalArgumentException.class, () -> new EpollTransport(0)).getMessage());
        assertEquals("udpBatch: 1025 (expected: 1-1024)",
            assertThrows(IllegalArgumentException.class, () -> new EpollTransport(1025)).getMessage());
        assertEquals(64, EpollTransport.batchFromProperty(" 64 "));
        assertEquals(32, EpollTransport.batchFromProperty(null));
        assertEquals("-Djlvs.epoll.udpBatch=lots: expected a number of datagrams from 1 to 1024",
            assertThrows(IllegalArgumentException.class, () -> EpollTransport.batchFromProperty("lots"))
                .getMessage());
        assertEquals("-Djlvs.epoll.udpBatch=0: expected a number of datagrams from 1 to 1024",
            assertThrows(IllegalArgumentException.class, () -> EpollTransport.batchFromProperty("0")).getMessage());
    }
}
