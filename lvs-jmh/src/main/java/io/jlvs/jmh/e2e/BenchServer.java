package io.jlvs.jmh.e2e;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * The benchmark's backend, a process of its own: on {@code base} a source that streams bytes to every connection
 * (bulk throughput), on {@code base+1} a request/response server (64-byte request, 64-byte answer, keep-alive;
 * also used for new-connection rate and idle connections), and on UDP {@code base+2} an echo. Two selector
 * threads share the work. Bound to 127.0.0.1; it stops when its standard input closes.
 */
public final class BenchServer {
    static final int MESSAGE = 64;

    private BenchServer() {
    }

    /**
     * Runs the backend.
     *
     * @param args base port
     * @throws IOException on I/O failure
     */
    public static void main(final String[] args) throws IOException {
        final int base = Integer.parseInt(args[0]);
        final InetAddress lo = InetAddress.getLoopbackAddress();
        final Selector[] selectors = {Selector.open(), Selector.open()};
        final ServerSocketChannel source = ServerSocketChannel.open();
        source.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        source.bind(new InetSocketAddress(lo, base), 4096);
        final ServerSocketChannel rr = ServerSocketChannel.open();
        rr.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        rr.bind(new InetSocketAddress(lo, base + 1), 4096);
        final DatagramChannel udp = DatagramChannel.open();
        udp.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
        udp.bind(new InetSocketAddress(lo, base + 2));
        for (int t = 0; t < 2; t++) {
            final Selector sel = selectors[t];
            final boolean first = t == 0;
            final Thread th = new Thread(() -> loop(sel, first ? source : null, first ? rr : null,
                first ? null : udp, selectors), "bench-server-" + t);
            th.setDaemon(true);
            th.start();
        }
        System.out.println("ready");
        System.out.flush();
        while (System.in.read() >= 0) {
            Thread.onSpinWait();
        }
    }

    private static final class Conn {
        final boolean stream;
        final ByteBuffer buf;

        Conn(final boolean stream) {
            this.stream = stream;
            this.buf = ByteBuffer.allocateDirect(stream ? 256 * 1024 : MESSAGE);
            if (stream) {
                while (buf.hasRemaining()) {
                    buf.put((byte) 'x');
                }
                buf.flip();
            }
        }
    }

    private static void loop(final Selector sel, final ServerSocketChannel source, final ServerSocketChannel rr,
        final DatagramChannel udp, final Selector[] all) {
        try {
            if (source != null) {
                source.configureBlocking(false);
                source.register(sel, SelectionKey.OP_ACCEPT, Boolean.TRUE);
                rr.configureBlocking(false);
                rr.register(sel, SelectionKey.OP_ACCEPT, Boolean.FALSE);
            }
            if (udp != null) {
                udp.configureBlocking(false);
                udp.register(sel, SelectionKey.OP_READ, "udp");
            }
            final ByteBuffer dgram = ByteBuffer.allocateDirect(65536);
            final int[] next = {0};
            while (true) {
                sel.select(key -> {
                    try {
                        final Object a = key.attachment();
                        if (a instanceof Boolean) {
                            final SocketChannel c = ((ServerSocketChannel) key.channel()).accept();
                            if (c == null) {
                                return;
                            }
                            c.configureBlocking(false);
                            c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                            final boolean stream = (Boolean) a;
                            final Selector target = all[next[0]++ & 1];
                            // register from this thread: JDK selectors accept registration while another selects
                            c.register(target, stream ? SelectionKey.OP_WRITE : SelectionKey.OP_READ,
                                new Conn(stream));
                            target.wakeup();
                        } else if ("udp".equals(a)) {
                            for (int i = 0; i < 64; i++) {
                                dgram.clear();
                                final java.net.SocketAddress from = udp.receive(dgram);
                                if (from == null) {
                                    break;
                                }
                                dgram.flip();
                                udp.send(dgram, from);
                            }
                        } else {
                            serve(key, (Conn) a);
                        }
                    } catch (final IOException e) {
                        key.cancel();
                        try {
                            key.channel().close();
                        } catch (final IOException ignored) {
                            // closing
                        }
                    }
                });
            }
        } catch (final IOException e) {
            e.printStackTrace();
        }
    }

    private static void serve(final SelectionKey key, final Conn c) throws IOException {
        final SocketChannel ch = (SocketChannel) key.channel();
        if (c.stream) {
            c.buf.rewind();
            ch.write(c.buf);
            return;
        }
        if (key.isReadable()) {
            final int n = ch.read(c.buf);
            if (n < 0) {
                key.cancel();
                ch.close();
                return;
            }
            if (!c.buf.hasRemaining()) {
                c.buf.flip();
                ch.write(c.buf);
                if (c.buf.hasRemaining()) {
                    key.interestOps(SelectionKey.OP_WRITE);
                } else {
                    c.buf.clear();
                }
            }
        } else if (key.isWritable()) {
            ch.write(c.buf);
            if (!c.buf.hasRemaining()) {
                c.buf.clear();
                key.interestOps(SelectionKey.OP_READ);
            }
        }
    }
}
