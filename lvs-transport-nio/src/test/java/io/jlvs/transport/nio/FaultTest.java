package io.jlvs.transport.nio;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.jlvs.transport.nio.TcpEngineTest.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Faults from clients, real servers and the environment: the director keeps serving what it can, byte-exact. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FaultTest {
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private Backend backend(final String name, final Backend.Handler h) throws IOException {
        final Backend b = new Backend(name, h);
        closeables.add(b);
        return b;
    }

    private LoadBalancer start(final LoadBalancer.Builder b) throws IOException {
        final LoadBalancer lb = b.transport(new NioTransport()).drainTimeout(Duration.ofSeconds(5)).build();
        closeables.add(() -> lb.close(Duration.ZERO));
        return lb.start();
    }

    private Socket client(final int port) throws IOException {
        final Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.setSoTimeout(20_000);
        closeables.add(s);
        return s;
    }

    static String line(final InputStream in) throws IOException {
        final StringBuilder sb = new StringBuilder();
        for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
            sb.append((char) c);
        }
        return sb.toString();
    }

    /** Reads until the peer closes; true if it ended (EOF or reset) without sending anything. */
    static boolean endsWithoutData(final Socket s) throws IOException {
        try {
            return s.getInputStream().read() == -1;
        } catch (final SocketException e) {
            return true;
        }
    }

    @Test
    void shouldKeepALiveConnectionWhenATrustedProxyHeaderRepeatsItsClient() throws Exception {
        final Backend echo = backend("echo", Backend::echo);
        final int vport = Backend.freePort();
        final LoadBalancer lb = start(LoadBalancer.builder().eventLoops(1).service(VirtualServiceConfig
            .builder(ServiceKey.tcp("127.0.0.1", vport)).option("accept-proxy", "127.0.0.0/8").build(),
            RealServerConfig.builder("127.0.0.1", echo.port()).build()));
        final Socket live = client(vport);
        final OutputStream out = live.getOutputStream();
        out.write(("PROXY TCP4 198.51.100.7 203.0.113.9 40000 " + vport + "\r\nfirst\n")
            .getBytes(StandardCharsets.US_ASCII));
        assertEquals("first", line(live.getInputStream()));
        for (int i = 0; i < 20; i++) {
            final Socket dup = client(vport);
            dup.getOutputStream().write(("PROXY TCP4 198.51.100.7 203.0.113." + (10 + i) + " 40000 " + vport
                + "\r\nsecond\n").getBytes(StandardCharsets.US_ASCII));
            assertEquals(true, endsWithoutData(dup), "the duplicate is refused");
            out.write(("still " + i + "\n").getBytes(StandardCharsets.US_ASCII));
            assertEquals("still " + i, line(live.getInputStream()));
        }
        assertEquals(20L, lb.counters().get("duplicate_connections"));
        waitFor("only the live one left", () -> lb.liveConnections() == 1);
        assertEquals(1, echo.accepted.get());
    }
}
