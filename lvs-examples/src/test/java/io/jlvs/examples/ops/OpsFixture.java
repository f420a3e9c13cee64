package io.jlvs.examples.ops;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Loopback backends, clients and HTTP GETs for the ops tests. */
final class OpsFixture {
    private OpsFixture() {
    }

    /** Echoes every byte; one thread per connection; sockets kept open while the client holds them. */
    static final class Echo implements AutoCloseable {
        final ServerSocket server;
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();

        Echo() throws IOException {
            server = new ServerSocket();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
            final Thread t = new Thread(() -> {
                while (true) {
                    final Socket s;
                    try {
                        s = server.accept();
                    } catch (final IOException e) {
                        return;
                    }
                    sockets.add(s);
                    final Thread c = new Thread(() -> {
                        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                            final byte[] buf = new byte[8192];
                            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                                out.write(buf, 0, n);
                            }
                        } catch (final IOException ignored) {
                            // client gone
                        }
                    }, "echo-conn");
                    c.setDaemon(true);
                    c.start();
                }
            }, "echo");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (final Socket s : sockets) {
                s.close();
            }
        }
    }

    static int deadPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static String roundTrip(final int port, final String text) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    /** Opens a connection through the director and checks it relays; the caller closes it. */
    static Socket held(final int port) throws IOException {
        final Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.setSoTimeout(20_000);
        s.getOutputStream().write('x');
        if (s.getInputStream().read() != 'x') {
            throw new IOException("no echo");
        }
        return s;
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    static HttpResponse<String> get(final InetSocketAddress a, final String path) throws Exception {
        return send(a, path, "GET");
    }

    static HttpResponse<String> send(final InetSocketAddress a, final String path, final String method)
        throws Exception {
        final HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.getPort() + path))
            .timeout(Duration.ofSeconds(20)).method(method, HttpRequest.BodyPublishers.noBody()).build();
        return HTTP.send(r, HttpResponse.BodyHandlers.ofString());
    }

    static void waitFor(final String what, final BooleanSupplier condition) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }
}
