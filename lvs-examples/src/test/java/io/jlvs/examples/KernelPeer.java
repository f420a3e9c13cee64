package io.jlvs.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The backends and clients of {@link KernelCliTest}, in a child JVM that the test runs inside its network namespace
 * ({@code ip netns exec}), beside the {@code jlvs run} director it tests. Reads commands on stdin and answers with
 * lines, then {@code OK} or {@code ERR message}:
 * <ul>
 * <li>{@code backend ID ADDRESS PORT}: a TCP listener that sends {@code ID\n} on each connection, then echoes every
 * byte until the client's EOF;</li>
 * <li>{@code connect N ADDRESS PORT BYTES}: N connections one after the other, each reads the backend's id, sends
 * BYTES bytes, half-closes and reads them back; answers the ids, space-separated;</li>
 * <li>{@code quit}.</li>
 * </ul>
 *
 * <p>Threads: the command thread owns {@code BACKENDS} (a concurrent map); each backend's accept thread and its
 * connection threads own their sockets.
 */
public final class KernelPeer {
    private static final Map<String, ServerSocket> BACKENDS = new ConcurrentHashMap<>();

    private KernelPeer() {
    }

    /**
     * Runs the command loop until {@code quit} or the end of stdin.
     *
     * @param args none
     * @throws IOException if stdin fails
     */
    public static void main(final String[] args) throws IOException {
        final PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            final String[] a = line.trim().split("\\s+");
            try {
                final String answer = command(a);
                if (!answer.isEmpty()) {
                    out.println(answer);
                }
                out.println("OK");
                if (a[0].equals("quit")) {
                    return;
                }
            } catch (final IOException | RuntimeException e) {
                out.println("ERR " + String.valueOf(e.getMessage()).replace('\n', ' '));
            }
        }
    }

    private static String command(final String[] a) throws IOException {
        switch (a[0]) {
            case "backend": {
                final ServerSocket server = new ServerSocket();
                server.setReuseAddress(true);
                server.bind(new InetSocketAddress(a[2], Integer.parseInt(a[3])), 128);
                BACKENDS.put(a[1], server);
                final byte[] id = (a[1] + "\n").getBytes(StandardCharsets.US_ASCII);
                final Thread t = new Thread(() -> accept(server, id), "backend-" + a[1]);
                t.setDaemon(true);
                t.start();
                return "";
            }
            case "connect":
                return connect(Integer.parseInt(a[1]), a[2], Integer.parseInt(a[3]), Integer.parseInt(a[4]));
            case "quit":
                for (final ServerSocket s : BACKENDS.values()) {
                    s.close();
                }
                return "";
            default:
                throw new IllegalArgumentException("unknown command " + a[0]
                    + " (expected backend, connect or quit)");
        }
    }

    private static void accept(final ServerSocket server, final byte[] id) {
        while (!server.isClosed()) {
            final Socket s;
            try {
                s = server.accept();
            } catch (final IOException e) {
                return;
            }
            final Thread c = new Thread(() -> {
                try (s; InputStream in = s.getInputStream(); OutputStream o = s.getOutputStream()) {
                    o.write(id);
                    o.flush();
                    final byte[] buf = new byte[16384];
                    for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                        o.write(buf, 0, n);
                    }
                } catch (final IOException e) {
                    // the client reset: nothing to serve
                }
            });
            c.setDaemon(true);
            c.start();
        }
    }

    private static String connect(final int n, final String address, final int port, final int bytes)
        throws IOException {
        final List<String> ids = new ArrayList<>();
        final byte[] data = new byte[bytes];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31 + 7);
        }
        for (int i = 0; i < n; i++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(address, port), 5000);
                s.setSoTimeout(10_000);
                final InputStream in = s.getInputStream();
                final StringBuilder id = new StringBuilder();
                for (int c = in.read(); c != '\n'; c = in.read()) {
                    if (c < 0) {
                        throw new IOException("connection " + i + ": closed before the backend's id");
                    }
                    id.append((char) c);
                }
                s.getOutputStream().write(data);
                s.shutdownOutput();
                final byte[] back = in.readAllBytes();
                if (!java.util.Arrays.equals(data, back)) {
                    throw new IOException("connection " + i + " to " + id + ": " + back.length
                        + " bytes echoed, not the " + bytes + " sent");
                }
                ids.add(id.toString());
            }
        }
        return String.join(" ", ids);
    }
}
