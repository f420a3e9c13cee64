package io.jlvs.transport.epoll;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The {@code auto} transport choice with both transports on the class path (NIO is a test dependency here) in a JVM
 * with native access enabled: epoll for TCP services, for UDP services and for both together (epoll carries both),
 * and NIO when asked for by name.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AutoChoiceTest {
    private static final InetAddress LO = InetAddress.getLoopbackAddress();

    private static int freeTcpPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, LO)) {
            return s.getLocalPort();
        }
    }

    private static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, LO)) {
            return s.getLocalPort();
        }
    }

    private static String engineOf(final LoadBalancer.Builder b) throws IOException {
        try (LoadBalancer lb = b.eventLoops(1).build().start()) {
            return io.jlvs.core.internal.DirectorAccess.engine(lb).getClass().getSimpleName();
        }
    }

    @Test
    void autoTakesEpollForTcpAndUdpAndNioOnlyWhenNioIsNamed() throws IOException {
        assertNull(new EpollTransport().unavailableReason(), "the test JVM runs with native access enabled");
        final RealServerConfig rs = RealServerConfig.builder("127.0.0.1", 9).build();
        assertEquals("EpollEngine", engineOf(LoadBalancer.builder()
            .service(VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", freeTcpPort())).build(), rs)));
        assertEquals("EpollEngine", engineOf(LoadBalancer.builder().transport("auto")
            .service(VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", freeTcpPort())).build(), rs)));
        assertEquals("EpollEngine", engineOf(LoadBalancer.builder()
            .service(VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", freeTcpPort())).build(), rs)
            .service(VirtualServiceConfig.builder(ServiceKey.udp("127.0.0.1", freeUdpPort())).build(), rs)));
        assertEquals("EpollEngine", engineOf(LoadBalancer.builder().transport("auto")
            .service(VirtualServiceConfig.builder(ServiceKey.udp("127.0.0.1", freeUdpPort())).build(), rs)));
        assertEquals("NioEngine", engineOf(LoadBalancer.builder().transport("nio")
            .service(VirtualServiceConfig.builder(ServiceKey.udp("127.0.0.1", freeUdpPort())).build(), rs)));
        assertEquals("NioEngine", engineOf(LoadBalancer.builder().transport("nio")
            .service(VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", freeTcpPort())).build(), rs)));
    }
}
