package io.jlvs.jmh;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * The clients of {@link ConnectionMemory}, a process of its own: opens COUNT connections to {@code 127.0.0.1:PORT}
 * (source addresses 127.0.0.2 to 127.0.0.250 in turn), makes one 64-byte round trip on each (proof that each is
 * proxied end to end), prints {@code ready COUNT} and holds them idle. Commands on standard input:
 * <ul>
 *   <li>{@code traffic}: every connection sends a 64-byte request once per second (the sends spread evenly over
 *   the second) and reads the 64-byte answer ({@code BenchServer}'s request/response port answers each);</li>
 *   <li>{@code idle}: stop sending, wait for the answers in flight, print
 *   {@code idle completed=N failed=N skipped=N closed=N} (skipped: a send that was due while that connection's
 *   previous answer had not come back; failed: a connection that closed or an answer that did not come back
 *   within 10 s of {@code idle}).</li>
 * </ul>
 * It closes every connection and stops when standard input closes.
 *
 * <p>Not thread-safe: the stdin thread only queues commands; the main thread owns every connection and counter.
 */
public final class MemoryClients {
    private static final int MESSAGE = 64;

    private MemoryClients() {
    }

    /** One connection; confined to the main thread. */
    private static final class Conn {
        final SocketChannel ch;
        int got;
        boolean inFlight;
        boolean dead;

        Conn(final SocketChannel ch) {
            this.ch = ch;
        }
    }

    /**
     * Runs the clients.
     *
     * @param args port, count
     * @throws Exception on failure
     */
    public static void main(final String[] args) throws Exception {
        final int port = Integer.parseInt(args[0]);
        final int count = Integer.parseInt(args[1]);
        final InetSocketAddress to = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        final Selector sel = Selector.open();
        final Conn[] conns = new Conn[count];
        final ByteBuffer q = ByteBuffer.allocateDirect(MESSAGE);
        final ByteBuffer r = ByteBuffer.allocateDirect(64 * 1024);
        for (int i = 0; i < count; i++) {
            final SocketChannel c = SocketChannel.open();
            c.setOption(StandardSocketOptions.TCP_NODELAY, true);
            c.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (2 + i % 249)}), 0));
            c.connect(to);
            fill(q);
            while (q.hasRemaining()) {
                c.write(q);
            }
            r.clear().limit(MESSAGE);
            while (r.hasRemaining()) {
                if (c.read(r) < 0) {
                    throw new IOException("connection " + i + " closed before its first answer");
                }
            }
            c.configureBlocking(false);
            conns[i] = new Conn(c);
            c.register(sel, SelectionKey.OP_READ, conns[i]);
        }
        System.out.println("ready " + count);
        System.out.flush();
        final Queue<String> commands = new ConcurrentLinkedQueue<>();
        final Thread reader = new Thread(() -> {
            try {
                final BufferedReader in = new BufferedReader(new InputStreamReader(System.in,
                    StandardCharsets.US_ASCII));
                for (String l = in.readLine(); l != null; l = in.readLine()) {
                    commands.add(l);
                    sel.wakeup();
                }
            } catch (final IOException e) {
                // treated as end of input
            }
            commands.add("quit");
            sel.wakeup();
        }, "commands");
        reader.setDaemon(true);
        reader.start();
        boolean traffic = false;
        boolean stopping = false;
        long stoppingSince = 0;
        long start = 0;
        long scheduled = 0;
        final long[] counts = new long[4]; // completed, failed, skipped, closed
        final int[] inFlight = {0};
        while (true) {
            sel.select(key -> {
                final Conn c = (Conn) key.attachment();
                try {
                    r.clear();
                    final int n = c.ch.read(r);
                    if (n < 0) {
                        throw new IOException("closed");
                    }
                    c.got += n;
                    while (c.got >= MESSAGE) {
                        c.got -= MESSAGE;
                        if (c.inFlight) {
                            c.inFlight = false;
                            inFlight[0]--;
                            counts[0]++;
                        }
                    }
                } catch (final IOException e) {
                    if (c.inFlight) {
                        inFlight[0]--;
                        counts[1]++;
                    }
                    c.inFlight = false;
                    c.dead = true;
                    counts[3]++;
                    key.cancel();
                    close(c.ch);
                }
            }, traffic || stopping ? 10 : 1000);
            for (String cmd = commands.poll(); cmd != null; cmd = commands.poll()) {
                if (cmd.equals("traffic")) {
                    traffic = true;
                    start = System.nanoTime();
                    scheduled = 0;
                } else if (cmd.equals("idle")) {
                    traffic = false;
                    stopping = true;
                    stoppingSince = System.nanoTime();
                } else if (cmd.equals("quit")) {
                    for (final Conn c : conns) {
                        close(c.ch);
                    }
                    return;
                }
            }
            if (traffic) {
                final long due = (System.nanoTime() - start) * count / TimeUnit.SECONDS.toNanos(1);
                while (scheduled < due) {
                    final Conn c = conns[(int) (scheduled++ % count)];
                    if (c.dead) {
                        continue;
                    }
                    if (c.inFlight) {
                        counts[2]++;
                        continue;
                    }
                    fill(q);
                    try {
                        if (c.ch.write(q) != MESSAGE) {
                            throw new IOException("short write");
                        }
                        c.inFlight = true;
                        inFlight[0]++;
                    } catch (final IOException e) {
                        counts[1]++;
                        c.dead = true;
                        counts[3]++;
                        close(c.ch);
                    }
                }
            }
            if (stopping && inFlight[0] > 0 && System.nanoTime() - stoppingSince > TimeUnit.SECONDS.toNanos(10)) {
                // answers that have not come back in 10 s are lost
                for (final Conn c : conns) {
                    if (c.inFlight) {
                        c.inFlight = false;
                        counts[1]++;
                    }
                }
                inFlight[0] = 0;
            }
            if (stopping && inFlight[0] == 0) {
                stopping = false;
                System.out.println("idle completed=" + counts[0] + " failed=" + counts[1] + " skipped=" + counts[2]
                    + " closed=" + counts[3]);
                System.out.flush();
            }
        }
    }

    private static void fill(final ByteBuffer q) {
        q.clear();
        while (q.hasRemaining()) {
            q.put((byte) 'q');
        }
        q.flip();
    }

    private static void close(final SocketChannel c) {
        try {
            c.close();
        } catch (final IOException ignored) {
            // closing
        }
    }
}
