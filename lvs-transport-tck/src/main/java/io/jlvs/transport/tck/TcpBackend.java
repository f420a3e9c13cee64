package io.jlvs.transport.tck;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real server on loopback for the suite: one thread accepts, each connection runs a handler on its own thread.
 * It counts what it accepted and how many connections it held at once.
 *
 * <p>Thread-safe: the counters are atomics, the socket list is copy-on-write; the acceptor thread owns the accept
 * loop, each connection thread owns its socket until {@link #close()}.
 */
final class TcpBackend implements AutoCloseable {
    /** What a backend does with one connection. */
    interface Handler {
        void serve(Socket s, TcpBackend b) throws IOException;
    }

    final String name;
    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger live = new AtomicInteger();
    final AtomicInteger maxLive = new AtomicInteger();
    final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final ServerSocket server;
    private final Thread acceptor;
    private volatile boolean closed;

    TcpBackend(final String name, final Handler handler) throws IOException {
        this(name, InetAddress.getLoopbackAddress(), handler);
    }

    TcpBackend(final String name, final InetAddress address, final Handler handler) throws IOException {
        this(name, new InetSocketAddress(address, 0), handler);
    }

    /** A backend on a given loopback port: a test stops one and starts it again where it was. */
    TcpBackend(final String name, final int port, final Handler handler) throws IOException {
        this(name, new InetSocketAddress(InetAddress.getLoopbackAddress(), port), handler);
    }

    private TcpBackend(final String name, final InetSocketAddress at, final Handler handler) throws IOException {
        this.name = name;
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(at, 128);
        acceptor = new Thread(() -> acceptLoop(handler), "tck-backend-" + name);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void acceptLoop(final Handler handler) {
        while (!closed) {
            final Socket s;
            try {
                s = server.accept();
            } catch (final IOException e) {
                return; // closed
            }
            accepted.incrementAndGet();
            maxLive.accumulateAndGet(live.incrementAndGet(), Math::max);
            sockets.add(s);
            final Thread t = new Thread(() -> {
                try {
                    s.setSoTimeout(30_000);
                    handler.serve(s, this);
                } catch (final IOException ignored) {
                    // what a failure means is the test's business (it observes the client side)
                } finally {
                    live.decrementAndGet();
                    try {
                        s.close();
                    } catch (final IOException ignored) {
                        // closing
                    }
                }
            }, "tck-backend-" + name + "-conn");
            t.setDaemon(true);
            t.start();
        }
    }

    int port() {
        return server.getLocalPort();
    }

    /** Echoes until the client's end of stream, then half-closes. */
    static void echo(final Socket s, final TcpBackend b) throws IOException {
        final InputStream in = s.getInputStream();
        final OutputStream out = s.getOutputStream();
        final byte[] buf = new byte[64 * 1024];
        for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
            out.write(buf, 0, n);
        }
        s.shutdownOutput();
    }

    /** Writes its name and a newline, then echoes. */
    static void named(final Socket s, final TcpBackend b) throws IOException {
        s.getOutputStream().write((b.name + "\n").getBytes(StandardCharsets.US_ASCII));
        echo(s, b);
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (final Socket s : sockets) {
            s.close();
        }
        try {
            acceptor.join(10_000);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (acceptor.isAlive()) {
            throw new IllegalStateException("backend " + name + ": acceptor thread still running 10 s after close");
        }
    }
}
