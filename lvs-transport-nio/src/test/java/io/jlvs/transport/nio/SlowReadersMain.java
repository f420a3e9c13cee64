package io.jlvs.transport.nio;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.transport.Health;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Run in a child JVM with a small {@code -XX:MaxDirectMemorySize}: 200 slow readers each make the director pin a
 * large relay buffer (a backend floods them, they never read), then new clients must still be served byte-exact and
 * nothing may have died. Prints {@code OK ...} and exits 0, or prints what failed and exits 1.
 */
public final class SlowReadersMain {
    static final int SLOW = 200;
    static final int FLOOD = 2 << 20;

    private SlowReadersMain() {
    }

    /** The backend: "flood" makes it send {@link #FLOOD} bytes and wait; anything else is echoed. */
    static void serve(final Socket s, final Backend b) throws IOException {
        final InputStream in = s.getInputStream();
        final String mode = FaultTest.line(in);
        final OutputStream out = s.getOutputStream();
        if (mode.equals("flood")) {
            final byte[] chunk = new byte[64 * 1024];
            for (int sent = 0; sent < FLOOD; sent += chunk.length) {
                out.write(chunk);
            }
            while (in.read() >= 0) {
                // wait for the client to go
            }
            return;
        }
        final byte[] buf = new byte[64 * 1024];
        for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
            out.write(buf, 0, n);
        }
        s.shutdownOutput();
    }

    /**
     * Runs the scenario.
     *
     * @param args unused
     * @throws Exception on failure
     */
    public static void main(final String[] args) throws Exception {
        final Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(TimeUnit.SECONDS.toMillis(100));
                System.out.println("FAIL: watchdog");
                System.exit(2);
            } catch (final InterruptedException e) {
                // done
            }
        });
        watchdog.setDaemon(true);
        watchdog.start();
        final List<Socket> slow = new ArrayList<>();
        try (Backend backend = new Backend("flood", SlowReadersMain::serve)) {
            final int vport = Backend.freePort();
            // big socket receive buffers let a read fill a large (512 KiB) relay buffer, as on a fast network
            final LoadBalancer.Builder b = LoadBalancer.builder().eventLoops(2).transport(new NioTransport())
                .connectTimeout(Duration.ofSeconds(10));
            b.options().receiveBufferSize(1 << 20).sendBufferSize(64 * 1024);
            final LoadBalancer started = b.service(VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", vport))
                .build(), RealServerConfig.builder("127.0.0.1", backend.port()).build()).build().start();
            final NioEngine engine = (NioEngine) io.jlvs.core.internal.DirectorAccess.engine(started);
            final long budget = started.counters().get("relay_budget_bytes");
            for (int i = 0; i < SLOW; i++) {
                final Socket s = new Socket();
                s.setReceiveBufferSize(8 * 1024);
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), vport));
                s.getOutputStream().write("flood\n".getBytes(StandardCharsets.US_ASCII));
                slow.add(s);
            }
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int pinned = engine.buffersInFlight();
            while (pinned < SLOW && System.nanoTime() - deadline < 0) {
                Thread.sleep(20);
                pinned = engine.buffersInFlight();
            }
            if (pinned < SLOW) {
                fail("only " + pinned + " buffers pinned by " + SLOW + " slow readers: " + started.counters());
            }
            final Random r = new Random(7);
            for (int i = 0; i < 20; i++) {
                final byte[] payload = new byte[256 * 1024 + i];
                r.nextBytes(payload);
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), vport)) {
                    s.setSoTimeout(30_000);
                    final InputStream in = s.getInputStream();
                    final CompletableFuture<byte[]> back = CompletableFuture.supplyAsync(() -> {
                        try {
                            final ByteArrayOutputStream o = new ByteArrayOutputStream();
                            in.transferTo(o);
                            return o.toByteArray();
                        } catch (final IOException e) {
                            throw new IllegalStateException(e);
                        }
                    });
                    final OutputStream out = s.getOutputStream();
                    out.write("echo\n".getBytes(StandardCharsets.US_ASCII));
                    out.write(payload);
                    s.shutdownOutput();
                    final byte[] got = back.get(30, TimeUnit.SECONDS);
                    if (!Arrays.equals(payload, got)) {
                        fail("client " + i + ": " + got.length + " bytes back of " + payload.length + ", not equal");
                    }
                }
            }
            final Map<String, Long> c = started.counters();
            final Health h = started.health();
            if (!h.healthy()) {
                fail("unhealthy: " + h);
            }
            if (c.get("handler_errors") != 0 || c.get("loop_restarts") != 0 || c.get("buffer_allocation_failures") != 0) {
                fail("errors: " + c);
            }
            if (c.get("relay_reserved_bytes") > budget) {
                fail("budget exceeded: " + c);
            }
            // the last echo client has read its EOF, but the director may still be closing that connection: its
            // count falls once the loop has finished both directions, so wait for it (bounded) before judging
            final long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (started.liveConnections() != SLOW && System.nanoTime() - settle < 0) {
                Thread.sleep(10);
            }
            if (started.liveConnections() != SLOW) {
                fail(started.liveConnections() + " live connections, expected the " + SLOW + " slow readers");
            }
            System.out.println("OK budget=" + budget + " reserved=" + c.get("relay_reserved_bytes") + " pinned="
                + pinned + " waits=" + c.get("buffer_waits") + " refusals=" + c.get("buffer_refusals"));
            for (final Socket s : slow) {
                s.close();
            }
            started.close(Duration.ZERO);
            System.exit(0);
        } catch (final Throwable e) {
            e.printStackTrace(System.out);
            fail(String.valueOf(e));
        }
    }

    private static void fail(final String why) {
        System.out.println("FAIL: " + why);
        System.exit(1);
    }
}
