package io.jlvs.examples;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
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
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Backends, captured output and small clients for the tests of {@code jlvs run}'s wiring. */
final class WireSupport implements AutoCloseable {
    final List<AutoCloseable> closeables = new ArrayList<>();
    final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    /** Starts {@code jlvs run} in this JVM through the CLI's parser; closed with the support. */
    Director run(final String... args) throws Main.UsageException {
        final String[] a = new String[args.length + 1];
        a[0] = "run";
        System.arraycopy(args, 0, a, 1, args.length);
        final Director d = Main.startDirector(a, InputStream.nullInputStream(), out, err);
        if (d != null) {
            closeables.add(d);
        }
        return d;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A backend that writes its name and a newline, then echoes what it reads until the client closes. */
    ServerSocket named(final String name) throws IOException {
        final ServerSocket s = new ServerSocket(0, 512, InetAddress.getLoopbackAddress());
        closeables.add(s);
        final Thread t = new Thread(() -> {
            while (!s.isClosed()) {
                final Socket c;
                try {
                    c = s.accept();
                } catch (final IOException e) {
                    return;
                }
                final Thread h = new Thread(() -> {
                    try (c) {
                        final OutputStream o = c.getOutputStream();
                        o.write((name + "\n").getBytes(StandardCharsets.US_ASCII));
                        o.flush();
                        c.getInputStream().transferTo(o);
                    } catch (final IOException ignored) {
                        // the client went away
                    }
                });
                h.setDaemon(true);
                h.start();
            }
        }, "backend-" + name);
        t.setDaemon(true);
        t.start();
        return s;
    }

    static String line(final InputStream in) throws IOException {
        final StringBuilder sb = new StringBuilder();
        for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
            sb.append((char) c);
        }
        return sb.toString();
    }

    /** Connects to a VIP and returns the first line (the backend's name). */
    static String nameAt(final int port) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            return line(s.getInputStream());
        }
    }

    /** Sends admin lines over TCP, half-closes, and returns everything the director answered. */
    static String ask(final InetSocketAddress admin, final String... lines) throws IOException {
        try (Socket s = new Socket(admin.getAddress(), admin.getPort())) {
            s.setSoTimeout(10_000);
            final OutputStream o = s.getOutputStream();
            for (final String l : lines) {
                o.write((l + "\n").getBytes(StandardCharsets.UTF_8));
            }
            s.shutdownOutput();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static HttpResponse<String> get(final String url) throws IOException, InterruptedException {
        final HttpClient c = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        return c.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    }

    /** The first group of a pattern in the output, or an AssertionError showing the output. */
    String find(final String regex) {
        final Matcher m = Pattern.compile(regex).matcher(out());
        if (!m.find()) {
            throw new AssertionError("no '" + regex + "' in:\n" + out() + "\nstderr:\n" + err());
        }
        return m.group(1);
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (int i = closeables.size() - 1; i >= 0; i--) {
            try {
                closeables.get(i).close();
            } catch (final Exception e) {
                if (first == null) {
                    first = new IOException("closing " + closeables.get(i), e);
                }
            }
        }
        closeables.clear();
        if (first != null) {
            throw first;
        }
    }
}
