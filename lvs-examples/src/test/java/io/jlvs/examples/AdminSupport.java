package io.jlvs.examples;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starting directors with an admin socket and talking to it, for the admin tests. */
final class AdminSupport {
    final List<AutoCloseable> closeables = new ArrayList<>();
    final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Rules with one TCP service on a free loopback port and one real server. */
    static String rules(final int vport) {
        return "-A -t 127.0.0.1:" + vport + " -s wrr\n-a -t 127.0.0.1:" + vport + " -r 127.0.0.1:7001 -m -w 3\n";
    }

    Director start(final Path dir, final String rules, final String... adminArgs) throws Exception {
        final Path file = dir.resolve("rules-" + closeables.size());
        Files.writeString(file, rules);
        final List<String> args = new ArrayList<>(List.of("run", "--rules", file.toString(), "--event-loops", "1",
            "--drain", "0"));
        args.addAll(List.of(adminArgs));
        final Director d = Main.startDirector(args.toArray(new String[0]), InputStream.nullInputStream(), out, err);
        if (d == null) {
            throw new AssertionError("director did not start: " + err());
        }
        closeables.add(d);
        return d;
    }

    /** Sends lines, half-closes, reads everything until the server closes. */
    static String ask(final SocketAddress admin, final String... lines) throws IOException {
        try (SocketChannel ch = SocketChannel.open(admin)) {
            final StringBuilder sb = new StringBuilder();
            for (final String l : lines) {
                sb.append(l).append('\n');
            }
            write(ch, sb.toString());
            ch.shutdownOutput();
            return readAll(ch);
        }
    }

    static void write(final SocketChannel ch, final String s) throws IOException {
        final ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    static String readAll(final SocketChannel ch) throws IOException {
        final ByteArrayOutputStream all = new ByteArrayOutputStream();
        final ByteBuffer b = ByteBuffer.allocate(8192);
        while (ch.read(b) >= 0) {
            all.write(b.array(), 0, b.position());
            b.clear();
        }
        return all.toString(StandardCharsets.UTF_8);
    }

    /** Reads one line (without its newline), or null at the end of the stream. */
    static String readLine(final SocketChannel ch) throws IOException {
        final ByteArrayOutputStream line = new ByteArrayOutputStream();
        final ByteBuffer one = ByteBuffer.allocate(1);
        while (true) {
            one.clear();
            if (ch.read(one) < 0) {
                return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
            }
            if (one.get(0) == '\n') {
                return line.toString(StandardCharsets.UTF_8);
            }
            line.write(one.get(0));
        }
    }

    void close() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }
}
