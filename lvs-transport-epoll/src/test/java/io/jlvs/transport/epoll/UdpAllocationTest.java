package io.jlvs.transport.epoll;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The epoll engine's UDP path allocates nothing per datagram once compiled: 512-byte request/reply round trips
 * through a director on loopback to a real UDP echo server, the loop thread's allocation counter read around rounds
 * of 2,000 round trips. Early rounds run interpreted and may allocate; a test passes when one round allocates
 * nothing on the loop thread and fails if none does before its deadline. Every echoed byte is checked (with the
 * PROXY v2 header the server echoes in front of the payload where one is configured). The IPv6 case has clients on
 * {@code ::1} (the service and the real server on {@code ::1} too).
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class UdpAllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final InetAddress LO = InetAddress.getLoopbackAddress();

    @Test
    void relayingDatagramsOfFourFlowsAllocatesNothingOnTheLoopThread() throws Exception {
        run(4, UnaryOperator.identity(), false, LO);
    }

    @Test
    void relayingDatagramsOfFourIpv6FlowsAllocatesNothingOnTheLoopThread() throws Exception {
        // an IPv6 client's datagram finds its flow by the raw source address: no Java address per datagram
        run(4, UnaryOperator.identity(), false, InetAddress.getByName("::1"));
    }

    @Test
    void oneDatagramSchedulingWithProxyV2AllocatesNothingOnTheLoopThread() throws Exception {
        run(1, s -> s.onePacket(true).option("proxy-protocol", "v2"), true, LO);
    }

    @Test
    void oneDatagramSchedulingOfAnIpv6ClientAllocatesNothingOnTheLoopThread() throws Exception {
        // a one-packet datagram finds its (client, server) socket by the raw source address: no Java address
        run(1, s -> s.onePacket(true).option("proxy-protocol", "v2"), true, InetAddress.getByName("::1"));
    }

    private static void run(final int clients, final UnaryOperator<VirtualServiceConfig.Builder> svc,
        final boolean proxy, final InetAddress front) throws Exception {
        try (DatagramSocket echo = new DatagramSocket(new InetSocketAddress(front, 0))) {
            final Thread server = new Thread(() -> {
                final byte[] buf = new byte[65536];
                final DatagramPacket p = new DatagramPacket(buf, buf.length);
                while (!echo.isClosed()) {
                    try {
                        p.setData(buf);
                        echo.receive(p);
                        echo.send(p);
                    } catch (final IOException e) {
                        return;
                    }
                }
            }, "udp-echo");
            server.setDaemon(true);
            server.start();
            final int vport;
            try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(front, 0))) {
                vport = probe.getLocalPort();
            }
            final DatagramSocket[] cs = new DatagramSocket[clients];
            try (LoadBalancer lb = LoadBalancer.builder().transport(new EpollTransport()).eventLoops(1)
                .service(svc.apply(VirtualServiceConfig.builder(ServiceKey.udp(front.getHostAddress(), vport))
                    .scheduler("rr")).build(),
                    RealServerConfig.builder(front.getHostAddress(), echo.getLocalPort()).build())
                .build().start()) {
                for (int i = 0; i < clients; i++) {
                    cs[i] = new DatagramSocket(new InetSocketAddress(front, 0));
                    cs[i].setSoTimeout(10_000);
                }
                final long loop = loopThreadId();
                final byte[] req = new byte[512];
                new Random(7).nextBytes(req);
                final int headerBytes = proxy ? (front instanceof java.net.Inet6Address ? 52 : 28) : 0;
                final byte[] resp = new byte[headerBytes + req.length + 1];
                final DatagramPacket out = new DatagramPacket(req, req.length, front, vport);
                final DatagramPacket in = new DatagramPacket(resp, resp.length);
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
                long last = -1;
                int rounds = 0;
                while (System.nanoTime() - deadline < 0) {
                    final long before = THREADS.getThreadAllocatedBytes(loop);
                    for (int i = 0; i < 2000; i++) {
                        final DatagramSocket c = cs[i % clients];
                        c.send(out);
                        in.setData(resp);
                        c.receive(in);
                        assertEquals(headerBytes + req.length, in.getLength(), "reply length");
                    }
                    last = THREADS.getThreadAllocatedBytes(loop) - before;
                    rounds++;
                    assertArrayEquals(req, Arrays.copyOfRange(resp, headerBytes, headerBytes + req.length),
                        "echoed bytes");
                    if (last == 0) {
                        assertEquals(proxy ? 0 : clients, lb.connections().size(), "flows in the table");
                        return;
                    }
                }
                fail("the loop thread still allocated " + last + " bytes per 2,000 round trips after " + rounds
                    + " rounds");
            } finally {
                for (final DatagramSocket c : cs) {
                    if (c != null) {
                        c.close();
                    }
                }
            }
        }
    }

    private static long loopThreadId() {
        final Thread[] all = new Thread[Thread.activeCount() + 16];
        final int n = Thread.enumerate(all);
        long id = -1;
        for (final Thread t : Arrays.copyOf(all, n)) {
            if (t.getName().equals("jlvs-epoll-loop-0")) {
                id = Math.max(id, t.threadId());
            }
        }
        if (id < 0) {
            throw new AssertionError("no thread jlvs-epoll-loop-0");
        }
        return id;
    }
}
