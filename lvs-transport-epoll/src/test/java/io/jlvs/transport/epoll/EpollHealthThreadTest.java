package io.jlvs.transport.epoll;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.transport.Health;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The epoll engine's health thread: a duty cycle that fails for good ends that thread only; {@code health()} names it
 * and says what it means, and the event loops go on relaying.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EpollHealthThreadTest {
    @Test
    void aDeadHealthThreadIsReportedAndRelayingGoesOn() throws Exception {
        try (ServerSocket backend = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            final Thread server = new Thread(() -> {
                while (!backend.isClosed()) {
                    try (Socket s = backend.accept()) {
                        s.getOutputStream().write("a\n".getBytes(StandardCharsets.US_ASCII));
                        s.getInputStream().read();
                    } catch (final IOException e) {
                        return; // closed
                    }
                }
            }, "test-backend");
            server.setDaemon(true);
            server.start();
            final int vport;
            try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                vport = free.getLocalPort();
            }
            final LoadBalancer lb = LoadBalancer.builder().eventLoops(1).transport(new EpollTransport())
                .service(VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", vport)).option("check", "tcp")
                    .build(), RealServerConfig.builder("127.0.0.1", backend.getLocalPort()).build()).build();
            try {
                lb.start();
                assertEquals("a", line(vport));
                final EpollHealth health = ((EpollEngine) io.jlvs.core.internal.DirectorAccess.engine(lb)).healthChecks();
                assertTrue(lb.health().healthy(), lb.health().toString());
                health.dutyHook = () -> {
                    throw new StackOverflowError("for good (test)");
                };
                await("the health thread died").atMost(Duration.ofSeconds(30)).until(() -> !lb.health().healthy());
                final Health h = lb.health();
                assertEquals(1, h.problems().size(), h.toString());
                assertTrue(h.problems().get(0).startsWith("jlvs-epoll-health died: java.lang.StackOverflowError: for "
                    + "good (test)"), h.toString());
                assertTrue(h.problems().get(0).contains("health checks have stopped"), h.toString());
                assertEquals("a", line(vport), "still relaying");
            } finally {
                lb.close(Duration.ZERO);
            }
        }
    }

    private static String line(final int port) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(20_000);
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
                .readLine();
        }
    }
}
