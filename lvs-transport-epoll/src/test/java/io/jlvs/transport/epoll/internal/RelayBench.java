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
        if (args.length > 0 && args[0].equals("cpu")) {
            cpu(args);
            return;
        }
        if (args.length > 0 && args[0].equals("newconn")) {
            newConnections(args);
            return;
        }
        if (args.length > 0 && args[0].equals("micro")) {
            micro(args);
            return;
        }
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

    /**
     * The loop thread's CPU time and system calls per unit of work, splice against copy against splice-auto (and
     * pipe sizes), each {@link TestDirector} level-triggered with one thread; the clients and servers run on other
     * threads, so on a shared box the director's own cost per operation is what this compares, not throughput.
     * Arguments: {@code cpu rounds bulkMiB seconds pipeBytes,... path,... load,...}, a path one of
     * {@link TestDirector.Path}, a load {@code bulk} or {@code pp<N>k} (ping-pong of N KiB messages).
     */
    private static void cpu(final String[] args) throws Exception {
        final int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        final int bulkMiB = args.length > 2 ? Integer.parseInt(args[2]) : 1024;
        final double seconds = args.length > 3 ? Double.parseDouble(args[3]) : 2;
        final String[] pipeSizes = (args.length > 4 ? args[4] : "65536").split(",");
        final String[] paths = (args.length > 5 ? args[5] : "SPLICE,COPY,AUTO").split(",");
        final List<String> fronts = new ArrayList<>();
        for (final String ps : pipeSizes) {
            for (final String p : paths) {
                fronts.add(p + "/" + ps);
            }
        }
        final String[] loads = (args.length > 6 ? args[6] : "pp1k,pp16k,bulk").split(",");
        final Map<String, List<double[]>> results = new LinkedHashMap<>();
        try (Sink sink = new Sink(); Echo echo = new Echo()) {
            for (int r = 0; r < rounds; r++) {
                for (int k = 0; k < fronts.size(); k++) {
                    final String front = fronts.get((k + r) % fronts.size());
                    final String[] f = front.split("/");
                    final TestDirector.Path path = TestDirector.Path.valueOf(f[0]);
                    final int pb = Integer.parseInt(f[1]);
                    for (final String load : loads) {
                        final boolean bulk = load.equals("bulk");
                        try (TestDirector d = new TestDirector(bulk ? sink.port() : echo.port(), path,
                            RelayConnection.Trigger.LEVEL, pb, 1 << 20)) {
                            final int port = d.port();
                            final long cpu0 = d.loopCpuNanos();
                            final long calls0 = d.syscalls;
                            final double work;
                            final double rate;
                            if (bulk) {
                                rate = bulkGbps(port, bulkMiB);
                                work = bulkMiB;
                            } else {
                                final int kib = Integer.parseInt(load.substring(2, load.length() - 1));
                                rate = pingPong(port, 16, seconds, 1024 * kib);
                                work = rate * seconds;
                            }
                            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                            while (d.open > 0 && System.nanoTime() < deadline) {
                                Thread.onSpinWait();
                            }
                            final double cpuUs = (d.loopCpuNanos() - cpu0) / 1e3 / work;
                            final double calls = (d.syscalls - calls0) / work;
                            results.computeIfAbsent(front + " " + load, x -> new ArrayList<>())
                                .add(new double[] {cpuUs, calls, rate});
                            long sw = 0;
                            for (final TestDirector.Finished fin : d.finished) {
                                sw += fin.upSwitches() + fin.downSwitches();
                            }
                            System.err.printf(Locale.ROOT, "round %d %-14s %-5s %.2f us/op %.2f calls/op %.1f"
                                + " (path switches %d)%n", r, front, load, cpuUs, calls, rate, sw);
                        }
                    }
                }
            }
        }
        System.out.printf(Locale.ROOT, "%nmedians of %d rounds; director = TestDirector, 1 thread, level-triggered;"
            + " pp = 16 connections ping-pong for %.1f s; bulk = 1 connection %d MiB%n", rounds, seconds, bulkMiB);
        System.out.printf(Locale.ROOT, "| path/pipe | load | loop CPU us per op | syscalls per op | rt/s or Gbit/s |%n");
        System.out.printf(Locale.ROOT, "|---|---|---|---|---|%n");
        for (final Map.Entry<String, List<double[]>> e : results.entrySet()) {
            final String[] k = e.getKey().split(" ");
            final double[] cpu = e.getValue().stream().mapToDouble(a -> a[0]).sorted().toArray();
            final double[] calls = e.getValue().stream().mapToDouble(a -> a[1]).sorted().toArray();
            final double[] rate = e.getValue().stream().mapToDouble(a -> a[2]).sorted().toArray();
            System.out.printf(Locale.ROOT, "| %s | %s | %.2f | %.2f | %.1f |%n", k[0],
                k[1].equals("bulk") ? "bulk (op = MiB)" : k[1] + " (op = round trip)", cpu[cpu.length / 2],
                calls[calls.length / 2], rate[rate.length / 2]);
        }
    }

    /**
     * One thread, no epoll, no other thread to wait for: a message is sent on socket A, relayed from its peer B to
     * socket C by splice (B to pipe, pipe to C) or by copy (recv from B, send to C), and read off C's peer D. The
     * thread's CPU time per message of the relay calls alone (ThreadMXBean, measured around them) is the per-message
     * cost of each path without scheduling noise. Arguments: {@code micro rounds messages size,size,...}.
     */
    private static void micro(final String[] args) throws Exception {
        final int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        final int messages = args.length > 2 ? Integer.parseInt(args[2]) : 20_000;
        final String[] sizes = (args.length > 3 ? args[3] : "1024,4096,16384,65536").split(",");
        final java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        final Map<String, List<Double>> ns = new LinkedHashMap<>();
        try (Syscalls sys = new Syscalls(); PipePool pipes = new PipePool(sys, 256 * 1024, 4)) {
            final int[] ab = pair(sys);
            final int[] cd = pair(sys);
            final int a = ab[0];
            final int b = ab[1];
            final int c = cd[0];
            final int dd = cd[1];
            final java.lang.foreign.MemorySegment msg = sys.arena().allocate(65_536, 64);
            final java.lang.foreign.MemorySegment buf = sys.arena().allocate(65_536, 64);
            final java.lang.foreign.MemorySegment sink = sys.arena().allocate(65_536, 64);
            final Pipe pipe = pipes.acquire();
            final int flags = Linux.SPLICE_F_MOVE | Linux.SPLICE_F_NONBLOCK;
            for (int r = 0; r < rounds; r++) {
                for (final String sz : sizes) {
                    final int size = Integer.parseInt(sz);
                    for (final String path : new String[] {"splice", "copy"}) {
                        final boolean splice = path.equals("splice") ^ (r % 2 == 1);
                        long cpu = 0;
                        for (int m = 0; m < messages; m++) {
                            long sent = 0;
                            while (sent < size) {
                                sent += check(sys.send(a, msg, sent, size - sent, Linux.MSG_NOSIGNAL));
                            }
                            long moved = 0;
                            final long t0 = mx.getCurrentThreadCpuTime();
                            while (moved < size) {
                                if (splice) {
                                    final long n = sys.splice(b, pipe.writeFd(), size - moved, flags);
                                    if (n == -Errno.EAGAIN) {
                                        continue;
                                    }
                                    long out = 0;
                                    while (out < check(n)) {
                                        out += check(sys.splice(pipe.readFd(), c, n - out, flags));
                                    }
                                    moved += n;
                                } else {
                                    final long n = sys.recv(b, buf, 0, size - moved, Linux.MSG_DONTWAIT);
                                    if (n == -Errno.EAGAIN) {
                                        continue;
                                    }
                                    long out = 0;
                                    while (out < check(n)) {
                                        out += check(sys.send(c, buf, out, n - out, Linux.MSG_NOSIGNAL));
                                    }
                                    moved += n;
                                }
                            }
                            cpu += mx.getCurrentThreadCpuTime() - t0;
                            long got = 0;
                            while (got < size) {
                                final long n = sys.recv(dd, sink, 0, size - got, Linux.MSG_DONTWAIT);
                                if (n != -Errno.EAGAIN) {
                                    got += check(n);
                                }
                            }
                        }
                        final String key = (splice ? "splice" : "copy") + " " + size;
                        ns.computeIfAbsent(key, k -> new ArrayList<>()).add((double) cpu / messages);
                        System.err.printf(Locale.ROOT, "round %d %-12s %.0f ns/message%n", r, key, (double) cpu / messages);
                    }
                }
            }
            pipes.release(pipe);
            for (final int fd : new int[] {a, b, c, dd}) {
                sys.close(fd);
            }
        }
        System.out.printf(Locale.ROOT, "%nmedians of %d rounds of %d messages; thread CPU of the relay calls per message"
            + " (splice: 2 splice calls through a 256 KiB pipe; copy: recv + send through a direct buffer)%n", rounds,
            messages);
        System.out.printf(Locale.ROOT, "| message bytes | splice ns | copy ns | copy / splice |%n|---|---|---|---|%n");
        for (final String sz : sizes) {
            final double sp = median(ns.get("splice " + sz));
            final double cp = median(ns.get("copy " + sz));
            System.out.printf(Locale.ROOT, "| %s | %.0f | %.0f | %.2f |%n", sz, sp, cp, cp / sp);
        }
    }

    /**
     * System calls of the epoll engine (one loop) per new connection: connect, a 100-byte request, a 100-byte
     * response after which the server closes (HTTP {@code Connection: close}), the client's close; connections one
     * after another, counted by the engine's {@code syscalls} counter (epoll_wait included). Arguments:
     * {@code newconn rounds connections}.
     */
    private static void newConnections(final String[] args) throws Exception {
        final int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        final int conns = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
        final List<Double> perConn = new ArrayList<>();
        final List<Double> cpuPerConn = new ArrayList<>();
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0), 512)) {
            final ExecutorService pool = Executors.newSingleThreadExecutor();
            pool.execute(() -> {
                final ByteBuffer b = ByteBuffer.allocate(100);
                while (server.isOpen()) {
                    try (SocketChannel c = server.accept()) {
                        b.clear();
                        while (b.hasRemaining() && c.read(b) >= 0) {
                            // the whole request
                        }
                        b.flip();
                        while (b.hasRemaining()) {
                            c.write(b);
                        }
                    } catch (final Exception closed) {
                        if (!server.isOpen()) {
                            return;
                        }
                    }
                }
            });
            final int backend = ((InetSocketAddress) server.getLocalAddress()).getPort();
            for (int r = 0; r < rounds; r++) {
                final int vport;
                try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                    vport = s.getLocalPort();
                }
                final LoadBalancer lb = LoadBalancer.builder().eventLoops(1)
                    .transport(new io.jlvs.transport.epoll.EpollTransport())
                    .service(VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", vport)).build(),
                        RealServerConfig.builder("127.0.0.1", backend).build())
                    .build().start();
                try {
                    final ByteBuffer b = ByteBuffer.allocate(100);
                    for (int w = 0; w < 100; w++) {
                        oneConnection(vport, b); // warm up
                    }
                    final java.lang.management.ThreadMXBean mx =
                        java.lang.management.ManagementFactory.getThreadMXBean();
                    long loopId = -1;
                    for (final Thread t : Thread.getAllStackTraces().keySet()) {
                        if (t.getName().equals("jlvs-epoll-loop-0")) {
                            loopId = t.threadId();
                        }
                    }
                    final long cpu0 = mx.getThreadCpuTime(loopId);
                    final long base = lb.counters().get("syscalls");
                    for (int i = 0; i < conns; i++) {
                        oneConnection(vport, b);
                    }
                    final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (lb.liveConnections() > 0 && System.nanoTime() < deadline) {
                        Thread.onSpinWait();
                    }
                    final double calls = (double) (lb.counters().get("syscalls") - base) / conns;
                    final double cpuUs = (mx.getThreadCpuTime(loopId) - cpu0) / 1e3 / conns;
                    perConn.add(calls);
                    cpuPerConn.add(cpuUs);
                    System.err.printf(Locale.ROOT, "round %d: %.2f syscalls, loop CPU %.1f us per connection%n", r,
                        calls, cpuUs);
                } finally {
                    lb.close(Duration.ZERO);
                }
            }
            pool.shutdownNow();
        }
        System.out.printf(Locale.ROOT, "%nnew connections, epoll engine 1 loop, %d sequential connections per round:"
            + " median %.2f system calls, loop CPU %.1f us per connection (rounds: %s, %s)%n", conns, median(perConn),
            median(cpuPerConn), perConn, cpuPerConn);
    }

    private static void oneConnection(final int port, final ByteBuffer b) throws Exception {
        try (SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", port))) {
            b.clear();
            while (b.hasRemaining()) {
                c.write(b);
            }
            b.clear();
            while (c.read(b) >= 0) {
                if (!b.hasRemaining()) {
                    b.clear();
                }
            }
        }
    }

    private static long check(final long r) {
        if (r < 0) {
            throw new IllegalStateException(Errno.name((int) -r));
        }
        return r;
    }

    /** A connected loopback TCP pair: {client, accepted}, both non-blocking. */
    private static int[] pair(final Syscalls sys) throws Exception {
        final int flags = Linux.SOCK_STREAM | Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC;
        final int l = NativeException.check("socket", sys.socket(Linux.AF_INET, flags, 0));
        NativeException.check("bind", sys.bind(l, new SockAddr(sys.arena()).ipv4(0x7f000001, 0)));
        NativeException.check("listen", sys.listen(l, 1));
        final SockAddr bound = new SockAddr(sys.arena());
        sys.getsockname(l, bound);
        final int c = NativeException.check("socket", sys.socket(Linux.AF_INET, flags, 0));
        sys.setsockopt(c, Linux.IPPROTO_TCP, Linux.TCP_NODELAY, 1);
        final int r = sys.connect(c, new SockAddr(sys.arena()).ipv4(0x7f000001, bound.port()));
        if (r < 0 && r != -Errno.EINPROGRESS) {
            throw new IllegalStateException("connect: " + Errno.name(-r));
        }
        int s;
        while ((s = sys.accept4(l, null, Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC)) == -Errno.EAGAIN) {
            Thread.onSpinWait();
        }
        NativeException.check("accept4", s);
        sys.setsockopt(s, Linux.IPPROTO_TCP, Linux.TCP_NODELAY, 1);
        sys.close(l);
        return new int[] {c, s};
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
        return pingPong(port, conns, seconds, 1024);
    }

    private static double pingPong(final int port, final int conns, final double seconds, final int size)
        throws Exception {
        final ExecutorService pool = Executors.newFixedThreadPool(conns);
        try {
            final long end = System.nanoTime() + (long) (seconds * 1e9);
            final List<CompletableFuture<Long>> fs = new ArrayList<>();
            final long t0 = System.nanoTime();
            for (int i = 0; i < conns; i++) {
                fs.add(CompletableFuture.supplyAsync(() -> {
                    try (SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", port))) {
                        c.socket().setTcpNoDelay(true);
                        final ByteBuffer b = ByteBuffer.allocateDirect(size);
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

    /** Echoes what it reads. */
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
                                final ByteBuffer b = ByteBuffer.allocateDirect(64 * 1024);
                                while (true) {
                                    b.clear();
                                    if (c.read(b) < 0) {
                                        return;
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
