package io.jlvs.transport.epoll;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.transport.Transport;
import io.jlvs.transport.nio.NioTransport;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback measurement of UDP through one event loop, every front in the same run with the same clients: the NIO
 * transport (the baseline), epoll with a batch of 1 and epoll with the default batch of 32. Four client threads
 * (127.0.0.2-5) each keep a window of {@code window} 512-byte datagrams in flight to a UDP echo server behind the
 * director; a datagram not answered within 200 ms counts as lost. Printed per front (median of the rounds, the
 * order rotating): replies per second, the loop thread's CPU nanoseconds per reply, and for epoll the loop's system
 * calls per reply (epoll_wait included).
 *
 * <p>Run: {@code lvs-transport-epoll/udp-bench.sh [rounds=3] [seconds=4] [window=32]}.
 */
public final class UdpBatchBench {
    private static final InetAddress LO = InetAddress.getLoopbackAddress();
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private UdpBatchBench() {
    }

    /**
     * Runs the measurement.
     *
     * @param args rounds, seconds per front, window per client
     * @throws Exception on a failure
     */
    public static void main(final String[] args) throws Exception {
        final int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        final int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        final int window = args.length > 2 ? Integer.parseInt(args[2]) : 32;
        final Map<String, Transport> fronts = new LinkedHashMap<>();
        fronts.put("nio", new NioTransport());
        fronts.put("epoll batch 1", new EpollTransport(1));
        fronts.put("epoll batch 32", new EpollTransport(32));
        final Map<String, List<double[]>> results = new LinkedHashMap<>();
        try (DatagramSocket echo = new DatagramSocket(new InetSocketAddress(LO, 0))) {
            echo.setReceiveBufferSize(4 << 20);
            final Thread server = new Thread(() -> {
                final byte[] buf = new byte[65536];
                final DatagramPacket p = new DatagramPacket(buf, buf.length);
                while (!echo.isClosed()) {
                    try {
                        p.setData(buf);
                        echo.receive(p);
                        echo.send(p);
                    } catch (final IOException e) {
                        return;
                    }
                }
            }, "udp-echo");
            server.setDaemon(true);
            server.start();
            final List<String> names = new ArrayList<>(fronts.keySet());
            run(fronts.get("epoll batch 32"), echo.getLocalPort(), 2, window, "jlvs-epoll-loop-0"); // warm-up
            run(fronts.get("nio"), echo.getLocalPort(), 2, window, null);
            for (int r = 0; r < rounds; r++) {
                for (int k = 0; k < names.size(); k++) {
                    final String name = names.get((k + r) % names.size());
                    final double[] m = run(fronts.get(name), echo.getLocalPort(), seconds, window,
                        name.startsWith("epoll") ? "jlvs-epoll-loop-0" : null);
                    results.computeIfAbsent(name, x -> new ArrayList<>()).add(m);
                    System.err.printf(Locale.ROOT, "round %d %-15s %,.0f replies/s, %.0f loop ns/reply, %.2f syscalls/reply,"
                        + " lost %.0f%n", r + 1, name, m[0], m[1], m[2], m[3]);
                }
            }
        }
        System.out.println("front            replies/s   loop CPU ns/reply   syscalls/reply   lost (median of "
            + rounds + " rounds of " + seconds + " s, window " + window + " x 4 clients)");
        for (final Map.Entry<String, List<double[]>> e : results.entrySet()) {
            System.out.printf(Locale.ROOT, "%-15s %,11.0f %19.0f %16s %7.0f%n", e.getKey(), median(e.getValue(), 0),
                median(e.getValue(), 1), e.getKey().startsWith("epoll") ? String.format(Locale.ROOT, "%.2f",
                    median(e.getValue(), 2)) : "-", median(e.getValue(), 3));
        }
    }

    private static double median(final List<double[]> rows, final int col) {
        final double[] v = rows.stream().mapToDouble(r -> r[col]).sorted().toArray();
        return v[v.length / 2];
    }

    private static double[] run(final Transport t, final int backend, final int seconds, final int window,
        final String loopName) throws Exception {
        final int vport;
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(LO, 0))) {
            vport = probe.getLocalPort();
        }
        try (LoadBalancer lb = LoadBalancer.builder().transport(t).eventLoops(1)
            .service(VirtualServiceConfig.builder(ServiceKey.udp("127.0.0.1", vport)).build(),
                RealServerConfig.builder("127.0.0.1", backend).build()).build().start()) {
            final long loopId = loopThread(loopName != null ? loopName : "jlvs-loop-0");
            final AtomicBoolean stop = new AtomicBoolean();
            final AtomicLong replies = new AtomicLong();
            final AtomicLong lost = new AtomicLong();
            final List<Thread> clients = new ArrayList<>();
            final long cpu0 = loopId < 0 ? 0 : THREADS.getThreadCpuTime(loopId);
            final long calls0 = loopName == null ? 0 : lb.counters().get("syscalls");
            final long t0 = System.nanoTime();
            for (int c = 0; c < 4; c++) {
                final InetAddress from = InetAddress.getByName("127.0.0." + (2 + c));
                final Thread th = new Thread(() -> client(from, vport, window, stop, replies, lost), "client-" + c);
                th.start();
                clients.add(th);
            }
            Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
            stop.set(true);
            for (final Thread th : clients) {
                th.join();
            }
            final double secs = (System.nanoTime() - t0) / 1e9;
            final long n = replies.get();
            final long cpu = loopId < 0 ? 0 : THREADS.getThreadCpuTime(loopId) - cpu0;
            final long calls = loopName == null ? 0 : lb.counters().get("syscalls") - calls0;
            lb.close(Duration.ZERO);
            return new double[] {n / secs, (double) cpu / n, (double) calls / n, lost.get()};
        }
    }

    private static void client(final InetAddress from, final int vport, final int window, final AtomicBoolean stop,
        final AtomicLong replies, final AtomicLong lost) {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(from, 0))) {
            s.setSoTimeout(200);
            s.setReceiveBufferSize(1 << 20);
            final byte[] req = new byte[512];
            final DatagramPacket out = new DatagramPacket(req, req.length, LO, vport);
            final byte[] buf = new byte[2048];
            final DatagramPacket in = new DatagramPacket(buf, buf.length);
            while (!stop.get()) {
                for (int i = 0; i < window; i++) {
                    s.send(out);
                }
                for (int i = 0; i < window; i++) {
                    try {
                        in.setData(buf);
                        s.receive(in);
                        replies.incrementAndGet();
                    } catch (final SocketTimeoutException e) {
                        lost.addAndGet(window - i);
                        break;
                    }
                }
            }
        } catch (final IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long loopThread(final String name) {
        final Thread[] all = new Thread[Thread.activeCount() + 16];
        final int n = Thread.enumerate(all);
        long id = -1;
        for (final Thread th : Arrays.copyOf(all, n)) {
            if (th.getName().equals(name)) {
                id = Math.max(id, th.threadId());
            }
        }
        return id;
    }
}
