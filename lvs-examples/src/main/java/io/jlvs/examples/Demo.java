package io.jlvs.examples;

import io.jlvs.core.listing.JlvsVersion;
import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.health.HealthEvent;
import io.jlvs.core.listing.ListFormat;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.ServerList;
import io.jlvs.core.service.VirtualService;
import io.jlvs.core.stats.StatsSnapshot;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code jlvs demo}: three in-process backends behind a director (wlc, TCP health checks every 300 ms) and a load
 * client, with a live view; one backend is stopped a third of the way through and started again two thirds of the
 * way, so the view shows it leave the rotation while clients keep being served. Ends with the {@code -Ln --stats}
 * table and the connect-latency percentiles. Only loopback is used. While the view is redrawn in place (on a terminal),
 * what is logged to standard error is held and printed above the view at its next redraw.
 *
 * <p>Not thread-safe (a program).
 */
final class Demo {
    static final int DEFAULT_SECONDS = 20;
    private static final int CLIENT_THREADS = 6;
    private static final int TARGET_CONNECTIONS_PER_SECOND = 300;
    private static final int REQUESTS_PER_CONNECTION = 5;

    record Options(int seconds, boolean ansi) {
    }

    /** A line-oriented backend: answers each request line with its name and the line. */
    private static final class Backend implements AutoCloseable {
        final String name;
        final int port;
        private final ServerSocket server;
        private final ExecutorService pool;
        private final List<Socket> open = new CopyOnWriteArrayList<>();

        Backend(final String name, final int port) throws IOException {
            this.name = name;
            this.server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 512);
            this.port = server.getLocalPort();
            this.pool = Executors.newFixedThreadPool(32, r -> {
                final Thread t = new Thread(r, "demo-" + name);
                t.setDaemon(true);
                return t;
            });
            final Thread acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        final Socket s = server.accept();
                        open.add(s);
                        try {
                            pool.execute(() -> serve(s));
                        } catch (final java.util.concurrent.RejectedExecutionException stopped) {
                            open.remove(s); // accepted while the backend was being stopped
                            s.close();
                            return;
                        }
                    } catch (final IOException e) {
                        return;
                    }
                }
            }, "demo-" + name + "-accept");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private void serve(final Socket s) {
            try (s) {
                final BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                    StandardCharsets.US_ASCII));
                final OutputStream out = s.getOutputStream();
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    out.write((name + " " + line + "\n").getBytes(StandardCharsets.US_ASCII));
                }
            } catch (final IOException ignored) {
                // the client left, or the backend was stopped
            } finally {
                open.remove(s);
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (final Socket s : open) {
                s.close();
            }
            pool.shutdownNow();
        }
    }

    private Demo() {
    }

    static int run(final Options o, final PrintStream out) {
        final List<HealthEvent> events = new CopyOnWriteArrayList<>();
        final Backend[] backends = new Backend[3];
        LoadBalancer lb = null;
        try {
            for (int i = 0; i < 3; i++) {
                backends[i] = new Backend("web-" + (i + 1), 0);
            }
            final int vport;
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                vport = probe.getLocalPort();
            }
            final ServiceKey key = ServiceKey.tcp("127.0.0.1", vport);
            final LoadBalancer.Builder b = LoadBalancer.builder().eventLoops(2).drainTimeout(Duration.ofSeconds(2))
                .healthListener(events::add);
            b.service(VirtualServiceConfig.builder(key).scheduler("wlc").option("check", "tcp")
                .option("check-interval", "300").option("check-timeout", "300").option("rise", "2")
                .option("fall", "2").build(),
                RealServerConfig.builder("127.0.0.1", backends[0].port).weight(1).build(),
                RealServerConfig.builder("127.0.0.1", backends[1].port).weight(1).build(),
                RealServerConfig.builder("127.0.0.1", backends[2].port).weight(2).build());
            lb = b.build().start();
            return drive(o, out, lb, key, backends, events);
        } catch (final IOException e) {
            out.println("demo: " + e.getMessage());
            return 1;
        } finally {
            if (lb != null) {
                lb.close(Duration.ofSeconds(2));
            }
            for (final Backend be : backends) {
                if (be != null) {
                    try {
                        be.close();
                    } catch (final IOException ignored) {
                        // closing
                    }
                }
            }
        }
    }

    private static int drive(final Options o, final PrintStream out, final LoadBalancer lb, final ServiceKey key,
        final Backend[] backends, final List<HealthEvent> events) throws IOException {
        out.println("JLVS " + JlvsVersion.version() + " demo: director " + key + " (wlc, TCP health checks every "
            + "300 ms) in front of " + names(backends) + "; load client with " + CLIENT_THREADS + " threads");
        final Recorder connectLatency = new Recorder(TimeUnit.SECONDS.toMicros(10), 3);
        final Histogram total = new Histogram(TimeUnit.SECONDS.toMicros(10), 3);
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong served = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final List<Thread> clients = new ArrayList<>();
        final long periodNs = TimeUnit.SECONDS.toNanos(1) * CLIENT_THREADS / TARGET_CONNECTIONS_PER_SECOND;
        for (int t = 0; t < CLIENT_THREADS; t++) {
            final Thread th = new Thread(() -> {
                long next = System.nanoTime();
                while (!stop.get()) {
                    if (clientConnection(key.port(), connectLatency)) {
                        served.incrementAndGet();
                    } else {
                        failed.incrementAndGet();
                    }
                    next += periodNs;
                    final long wait = next - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    } else {
                        next = System.nanoTime();
                    }
                }
            }, "demo-client-" + t);
            th.setDaemon(true);
            clients.add(th);
            th.start();
        }
        final VirtualService svc = lb.services().service(key);
        final long start = System.nanoTime();
        // Log lines written while the view is redrawn in place would be overwritten or tear it: hold them and print
        // them above the view at each redraw.
        final LogsAboveView logs = o.ansi() ? LogsAboveView.install() : null;
        try {
            liveView(o, out, start, svc, backends, events, connectLatency, total, failed, logs);
        } finally {
            if (logs != null) {
                logs.uninstall();
                for (final String l : logs.drain()) {
                    out.println(l);
                }
            }
        }
        stop.set(true);
        for (final Thread t : clients) {
            try {
                t.join(5000);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        total.add(connectLatency.getIntervalHistogram());
        out.println();
        out.println("ipvsadm -Ln --stats:");
        out.print(lb.list(ListFormat.STATS));
        out.println();
        out.println("ipvsadm -Ln:");
        out.print(lb.list(ListFormat.DEFAULT));
        out.println();
        out.printf("client connections: %d served, %d failed (a connection open on %s when it was stopped is cut; "
            + "new ones are redispatched and, once health checking marks it DOWN, no longer sent there)%n",
            served.get(), failed.get(), backends[1].name);
        out.printf("connect latency through the director (us): p50 %d  p90 %d  p99 %d  p99.9 %d  max %d  (%d samples)%n",
            total.getValueAtPercentile(50), total.getValueAtPercentile(90), total.getValueAtPercentile(99),
            total.getValueAtPercentile(99.9), total.getMaxValue(), total.getTotalCount());
        for (final HealthEvent e : events) {
            out.println("health: " + e);
        }
        return 0;
    }

    private static void liveView(final Options o, final PrintStream out, final long start, final VirtualService svc,
        final Backend[] backends, final List<HealthEvent> events, final Recorder connectLatency, final Histogram total,
        final AtomicLong failed, final LogsAboveView logs) throws IOException {
        // stop one backend a third of the way through, start it again at two thirds
        final int stopAt = Math.max(1, o.seconds() / 3);
        final int startAt = Math.max(stopAt + 1, 2 * o.seconds() / 3);
        int printed = 0;
        long lastConns = 0;
        String note = "";
        for (int second = 1; second <= o.seconds(); second++) {
            LockSupport.parkNanos(start + TimeUnit.SECONDS.toNanos(second) - System.nanoTime());
            if (second == stopAt) {
                backends[1].close();
                note = backends[1].name + " stopped at " + second + " s";
            } else if (second == startAt) {
                backends[1] = new Backend(backends[1].name, backends[1].port);
                note = backends[1].name + " started again at " + second + " s";
            }
            total.add(connectLatency.getIntervalHistogram());
            final StatsSnapshot st = svc.stats().snapshot();
            final String view = view(o, second, st, st.conns() - lastConns, failed.get(), svc, backends, events,
                note);
            lastConns = st.conns();
            if (o.ansi() && printed > 0) {
                out.print("\033[" + printed + "A");
            }
            if (logs != null) {
                for (final String l : logs.drain()) {
                    out.print("\033[2K" + l + "\n");
                }
            }
            out.print(view);
            out.flush();
            printed = (int) view.chars().filter(c -> c == '\n').count();
        }
    }

    /**
     * Holds what is written to {@code System.err} (where slf4j-simple logs) while the live view runs, as lines, so
     * that the view can print them above itself. Thread-safe: {@link #write} is synchronized, lines go through a
     * concurrent queue, {@link #original} is final.
     */
    private static final class LogsAboveView extends OutputStream {
        private final PrintStream original = System.err;
        private final java.util.Queue<String> lines = new java.util.concurrent.ConcurrentLinkedQueue<>();
        private final java.io.ByteArrayOutputStream partial = new java.io.ByteArrayOutputStream();

        static LogsAboveView install() {
            final LogsAboveView l = new LogsAboveView();
            System.setErr(new PrintStream(l, true, StandardCharsets.UTF_8));
            return l;
        }

        void uninstall() {
            System.setErr(original);
            synchronized (this) {
                if (partial.size() > 0) {
                    lines.add(partial.toString(StandardCharsets.UTF_8));
                    partial.reset();
                }
            }
        }

        List<String> drain() {
            final List<String> out = new ArrayList<>();
            for (String l = lines.poll(); l != null; l = lines.poll()) {
                out.add(l);
            }
            return out;
        }

        @Override
        public synchronized void write(final int b) {
            if (b == '\n') {
                lines.add(partial.toString(StandardCharsets.UTF_8));
                partial.reset();
            } else if (b != '\r' && partial.size() < 4096) {
                partial.write(b);
            }
        }
    }

    private static String names(final Backend[] backends) {
        final StringBuilder sb = new StringBuilder();
        for (final Backend b : backends) {
            sb.append(sb.length() == 0 ? "" : ", ").append(b.name).append(" (127.0.0.1:").append(b.port).append(')');
        }
        return sb.toString();
    }

    /** One client connection: connect (timed), a few request/response exchanges, close. */
    private static boolean clientConnection(final int port, final Recorder latency) {
        final long t0 = System.nanoTime();
        try (Socket s = new Socket()) {
            s.setSoTimeout(5000);
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
            final BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                StandardCharsets.US_ASCII));
            final OutputStream out = s.getOutputStream();
            boolean first = true;
            for (int i = 0; i < REQUESTS_PER_CONNECTION; i++) {
                out.write(("GET " + i + "\n").getBytes(StandardCharsets.US_ASCII));
                final String reply = in.readLine();
                if (first) {
                    // the first reply proves the director connected us to a backend
                    latency.recordValue(Math.max(1, TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - t0)));
                    first = false;
                }
                if (reply == null || !reply.endsWith(" GET " + i)) {
                    return false;
                }
            }
            return true;
        } catch (final IOException e) {
            return false;
        }
    }

    private static String view(final Options o, final int second, final StatsSnapshot st, final long cps,
        final long failed, final VirtualService svc, final Backend[] backends, final List<HealthEvent> events,
        final String note) {
        final StringBuilder sb = new StringBuilder();
        final int width = 30;
        final int done = width * second / o.seconds();
        sb.append(clear(o)).append('[').append("#".repeat(done)).append(".".repeat(width - done)).append("] ")
            .append(second).append('/').append(o.seconds()).append(" s  ").append(note).append('\n');
        sb.append(clear(o)).append(String.format("connections/s %-6d total %-8d failed %-4d bytes in %-10s out %s%n",
            cps, st.conns(), failed, human(st.inBytes()), human(st.outBytes())));
        sb.append(clear(o)).append(String.format("  %-8s %-22s %-5s %-6s %-10s %-10s %s%n", "backend", "address",
            "state", "weight", "ActiveConn", "InActConn", "conns"));
        final ServerList members = svc.members();
        final ServerList rotation = svc.servers();
        for (int i = members.size() - 1; i >= 0; i--) {
            final RealServer r = members.get(i);
            String name = "?";
            for (final Backend b : backends) {
                if (b.port == r.port()) {
                    name = b.name;
                }
            }
            sb.append(clear(o)).append(String.format("  %-8s %-22s %-5s %-6d %-10d %-10d %d%n", name,
                r.addressAndPort(), rotation.indexOf(r) >= 0 ? "UP" : "DOWN", r.weight(), r.activeConns(),
                r.inactiveConns(), r.stats().snapshot().conns()));
        }
        final String last = events.isEmpty() ? "-" : events.get(events.size() - 1).toString();
        sb.append(clear(o)).append("last health event: ").append(last).append('\n');
        return sb.toString();
    }

    private static String clear(final Options o) {
        return o.ansi() ? "\033[2K" : "";
    }

    private static String human(final long bytes) {
        if (bytes < 10_000) {
            return bytes + " B";
        }
        if (bytes < 10_000_000) {
            return bytes / 1000 + " kB";
        }
        return bytes / 1_000_000 + " MB";
    }
}
