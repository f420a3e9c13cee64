package io.jlvs.micrometer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A loopback TCP backend that echoes every byte, one thread per connection. */
final class EchoBackend implements AutoCloseable {
    private final ServerSocket server;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    EchoBackend() throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        final Thread t = new Thread(this::acceptLoop, "echo-" + server.getLocalPort());
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!closed) {
            final Socket s;
            try {
                s = server.accept();
            } catch (final IOException e) {
                return;
            }
            sockets.add(s);
            final Thread t = new Thread(() -> {
                try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                    final byte[] buf = new byte[8192];
                    for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                        out.write(buf, 0, n);
                    }
                } catch (final IOException ignored) {
                    // the client went away
                }
            }, "echo-conn");
            t.setDaemon(true);
            t.start();
        }
    }

    /** A port nothing listens on: bound, then closed. */
    static int deadPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Sends a line through the director and reads it back. */
    static String roundTrip(final int port, final String line) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(line.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            s.shutdownOutput();
            final byte[] back = s.getInputStream().readAllBytes();
            return new String(back, java.nio.charset.StandardCharsets.US_ASCII);
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (final Socket s : sockets) {
            s.close();
        }
    }
}
