package io.jlvs.jmh.e2e;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The benchmark's load client, a process of its own. Each timed mode prints {@code MEASURE} when its warm-up ends
 * and one {@code RESULT} line at the end: the rates per second of the timed window and the totals counted in it
 * ({@code bytes}, {@code requests}, {@code connections}, {@code delivered}), from which the driver takes the front's
 * CPU per operation.
 * <ul>
 *   <li>{@code bulk PORT STREAMS SECONDS}: read from N streams (the backend's source), bytes per second;</li>
 *   <li>{@code rr PORT CONNECTIONS SECONDS}: closed-loop 64-byte request/response over keep-alive connections on
 *   one selector thread; requests per second and latency percentiles (HdrHistogram, corrected for coordinated
 *   omission with the mean round trip as the expected interval);</li>
 *   <li>{@code connrate PORT THREADS SECONDS}: connect, one request/response, close; connections per second
 *   (client source addresses rotate over 127.0.0.2-127.0.0.250 so ephemeral ports do not run out);</li>
 *   <li>{@code udp PORT SIZE SECONDS RATE}: datagrams at RATE per second (0 = as fast as possible) from 16 sockets,
 *   echoes counted; delivered per second and loss;</li>
 *   <li>{@code idle PORT COUNT}: open COUNT connections, print {@code ready}, hold them until standard input
 *   closes.</li>
 * </ul>
 */
public final class BenchClient {
    private BenchClient() {
    }

    /**
     * Runs a mode.
     *
     * @param args the mode and its arguments
     * @throws Exception on failure
     */
    public static void main(final String[] args) throws Exception {
        final int port = Integer.parseInt(args[1]);
        switch (args[0]) {
            case "bulk":
                bulk(port, Integer.parseInt(args[2]), Integer.parseInt(args[3]));
                break;
            case "rr":
                rr(port, Integer.parseInt(args[2]), Integer.parseInt(args[3]));
                break;
            case "connrate":
                connrate(port, Integer.parseInt(args[2]), Integer.parseInt(args[3]));
                break;
            case "udp":
                udp(port, Integer.parseInt(args[2]), Integer.parseInt(args[3]), Long.parseLong(args[4]));
                break;
            case "idle":
                idle(port, Integer.parseInt(args[2]));
                break;
            default:
                throw new IllegalArgumentException(args[0]);
        }
    }

    /**
     * Prints {@code MEASURE} on standard output when the timed window starts (after the warm-up), from a daemon
     * thread, so that the driver can start its CPU accounting of the front then; the {@code RESULT} line ends it.
     */
    private static void mark(final long at) {
        final Thread t = new Thread(() -> {
            for (long left = at - System.nanoTime(); left > 0; left = at - System.nanoTime()) {
                try {
                    TimeUnit.NANOSECONDS.sleep(left);
                } catch (final InterruptedException e) {
                    return;
                }
            }
            System.out.println("MEASURE");
            System.out.flush();
        }, "measure-mark");
        t.setDaemon(true);
        t.start();
    }

    private static InetSocketAddress to(final int port) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    private static void bulk(final int port, final int streams, final int seconds) throws Exception {
        final AtomicLong bytes = new AtomicLong();
        final long warm = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        final long end = warm + TimeUnit.SECONDS.toNanos(seconds);
        mark(warm);
        final List<Thread> ts = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            final Thread t = new Thread(() -> {
                try (SocketChannel c = SocketChannel.open(to(port))) {
                    final ByteBuffer b = ByteBuffer.allocateDirect(256 * 1024);
                    while (true) {
                        final long now = System.nanoTime();
                        if (now - end >= 0) {
                            break;
                        }
                        b.clear();
                        final int n = c.read(b);
                        if (n < 0) {
                            break;
                        }
                        if (now - warm >= 0) {
                            bytes.addAndGet(n);
                        }
                    }
                } catch (final IOException e) {
                    System.err.println("bulk: " + e);
                }
            });
            t.start();
            ts.add(t);
        }
        for (final Thread t : ts) {
            t.join();
        }
        System.out.printf("RESULT bytes_per_s=%d bytes=%d%n", bytes.get() / seconds, bytes.get());
    }

    private static final class RrConn {
        final SocketChannel ch;
        final ByteBuffer out = ByteBuffer.allocateDirect(BenchServer.MESSAGE);
        final ByteBuffer in = ByteBuffer.allocateDirect(BenchServer.MESSAGE);
        long sentAt;

        RrConn(final SocketChannel ch) {
            this.ch = ch;
        }
    }

    private static void rr(final int port, final int conns, final int seconds) throws Exception {
        final Selector sel = Selector.open();
        final List<RrConn> all = new ArrayList<>();
        for (int i = 0; i < conns; i++) {
            final SocketChannel ch = SocketChannel.open(to(port));
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.configureBlocking(false);
            final RrConn c = new RrConn(ch);
            ch.register(sel, SelectionKey.OP_READ, c);
            all.add(c);
        }
        final Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        final long warm = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        final long end = warm + TimeUnit.SECONDS.toNanos(seconds);
        mark(warm);
        final long[] done = {0};
        for (final RrConn c : all) {
            send(c);
        }
        final List<Long> raw = new ArrayList<>();
        while (System.nanoTime() - end < 0) {
            sel.select(key -> {
                final RrConn c = (RrConn) key.attachment();
                try {
                    final int n = c.ch.read(c.in);
                    if (n < 0) {
                        throw new IOException("closed");
                    }
                    if (!c.in.hasRemaining()) {
                        final long now = System.nanoTime();
                        if (now - warm >= 0) {
                            raw.add(now - c.sentAt);
                            done[0]++;
                        }
                        c.in.clear();
                        send(c);
                    }
                } catch (final IOException e) {
                    throw new IllegalStateException(e);
                }
            }, 100);
        }
        final long mean = raw.isEmpty() ? 1 : Math.max(1, raw.stream().mapToLong(Long::longValue).sum() / raw.size());
        for (final long v : raw) {
            h.recordValueWithExpectedInterval(Math.min(v, h.getHighestTrackableValue()), mean);
        }
        for (final RrConn c : all) {
            c.ch.close();
        }
        System.out.printf("RESULT requests_per_s=%d requests=%d p50_us=%.1f p99_us=%.1f p999_us=%.1f%n",
            done[0] / seconds, done[0],
            h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
            h.getValueAtPercentile(99.9) / 1000.0);
    }

    private static void send(final RrConn c) throws IOException {
        c.out.clear();
        while (c.out.hasRemaining()) {
            c.out.put((byte) 'q');
        }
        c.out.flip();
        c.sentAt = System.nanoTime();
        while (c.out.hasRemaining()) {
            c.ch.write(c.out);
        }
    }

    private static void connrate(final int port, final int threads, final int seconds) throws Exception {
        final AtomicLong done = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final long warm = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        final long end = warm + TimeUnit.SECONDS.toNanos(seconds);
        mark(warm);
        final List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            final int id = t;
            final Thread th = new Thread(() -> {
                final byte[] req = new byte[BenchServer.MESSAGE];
                final byte[] resp = new byte[BenchServer.MESSAGE];
                int src = id;
                while (System.nanoTime() - end < 0) {
                    src = (src + 1) % 249;
                    try (Socket s = new Socket()) {
                        s.setTcpNoDelay(true);
                        s.setSoTimeout(5000);
                        s.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (2 + src)}),
                            0));
                        s.connect(to(port), 5000);
                        final OutputStream o = s.getOutputStream();
                        final InputStream in = s.getInputStream();
                        o.write(req);
                        int got = 0;
                        while (got < resp.length) {
                            final int n = in.read(resp, got, resp.length - got);
                            if (n < 0) {
                                throw new IOException("closed early");
                            }
                            got += n;
                        }
                        if (System.nanoTime() - warm >= 0) {
                            done.incrementAndGet();
                        }
                    } catch (final IOException e) {
                        failed.incrementAndGet();
                    }
                }
            });
            th.start();
            ts.add(th);
        }
        for (final Thread t : ts) {
            t.join();
        }
        System.out.printf("RESULT connections_per_s=%d connections=%d failed=%d%n", done.get() / seconds, done.get(),
            failed.get());
    }

    private static void udp(final int port, final int size, final int seconds, final long rate) throws Exception {
        final int sockets = 16;
        final DatagramChannel[] chs = new DatagramChannel[sockets];
        final Selector sel = Selector.open();
        for (int i = 0; i < sockets; i++) {
            chs[i] = DatagramChannel.open();
            chs[i].setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
            chs[i].bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (2 + i)}), 0));
            chs[i].connect(to(port));
            chs[i].configureBlocking(false);
            chs[i].register(sel, SelectionKey.OP_READ);
        }
        final AtomicLong received = new AtomicLong();
        final long[] sent = {0};
        final long start = System.nanoTime();
        final long end = start + TimeUnit.SECONDS.toNanos(seconds);
        mark(start);
        final Thread reader = new Thread(() -> {
            final ByteBuffer b = ByteBuffer.allocateDirect(65536);
            try {
                while (System.nanoTime() - end - TimeUnit.MILLISECONDS.toNanos(500) < 0) {
                    sel.select(key -> {
                        try {
                            for (int i = 0; i < 64; i++) {
                                b.clear();
                                if (((DatagramChannel) key.channel()).read(b) <= 0) {
                                    break;
                                }
                                received.incrementAndGet();
                            }
                        } catch (final IOException e) {
                            // an ICMP error: counted as loss
                        }
                    }, 50);
                }
            } catch (final IOException e) {
                throw new IllegalStateException(e);
            }
        });
        reader.start();
        final ByteBuffer payload = ByteBuffer.allocateDirect(size);
        while (payload.hasRemaining()) {
            payload.put((byte) 'u');
        }
        final long interval = rate > 0 ? TimeUnit.SECONDS.toNanos(1) / rate : 0;
        long next = System.nanoTime();
        int k = 0;
        while (System.nanoTime() - end < 0) {
            if (interval > 0) {
                while (System.nanoTime() - next < 0) {
                    Thread.onSpinWait();
                }
                next += interval;
            }
            payload.rewind();
            try {
                chs[k++ % sockets].write(payload);
                sent[0]++;
            } catch (final IOException e) {
                sent[0]++; // refused (ICMP from an earlier datagram): counts as sent and lost
            }
        }
        reader.join();
        final double loss = sent[0] == 0 ? 0 : 100.0 * (sent[0] - received.get()) / sent[0];
        System.out.printf("RESULT sent_per_s=%d delivered_per_s=%d delivered=%d delivered_bytes_per_s=%d "
            + "loss_pct=%.2f%n", sent[0] / seconds, received.get() / seconds, received.get(),
            received.get() * size / seconds, Math.max(0, loss));
    }

    private static void idle(final int port, final int count) throws Exception {
        final List<SocketChannel> open = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            final SocketChannel c = SocketChannel.open();
            c.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (2 + i % 249)}), 0));
            c.connect(to(port));
            open.add(c);
        }
        // one round trip on each proves it is proxied end to end
        final ByteBuffer q = ByteBuffer.allocate(BenchServer.MESSAGE);
        for (final SocketChannel c : open) {
            q.clear();
            while (q.hasRemaining()) {
                q.put((byte) 'q');
            }
            q.flip();
            c.write(q);
            q.clear();
            while (q.hasRemaining()) {
                if (c.read(q) < 0) {
                    throw new IOException("closed");
                }
            }
        }
        System.out.println("ready " + open.size());
        System.out.flush();
        while (System.in.read() >= 0) {
            Thread.onSpinWait();
        }
        for (final SocketChannel c : open) {
            c.close();
        }
    }
}
