package io.jlvs.transport.nio;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.listing.ConnectionSnapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The idle timeouts beside IPVS's state timeouts ({@code --timeout-client}, {@code -server}, {@code -tunnel},
 * {@code -first-byte}) on a fake clock: nothing here depends on real time passing. Each step moves the clock, then
 * waits for a whole loop cycle ({@link NioEngine#awaitFullCycle}) before checking that nothing happened, or polls
 * with a deadline for what must happen.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class IdleTimeoutTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final Set<String> CLOSING = Set.of("FIN_WAIT", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK");
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private LoadBalancer start(final int vport, final int backend, final String... options) throws IOException {
        final VirtualServiceConfig.Builder svc = VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", vport));
        for (int i = 0; i < options.length; i += 2) {
            svc.option(options[i], options[i + 1]);
        }
        final LoadBalancer lb = LoadBalancer.builder().eventLoops(1).transport(new NioTransport()).clock(clock::get)
            .service(svc.build(), RealServerConfig.builder("127.0.0.1", backend).build()).build();
        closeables.add(() -> lb.close(Duration.ZERO));
        return lb.start();
    }

    private Backend backend(final Backend.Handler h) throws IOException {
        final Backend b = new Backend("b", h);
        closeables.add(b);
        return b;
    }

    private Socket client(final int port) throws IOException {
        final Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.setSoTimeout(20_000);
        closeables.add(s);
        return s;
    }

    private void advance(final LoadBalancer lb, final long ms) throws IOException {
        clock.addAndGet(ms * MS);
        ((NioEngine) io.jlvs.core.internal.DirectorAccess.engine(lb)).awaitFullCycle();
    }

    private static String state(final LoadBalancer lb) {
        final List<ConnectionSnapshot> rows = lb.connections();
        return rows.size() == 1 ? rows.get(0).state() : rows.toString();
    }

    private static void echoOne(final Socket s, final int b) throws IOException {
        s.getOutputStream().write(b);
        assertEquals(b, s.getInputStream().read());
    }

    @Test
    void shouldCloseASilentClientAfterTheClientTimeoutAndListItUntilItsStateExpires() throws Exception {
        final Backend echo = backend(Backend::echo);
        final int vport = Backend.freePort();
        final LoadBalancer lb = start(vport, echo.port(), "timeout-client", "1000");
        final Socket c = client(vport);
        TcpEngineTest.waitFor("established", () -> state(lb).equals("ESTABLISHED"));
        advance(lb, 999);
        assertEquals("ESTABLISHED", state(lb));
        assertEquals(0L, lb.counters().get("timeout_client"));
        advance(lb, 1);
        assertEquals(-1, c.getInputStream().read()); // a FIN, not a reset
        TcpEngineTest.waitFor("the close", () -> lb.liveConnections() == 0);
        assertEquals(1L, lb.counters().get("timeout_client"));
        assertEquals(0L, lb.counters().get("timeout_server") + lb.counters().get("timeout_tunnel")
            + lb.counters().get("timeout_first_byte"));
        assertTrue(CLOSING.contains(state(lb)), state(lb)); // still listed, in a closing state
        advance(lb, 3_600_000); // past every closing state's timeout
        TcpEngineTest.waitFor("the entry to go", () -> lb.connections().isEmpty());
    }

    @Test
    void shouldKeepAClientThatIsActiveEvery600Ms() throws Exception {
        final Backend echo = backend(Backend::echo);
        final int vport = Backend.freePort();
        final LoadBalancer lb = start(vport, echo.port(), "timeout-client", "1000");
        final Socket c = client(vport);
        for (int i = 0; i < 9; i++) { // 5.4 s of fake time
            echoOne(c, i);
            advance(lb, 600);
        }
        echoOne(c, 42);
        assertEquals(0L, lb.counters().get("timeout_client"));
        assertEquals(1, lb.liveConnections());
    }

    @Test
    void shouldGiveUpOnAServerThatNeverAnswersAfterTheFirstByteTimeout() throws Exception {
        final java.util.concurrent.CompletableFuture<Integer> got = new java.util.concurrent.CompletableFuture<>();
        final Backend mute = backend((s, self) -> { // reads the request, never answers
            final InputStream in = s.getInputStream();
            got.complete(in.read());
            while (in.read() >= 0) {
                // wait for the end
            }
        });
        final int vport = Backend.freePort();
        final LoadBalancer lb = start(vport, mute.port(), "timeout-first-byte", "1000");
        final Socket c = client(vport);
        c.getOutputStream().write('q');
        assertEquals('q', got.get(20, TimeUnit.SECONDS)); // the request went through
        advance(lb, 999);
        assertEquals(0L, lb.counters().get("timeout_first_byte"));
        advance(lb, 1);
        assertEquals(-1, c.getInputStream().read());
        TcpEngineTest.waitFor("the close", () -> lb.liveConnections() == 0);
        assertEquals(1L, lb.counters().get("timeout_first_byte"));

        // a server that answers in time: no expiry afterwards, however long it then stays quiet
        final Backend echo = backend(Backend::echo);
        final int vport2 = Backend.freePort();
        final LoadBalancer lb2 = start(vport2, echo.port(), "timeout-first-byte", "1000");
        final Socket c2 = client(vport2);
        echoOne(c2, 7);
        advance(lb2, 5000);
        echoOne(c2, 8);
        assertEquals(0L, lb2.counters().get("timeout_first_byte"));
    }

    @Test
    void shouldCloseATunnelOnlyWhenBothSidesAreSilent() throws Exception {
        final Backend echo = backend(Backend::echo);
        final int vport = Backend.freePort();
        final LoadBalancer lb = start(vport, echo.port(), "timeout-tunnel", "1000", "timeout-client", "100");
        final Socket c = client(vport);
        for (int i = 0; i < 5; i++) { // the tunnel timeout replaces the client's 100 ms once connected
            echoOne(c, i);
            advance(lb, 600);
        }
        assertEquals(0L, lb.counters().get("timeout_tunnel") + lb.counters().get("timeout_client"));
        advance(lb, 400);
        assertEquals(-1, c.getInputStream().read());
        TcpEngineTest.waitFor("the close", () -> lb.liveConnections() == 0);
        assertEquals(1L, lb.counters().get("timeout_tunnel"));
        assertEquals(0L, lb.counters().get("timeout_client"));
    }

    @Test
    void shouldCloseASilentServerSideAfterTheServerTimeout() throws Exception {
        final Backend echo = backend(Backend::echo);
        final int vport = Backend.freePort();
        final LoadBalancer lb = start(vport, echo.port(), "timeout-server", "1000");
        final Socket c = client(vport);
        echoOne(c, 1);
        advance(lb, 999);
        assertEquals(1, lb.liveConnections());
        advance(lb, 1);
        assertEquals(-1, c.getInputStream().read());
        TcpEngineTest.waitFor("the close", () -> lb.liveConnections() == 0);
        assertEquals(1L, lb.counters().get("timeout_server"));
    }

    @Test
    void shouldRefuseBadTimeoutValues() {
        for (final String bad : new String[] {"0", "10s", "-1", "86400001"}) {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", 80)).option("timeout-client", bad)
                    .build());
            assertEquals("option --timeout-client: '" + bad + "' (expected: a number 1..86400000)", e.getMessage());
        }
    }
}
