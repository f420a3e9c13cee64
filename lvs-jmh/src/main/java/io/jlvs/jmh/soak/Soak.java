package io.jlvs.jmh.soak;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Holds mixed traffic through one JLVS director (two event loops) for a number of minutes and prints, every
 * interval, the process's open descriptors, heap in use, direct memory, live connections, the traffic done and every
 * error seen. Traffic: keep-alive request/response clients, clients that connect, ask once and close, bulk
 * downloads checked byte by byte, UDP echo, and slow readers of an endless stream. The backend runs in the same
 * process (blocking sockets, a thread per connection), so the descriptor count includes its sockets and the
 * clients': what matters is that it stays flat.
 *
 * <p>Usage: {@code Soak [minutes (30)] [report interval seconds (60)]}. Exit status 1 if any error was seen.
 */
public final class Soak {
    private static final AtomicLong RR = new AtomicLong();
    private static final AtomicLong SHORT = new AtomicLong();
    private static final AtomicLong BULK_BYTES = new AtomicLong();
    private static final AtomicLong UDP = new AtomicLong();
    private static final AtomicLong SLOW_BYTES = new AtomicLong();
    private static final AtomicLong ERRORS = new AtomicLong();
    private static volatile String lastError = "-";
    private static volatile boolean running = true;

    private Soak() {
    }

    /**
     * Runs the soak.
     *
     * @param args minutes, report interval in seconds
     * @throws Exception on a setup failure
     */
    public static void main(final String[] args) throws Exception {
        final int minutes = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        final int interval = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        final InetAddress lo = InetAddress.getLoopbackAddress();
        final ServerSocket backend = new ServerSocket(0, 1024, lo);
        daemon("backend", () -> acceptLoop(backend));
        final DatagramSocket udpBackend = new DatagramSocket(0, lo);
        daemon("udp-backend", () -> udpEcho(udpBackend));
        final int tcpVip = freePort();
        final int udpVip = freePort();
        final LoadBalancer lb = LoadBalancer.builder().eventLoops(2).drainTimeout(Duration.ofSeconds(1))
            .service(VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", tcpVip)).scheduler("wlc").build(),
                RealServerConfig.builder("127.0.0.1", backend.getLocalPort()).build())
            .service(VirtualServiceConfig.builder(ServiceKey.udp("127.0.0.1", udpVip)).scheduler("rr").build(),
                RealServerConfig.builder("127.0.0.1", udpBackend.getLocalPort()).build())
            .build().start();
        for (int i = 0; i < 50; i++) {
            daemon("rr-" + i, () -> keepAlive(tcpVip));
        }
        for (int i = 0; i < 4; i++) {
            daemon("short-" + i, () -> shortLived(tcpVip));
        }
        for (int i = 0; i < 2; i++) {
            final int seed = i;
            daemon("bulk-" + i, () -> bulk(tcpVip, seed));
        }
        daemon("udp", () -> udpClient(udpVip));
        for (int i = 0; i < 5; i++) {
            daemon("slow-" + i, () -> slowReader(tcpVip));
        }
        System.out.println("soak: " + minutes + " min, report every " + interval + " s, TCP VIP 127.0.0.1:" + tcpVip
            + ", UDP VIP 127.0.0.1:" + udpVip + ", " + Runtime.version());
        final long start = System.nanoTime();
        final long end = start + TimeUnit.MINUTES.toNanos(minutes);
        long next = start + TimeUnit.SECONDS.toNanos(interval);
        int n = 0;
        while (System.nanoTime() - end < 0) {
            final long wait = Math.min(next, end) - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            if (System.nanoTime() - next >= 0) {
                report(++n * interval, lb);
                next += TimeUnit.SECONDS.toNanos(interval);
            }
        }
        running = false;
        report(-1, lb);
        lb.close(Duration.ofSeconds(1));
        System.exit(ERRORS.get() == 0 ? 0 : 1);
    }

    private static void report(final int seconds, final LoadBalancer lb) {
        final String[] fds = new File("/proc/self/fd").list();
        final long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long direct = 0;
        long directCount = 0;
        for (final BufferPoolMXBean p : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (p.getName().equals("direct")) {
                direct = p.getMemoryUsed();
                directCount = p.getCount();
            }
        }
        final Map<String, Long> c = lb.counters();
        System.out.printf("%s fds=%s heap=%dMiB direct=%dMiB(%d buffers) live=%d rr=%d short=%d bulkMiB=%d udp=%d "
                + "slowKiB=%d errors=%d handler_errors=%d resets=%d budget_reserved=%dMiB health=%s last_error=%s%n",
            seconds < 0 ? "end" : "t=" + seconds + "s", fds == null ? "?" : String.valueOf(fds.length), heap >> 20,
            direct >> 20, directCount, lb.liveConnections(), RR.get(), SHORT.get(), BULK_BYTES.get() >> 20,
            UDP.get(), SLOW_BYTES.get() >> 10, ERRORS.get(), c.get("handler_errors"), c.get("resets"),
            c.getOrDefault("relay_reserved_bytes", 0L) >> 20, lb.health().healthy() ? "ok" : lb.health().problems(),
            lastError);
        System.out.flush();
    }

    private interface Body {
        void run() throws Exception;
    }

    private static void daemon(final String name, final Body body) {
        final Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (final Exception e) {
                if (running) {
                    error(name + ": " + e);
                }
            }
        }, "soak-" + name);
        t.setDaemon(true);
        t.start();
    }

    private static void error(final String what) {
        ERRORS.incrementAndGet();
        lastError = what;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String line(final InputStream in) throws IOException {
        final StringBuilder sb = new StringBuilder();
        for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
            sb.append((char) c);
        }
        return sb.toString();
    }

    private static byte at(final long i) {
        return (byte) (i * 131 >>> 5);
    }

    /* the backend: "rr" echoes lines, "bulk N" sends N pattern bytes and closes, "flood" streams until the end */
    private static void acceptLoop(final ServerSocket server) throws IOException {
        while (true) {
            final Socket s = server.accept();
            daemon("conn", () -> {
                try (Socket c = s) {
                    final InputStream in = c.getInputStream();
                    final OutputStream out = c.getOutputStream();
                    final String mode = line(in);
                    if (mode.equals("rr")) {
                        for (String l = line(in); !l.isEmpty(); l = line(in)) {
                            out.write((l + "\n").getBytes(StandardCharsets.US_ASCII));
                        }
                    } else if (mode.startsWith("bulk ")) {
                        final long n = Long.parseLong(mode.substring(5));
                        final byte[] chunk = new byte[64 * 1024];
                        for (long sent = 0; sent < n; sent += chunk.length) {
                            for (int j = 0; j < chunk.length; j++) {
                                chunk[j] = at(sent + j);
                            }
                            out.write(chunk, 0, (int) Math.min(chunk.length, n - sent));
                        }
                    } else if (mode.equals("flood")) {
                        final byte[] chunk = new byte[16 * 1024];
                        while (running) {
                            out.write(chunk);
                        }
                    }
                } catch (final IOException e) {
                    // the client went away: the client side decides whether that was an error
                }
            });
        }
    }

    private static void udpEcho(final DatagramSocket s) throws IOException {
        final byte[] buf = new byte[2048];
        while (true) {
            final DatagramPacket p = new DatagramPacket(buf, buf.length);
            s.receive(p);
            s.send(new DatagramPacket(p.getData(), p.getLength(), p.getSocketAddress()));
        }
    }

    private static Socket connect(final int port) throws IOException {
        final Socket s = new Socket();
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
        s.setSoTimeout(30_000);
        return s;
    }

    private static void keepAlive(final int port) throws Exception {
        final Random r = new Random();
        while (running) {
            try (Socket s = connect(port)) {
                final OutputStream out = s.getOutputStream();
                final InputStream in = s.getInputStream();
                out.write("rr\n".getBytes(StandardCharsets.US_ASCII));
                final int requests = 100 + r.nextInt(1000);
                for (int i = 0; i < requests && running; i++) {
                    final String msg = "request " + i + " " + r.nextLong();
                    out.write((msg + "\n").getBytes(StandardCharsets.US_ASCII));
                    final String back = line(in);
                    if (!back.equals(msg)) {
                        error("rr answer '" + back + "' for '" + msg + "'");
                    }
                    RR.incrementAndGet();
                    Thread.sleep(r.nextInt(20));
                }
                out.write("\n".getBytes(StandardCharsets.US_ASCII));
            }
        }
    }

    private static void shortLived(final int port) throws Exception {
        while (running) {
            try (Socket s = connect(port)) {
                s.getOutputStream().write("rr\nonce\n\n".getBytes(StandardCharsets.US_ASCII));
                final String back = line(s.getInputStream());
                if (!back.equals("once")) {
                    error("short answer '" + back + "'");
                }
                SHORT.incrementAndGet();
            }
            Thread.sleep(2);
        }
    }

    private static void bulk(final int port, final int seed) throws Exception {
        final Random r = new Random(seed);
        final byte[] buf = new byte[32 * 1024];
        while (running) {
            final long n = 1 + r.nextInt(16 << 20);
            try (Socket s = connect(port)) {
                s.getOutputStream().write(("bulk " + n + "\n").getBytes(StandardCharsets.US_ASCII));
                final InputStream in = s.getInputStream();
                long pos = 0;
                for (int k = in.read(buf); k >= 0; k = in.read(buf)) {
                    for (int j = 0; j < k; j++, pos++) {
                        if (buf[j] != at(pos)) {
                            error("bulk byte " + pos + " of " + n + " differs");
                            return;
                        }
                    }
                }
                if (pos != n) {
                    error("bulk got " + pos + " of " + n + " bytes");
                }
                BULK_BYTES.addAndGet(pos);
            }
        }
    }

    private static void udpClient(final int port) throws Exception {
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(2000);
            final InetSocketAddress vip = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
            final Random r = new Random();
            final byte[] in = new byte[2048];
            int lost = 0;
            while (running) {
                final byte[] msg = new byte[1 + r.nextInt(1400)];
                r.nextBytes(msg);
                s.send(new DatagramPacket(msg, msg.length, vip));
                final DatagramPacket p = new DatagramPacket(in, in.length);
                try {
                    s.receive(p);
                    if (!Arrays.equals(msg, Arrays.copyOf(p.getData(), p.getLength()))) {
                        error("udp echo differs");
                    }
                    UDP.incrementAndGet();
                } catch (final SocketTimeoutException e) {
                    if (++lost > 10) {
                        error("udp: more than 10 datagrams lost");
                        lost = 0;
                    }
                }
                Thread.sleep(1);
            }
        }
    }

    private static void slowReader(final int port) throws Exception {
        final byte[] buf = new byte[1024];
        while (running) {
            try (Socket s = connect(port)) {
                s.getOutputStream().write("flood\n".getBytes(StandardCharsets.US_ASCII));
                final InputStream in = s.getInputStream();
                for (int i = 0; i < 600 && running; i++) {
                    final int k = in.read(buf);
                    if (k < 0) {
                        error("slow reader: stream ended");
                        break;
                    }
                    SLOW_BYTES.addAndGet(k);
                    Thread.sleep(100);
                }
            }
        }
    }
}
