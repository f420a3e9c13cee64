package io.jlvs.transport.epoll.internal;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.transport.nio.NioTransport;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A loopback micro-measurement of the relay primitives, every front measured in the same run with the
 * same clients: no front at all (direct), the NIO transport with one event loop (the baseline), and the
 * epoll test loop ({@link TestDirector}, one thread) with splice or copy, edge- or level-triggered.
 *
 * <p>Two workloads: bulk (one connection streams {@code bulkMiB} MiB client to server, like iperf3 with one
 * stream) and ping-pong (16 connections each doing 1 KiB request / 1 KiB response round trips, the
 * per-event cost). Rounds rotate the order of the fronts; the median of the rounds is printed.
 *
 * <p>Run: {@code lvs-transport-epoll/bench.sh [rounds] [bulkMiB] [pingPongSeconds] [pipeBytes]}.
 */
public final class RelayBench {
    /** Pipe (and copy buffer) size of the epoll fronts. */
    private static int pipeBytes;

    private RelayBench() {
    }

    private interface Front extends AutoCloseable {
        int port() throws Exception;

        default String note(final long work, final String unit) {
            return "";
        }

        @Override
        default void close() throws java.util.concurrent.ExecutionException, java.util.concurrent.TimeoutException {
        }
    }

    /**
     * Entry point.
     *
     * @param args rounds, bulk MiB, ping-pong seconds
     * @throws Exception on failure
     */
    public static void main(final String[] args) throws Exception {
        final int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        final int bulkMiB = args.length > 1 ? Integer.parseInt(args[1]) : 2048;
        final double ppSeconds = args.length > 2 ? Double.parseDouble(args[2]) : 3;
        pipeBytes = args.length > 3 ? Integer.parseInt(args[3]) : PipePool.DEFAULT_PIPE_BYTES;
        final String[] names = {"direct", "nio-1loop", "epoll-engine-1loop", "epoll-splice-edge", "epoll-splice-level",
            "epoll-copy-edge", "epoll-copy-level"};
        final Map<String, List<Double>> bulk = new LinkedHashMap<>();
        final Map<String, List<Double>> pp = new LinkedHashMap<>();
        final Map<String, String> notes = new LinkedHashMap<>();
        for (final String n : names) {
            bulk.put(n, new ArrayList<>());
            pp.put(n, new ArrayList<>());
        }
        try (Sink sink = new Sink(); Echo echo = new Echo()) {
            for (int r = 0; r < rounds; r++) {
                for (int k = 0; k < names.length; k++) {
                    final String name = names[(k + r) % names.length];
                    try (Front f = front(name, sink.port())) {
                        bulk.get(name).add(bulkGbps(f.port(), bulkMiB));
                        final String n = f.note(bulkMiB, "MiB");
                        notes.put(name, n);
                    }
                    try (Front f = front(name, echo.port())) {
                        final double rate = pingPong(f.port(), 16, ppSeconds);
                        pp.get(name).add(rate);
                        final String n = f.note(Math.round(rate * ppSeconds), "round trip");
                        if (!n.isEmpty()) {
                            notes.put(name, notes.get(name) + "; " + n);
                        }
                    }
                    System.err.printf(Locale.ROOT, "round %d %-20s bulk %.2f Gbit/s  ping-pong %.0f rt/s%n", r, name,
                        last(bulk.get(name)), last(pp.get(name)));
                }
            }
        }
        System.out.printf(Locale.ROOT, "%nmedians of %d rounds; bulk: 1 connection, %d MiB; ping-pong: 16 connections,"
            + " 1 KiB each way, %.1f s; epoll pipe/buffer %d bytes%n", rounds, bulkMiB, ppSeconds, pipeBytes);
        System.out.printf(Locale.ROOT, "| front | bulk Gbit/s | vs NIO | ping-pong rt/s | vs NIO | notes |%n");
        System.out.printf(Locale.ROOT, "|---|---|---|---|---|---|%n");
        final double nioBulk = median(bulk.get("nio-1loop"));
        final double nioPp = median(pp.get("nio-1loop"));
        for (final String n : names) {
            System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f | %.0f | %.2f | %s |%n", n, median(bulk.get(n)),
                median(bulk.get(n)) / nioBulk, median(pp.get(n)), median(pp.get(n)) / nioPp, notes.get(n));
        }
    }

    private static double last(final List<Double> l) {
        return l.get(l.size() - 1);
    }

    private static double median(final List<Double> l) {
        final double[] a = l.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        return a[a.length / 2];
    }

    private static Front front(final String name, final int backendPort) throws Exception {
        switch (name) {
            case "direct":
                return () -> backendPort;
            case "nio-1loop": {
                final int vport;
                try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                    vport = s.getLocalPort();
                }
                final LoadBalancer lb = LoadBalancer.builder().eventLoops(1).transport(new NioTransport())
                    .service(VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", vport)).build(),
                        RealServerConfig.builder("127.0.0.1", backendPort).build())
                    .build().start();
                return new Front() {
                    @Override
                    public int port() {
                        return vport;
                    }

                    @Override
                    public void close() {
                        lb.close(Duration.ZERO);
                    }
                };
            }
            case "epoll-engine-1loop": {
                final int vport;
                try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                    vport = s.getLocalPort();
                }
                final LoadBalancer lb = LoadBalancer.builder().eventLoops(1)
                    .transport(new io.jlvs.transport.epoll.EpollTransport())
                    .service(VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", vport)).build(),
                        RealServerConfig.builder("127.0.0.1", backendPort).build())
                    .build().start();
                return new Front() {
                    private long base = lb.counters().get("syscalls");

                    @Override
                    public int port() {
                        return vport;
                    }

                    @Override
                    public String note(final long work, final String unit) {
                        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                        while (lb.liveConnections() > 0 && System.nanoTime() < deadline) {
                            Thread.onSpinWait();
                        }
                        final long now = lb.counters().get("syscalls");
                        final long calls = now - base;
                        base = now;
                        return String.format(Locale.ROOT, "%.1f syscalls/%s (engine, startup included)",
                            (double) calls / Math.max(1, work), unit);
                    }

                    @Override
                    public void close() {
                        lb.close(Duration.ZERO);
                    }
                };
            }
            default: {
                final TestDirector.Path path = name.contains("splice") ? TestDirector.Path.SPLICE : TestDirector.Path.COPY;
                final RelayConnection.Trigger trigger = name.endsWith("edge") ? RelayConnection.Trigger.EDGE
                    : RelayConnection.Trigger.LEVEL;
                final TestDirector d = new TestDirector(backendPort, path, trigger, pipeBytes, 1 << 20);
                return new Front() {
                    @Override
                    public int port() throws Exception {
                        return d.port();
                    }

                    @Override
                    public String note(final long work, final String unit) {
                        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                        while (d.open > 0 && System.nanoTime() < deadline) {
                            Thread.onSpinWait();
                        }
                        final long calls = d.syscalls - base;
                        base = d.syscalls;
                        long ctl = 0;
                        long conns = 0;
                        for (final TestDirector.Finished f : d.finished) {
                            ctl += f.epollCtlCalls();
                            conns++;
                        }
                        d.finished.clear();
                        return String.format(Locale.ROOT, "%.1f syscalls/%s, epoll_ctl/conn %.1f",
                            (double) calls / Math.max(1, work), unit, conns == 0 ? 0.0 : (double) ctl / conns);
                    }

                    private long base;

                    @Override
                    public void close() throws java.util.concurrent.ExecutionException,
                        java.util.concurrent.TimeoutException {
                        d.close();
                    }
                };
            }
        }
    }

    private static double bulkGbps(final int port, final int mib) throws Exception {
        try (SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", port))) {
            final ByteBuffer b = ByteBuffer.allocateDirect(256 * 1024);
            final long total = (long) mib << 20;
            final long t0 = System.nanoTime();
            long sent = 0;
            while (sent < total) {
                b.clear();
                if (total - sent < b.capacity()) {
                    b.limit((int) (total - sent));
                }
                sent += c.write(b);
            }
            c.shutdownOutput();
            b.clear();
            while (c.read(b) >= 0) {
                b.clear(); // the sink answers with one byte after end of stream: everything arrived
            }
            final long ns = System.nanoTime() - t0;
            return total * 8.0 / ns;
        }
    }

    private static double pingPong(final int port, final int conns, final double seconds) throws Exception {
        final ExecutorService pool = Executors.newFixedThreadPool(conns);
        try {
            final long end = System.nanoTime() + (long) (seconds * 1e9);
            final List<CompletableFuture<Long>> fs = new ArrayList<>();
            final long t0 = System.nanoTime();
            for (int i = 0; i < conns; i++) {
                fs.add(CompletableFuture.supplyAsync(() -> {
                    try (SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", port))) {
                        c.socket().setTcpNoDelay(true);
                        final ByteBuffer b = ByteBuffer.allocateDirect(1024);
                        long n = 0;
                        while (System.nanoTime() < end) {
                            b.clear();
                            while (b.hasRemaining()) {
                                c.write(b);
                            }
                            b.clear();
                            while (b.hasRemaining()) {
                                if (c.read(b) < 0) {
                                    throw new IllegalStateException("echo closed");
                                }
                            }
                            n++;
                        }
                        return n;
                    } catch (final Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, pool));
            }
            long total = 0;
            for (final CompletableFuture<Long> f : fs) {
                total += f.get(60, TimeUnit.SECONDS);
            }
            return total / ((System.nanoTime() - t0) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Reads to end of stream, then answers one byte. */
    private static final class Sink implements AutoCloseable {
        private final ServerSocketChannel server = ServerSocketChannel.open()
            .bind(new InetSocketAddress("127.0.0.1", 0));
        private final ExecutorService pool = Executors.newCachedThreadPool();

        Sink() throws Exception {
            pool.execute(() -> {
                while (server.isOpen()) {
                    try {
                        final SocketChannel c = server.accept();
                        pool.execute(() -> {
                            try (c) {
                                final ByteBuffer b = ByteBuffer.allocateDirect(256 * 1024);
                                while (c.read(b) >= 0) {
                                    b.clear();
                                }
                                c.write(ByteBuffer.wrap(new byte[] {1}));
                            } catch (final Exception ignored) {
                                // a front closed the connection; the client side reports the failure
                            }
                        });
                    } catch (final Exception closed) {
                        return;
                    }
                }
            });
        }

        int port() throws Exception {
            return ((InetSocketAddress) server.getLocalAddress()).getPort();
        }

        @Override
        public void close() throws java.io.IOException {
            server.close();
            pool.shutdownNow();
        }
    }

    /** Echoes 1 KiB messages. */
    private static final class Echo implements AutoCloseable {
        private final ServerSocketChannel server = ServerSocketChannel.open()
            .bind(new InetSocketAddress("127.0.0.1", 0));
        private final ExecutorService pool = Executors.newCachedThreadPool();

        Echo() throws Exception {
            pool.execute(() -> {
                while (server.isOpen()) {
                    try {
                        final SocketChannel c = server.accept();
                        pool.execute(() -> {
                            try (c) {
                                c.socket().setTcpNoDelay(true);
                                final ByteBuffer b = ByteBuffer.allocateDirect(1024);
                                while (true) {
                                    b.clear();
                                    while (b.hasRemaining()) {
                                        if (c.read(b) < 0) {
                                            return;
                                        }
                                    }
                                    b.flip();
                                    while (b.hasRemaining()) {
                                        c.write(b);
                                    }
                                }
                            } catch (final Exception ignored) {
                                // the client went away
                            }
                        });
                    } catch (final Exception closed) {
                        return;
                    }
                }
            });
        }

        int port() throws Exception {
            return ((InetSocketAddress) server.getLocalAddress()).getPort();
        }

        @Override
        public void close() throws java.io.IOException {
            server.close();
            pool.shutdownNow();
        }
    }
}
