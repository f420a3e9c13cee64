package io.jlvs.transport.epoll;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The epoll engine's event loop allocates nothing per relayed request once compiled: 1 KiB request/response round
 * trips through a director on loopback (to a real echo server), the loop thread's allocation counter read around
 * rounds of 2,000 round trips. Early rounds run interpreted and may allocate; the test passes when one round
 * allocates nothing on the loop thread, and fails if none does before its deadline. Every echoed byte is checked.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class EngineAllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void relayingRequestsAllocatesNothingOnTheLoopThread() throws Exception {
        final InetAddress lo = InetAddress.getLoopbackAddress();
        try (ServerSocket echo = new ServerSocket(0, 8, lo)) {
            final Thread server = new Thread(() -> {
                try (Socket s = echo.accept()) {
                    final InputStream in = s.getInputStream();
                    final OutputStream out = s.getOutputStream();
                    final byte[] buf = new byte[8192];
                    for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                        out.write(buf, 0, n);
                    }
                } catch (final IOException ignored) {
                    // the test ended
                }
            }, "echo");
            server.setDaemon(true);
            server.start();
            final int vport;
            try (ServerSocket probe = new ServerSocket(0, 1, lo)) {
                vport = probe.getLocalPort();
            }
            try (LoadBalancer lb = LoadBalancer.builder().transport(new EpollTransport()).eventLoops(1)
                .service(VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", vport)).scheduler("rr").build(),
                    RealServerConfig.builder("127.0.0.1", echo.getLocalPort()).build())
                .build().start();
                 Socket c = new Socket(lo, vport)) {
                c.setTcpNoDelay(true);
                final long loop = loopThreadId();
                final OutputStream out = c.getOutputStream();
                final DataInputStream in = new DataInputStream(c.getInputStream());
                final byte[] req = new byte[1024];
                new Random(7).nextBytes(req);
                final byte[] resp = new byte[1024];
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
                long last = -1;
                int rounds = 0;
                while (System.nanoTime() - deadline < 0) {
                    final long before = THREADS.getThreadAllocatedBytes(loop);
                    for (int i = 0; i < 2000; i++) {
                        out.write(req);
                        in.readFully(resp);
                    }
                    last = THREADS.getThreadAllocatedBytes(loop) - before;
                    rounds++;
                    assertArrayEquals(req, resp, "echoed bytes");
                    if (last == 0) {
                        assertEquals(1, lb.liveConnections());
                        return;
                    }
                }
                fail("the loop thread still allocated " + last + " bytes per 2,000 round trips after " + rounds
                    + " rounds");
            }
        }
    }

    private static long loopThreadId() {
        final Thread[] all = new Thread[Thread.activeCount() + 16];
        final int n = Thread.enumerate(all);
        long id = -1;
        for (final Thread t : Arrays.copyOf(all, n)) {
            if (t.getName().equals("jlvs-epoll-loop-0")) {
                id = Math.max(id, t.threadId()); // the newest, should a director of another test still end
            }
        }
        if (id < 0) {
            throw new AssertionError("no thread jlvs-epoll-loop-0");
        }
        return id;
    }
}
