package io.jlvs.transport.nio;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** An in-process TCP backend on loopback: a thread accepts and each connection runs a handler in its own thread. */
final class Backend implements AutoCloseable {
    interface Handler {
        void serve(Socket s, Backend b) throws IOException;
    }

    final ServerSocket server;
    final String name;
    final AtomicInteger accepted = new AtomicInteger();
    final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    private volatile boolean closed;

    Backend(final String name, final Handler handler) throws IOException {
        this(name, 0, handler);
    }

    Backend(final String name, final int port, final Handler handler) throws IOException {
        this.name = name;
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1024);
        acceptor = new Thread(() -> {
            while (!closed) {
                try {
                    final Socket s = server.accept();
                    accepted.incrementAndGet();
                    sockets.add(s);
                    final Thread t = new Thread(() -> {
                        try {
                            handler.serve(s, this);
                        } catch (final IOException ignored) {
                            // the test decides what a failure means
                        } finally {
                            try {
                                s.close();
                            } catch (final IOException ignored) {
                                // closing
                            }
                        }
                    }, "backend-" + name + "-conn");
                    t.setDaemon(true);
                    t.start();
                } catch (final IOException e) {
                    return;
                }
            }
        }, "backend-" + name);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    static void echo(final Socket s, final Backend b) throws IOException {
        final InputStream in = s.getInputStream();
        final OutputStream out = s.getOutputStream();
        final byte[] buf = new byte[64 * 1024];
        for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
            out.write(buf, 0, n);
        }
        s.shutdownOutput();
    }

    /** Writes its name and a newline, then echoes. */
    static void named(final Socket s, final Backend b) throws IOException {
        s.getOutputStream().write((b.name + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        echo(s, b);
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (final Socket s : sockets) {
            s.close();
        }
    }

    /**
     * A TCP port that refuses connections for as long as the returned socket stays open: the socket is bound to
     * loopback but never listens, so the kernel answers a SYN with a reset and no other test can take the port.
     */
    static Socket deadTcp() throws IOException {
        final Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return s;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * A UDP port free on loopback a moment ago (a TCP probe says nothing about UDP: a UDP backend's ephemeral port
     * may carry the same number).
     */
    static int freeUdpPort() throws IOException {
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(
            new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            return s.getLocalPort();
        }
    }
}
