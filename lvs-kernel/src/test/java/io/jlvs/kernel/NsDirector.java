package io.jlvs.kernel;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.listing.ConnectionSnapshot;
import io.jlvs.core.listing.ListFormat;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;

/**
 * A director, its backends and its clients in one process that a test runs inside its own network namespace with
 * {@code ip netns exec}. Reads commands on stdin, answers with lines and then {@code OK} or {@code ERR message}.
 * Backends answer each connection with their id and a line end, then echo every byte until the client's EOF.
 *
 * <p>Threads: the command thread owns everything but the backends' accept threads and connection threads, which
 * own their sockets; {@code backends} and {@code held} are concurrent maps.
 */
public final class NsDirector {
    private static final Map<String, Backend> BACKENDS = new ConcurrentHashMap<>();
    private static final Map<String, Socket> HELD = new ConcurrentHashMap<>();
    private static LoadBalancer lb;
    private static KernelDataPath kernel;
    private static Future<String> background;

    private NsDirector() {
    }

    /** A backend: a listener and its live connections. */
    private static final class Backend {
        final ServerSocket server;
        final List<Socket> live = new CopyOnWriteArrayList<>();

        Backend(final String id, final String address, final int port) throws IOException {
            server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(address, port), 128);
            final Thread t = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        final Socket s = server.accept();
                        live.add(s);
                        final Thread c = new Thread(() -> serve(id, s));
                        c.setDaemon(true);
                        c.start();
                    } catch (final IOException e) {
                        return;
                    }
                }
            });
            t.setDaemon(true);
            t.start();
        }

        void serve(final String id, final Socket s) {
            try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                out.write((id + "\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                final byte[] buf = new byte[16384];
                for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                    out.write(buf, 0, n);
                }
            } catch (final IOException e) {
                // killed or reset
            } finally {
                live.remove(s);
            }
        }

        void kill() throws IOException {
            server.close();
            for (final Socket s : live) {
                s.close();
            }
        }
    }

    /**
     * Runs the command loop.
     *
     * @param args none
     * @throws IOException if stdin fails
     */
    public static void main(final String[] args) throws IOException {
        final PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            try {
                final String answer = command(line.trim().split("\\s+"));
                if (!answer.isEmpty()) {
                    out.println(answer);
                }
                out.println("OK");
                if (line.startsWith("quit")) {
                    return;
                }
            } catch (final Exception e) {
                out.println("ERR " + String.valueOf(e.getMessage()).replace('\n', ' '));
            }
        }
    }

    private static String command(final String[] a) throws Exception {
        switch (a[0]) {
            case "backend":
                BACKENDS.put(a[1], new Backend(a[1], a[2], Integer.parseInt(a[3])));
                return "";
            case "kill":
                BACKENDS.remove(a[1]).kill();
                return "";
            case "udp-backend": {
                final java.net.DatagramSocket u = new java.net.DatagramSocket(new InetSocketAddress(a[2],
                    Integer.parseInt(a[3])));
                final byte[] id = a[1].getBytes(StandardCharsets.US_ASCII);
                final Thread t = new Thread(() -> {
                    final byte[] buf = new byte[2048];
                    while (true) {
                        try {
                            final java.net.DatagramPacket p = new java.net.DatagramPacket(buf, buf.length);
                            u.receive(p);
                            u.send(new java.net.DatagramPacket(id, id.length, p.getSocketAddress()));
                        } catch (final IOException e) {
                            return;
                        }
                    }
                });
                t.setDaemon(true);
                t.start();
                return "";
            }
            case "udp": { // N flows (one socket each), one datagram of BYTES each; the ids that answered
                // every socket stays open until the last answer: a closed socket's port could be handed out again
                // and its next flow would match the earlier flow's conntrack entry instead of being scheduled
                final List<String> ids = new ArrayList<>();
                final List<java.net.DatagramSocket> open = new ArrayList<>();
                try {
                    for (int i = 0; i < Integer.parseInt(a[1]); i++) {
                        final java.net.DatagramSocket u = new java.net.DatagramSocket();
                        open.add(u);
                        u.setSoTimeout(5000);
                        final byte[] data = new byte[Integer.parseInt(a[4])];
                        u.send(new java.net.DatagramPacket(data, data.length, new InetSocketAddress(a[2],
                            Integer.parseInt(a[3]))));
                        final java.net.DatagramPacket p = new java.net.DatagramPacket(new byte[64], 64);
                        u.receive(p);
                        ids.add(new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII));
                    }
                } finally {
                    open.forEach(java.net.DatagramSocket::close);
                }
                return String.join(" ", ids);
            }
            case "unlisten": // the listener closes (new connections are refused), live connections stay
                BACKENDS.get(a[1]).server.close();
                return "";
            case "start":
                lb = LoadBalancer.builder().rules(Files.readString(Path.of(a[1]))).eventLoops(1).build().start();
                kernel = KernelDataPath.attach(lb, a[2]);
                return "";
            case "connect":
                return connect(Integer.parseInt(a[1]), a[2], Integer.parseInt(a[3]), Integer.parseInt(a[4]));
            case "bg-connect": {
                final String[] b = a.clone();
                final FutureTask<String> task = new FutureTask<>(() -> connect(Integer.parseInt(b[1]), b[2],
                    Integer.parseInt(b[3]), Integer.parseInt(b[4])));
                final Thread t = new Thread(task);
                t.setDaemon(true);
                t.start();
                background = task;
                return "";
            }
            case "bg-wait":
                return background.get();
            case "hold": {
                final Socket s = new Socket();
                s.connect(new InetSocketAddress(a[2], Integer.parseInt(a[3])), 5000);
                s.setSoTimeout(10_000);
                HELD.put(a[1], s);
                return readLine(s.getInputStream());
            }
            case "echo": {
                final Socket s = HELD.get(a[1]);
                final int n = Integer.parseInt(a[2]);
                final byte[] data = new byte[n];
                for (int i = 0; i < n; i++) {
                    data[i] = (byte) (i * 31 + 7);
                }
                s.getOutputStream().write(data);
                final byte[] back = s.getInputStream().readNBytes(n);
                if (!java.util.Arrays.equals(data, back)) {
                    throw new IOException("echo: " + back.length + " bytes came back, not the " + n + " sent");
                }
                return "echoed " + n;
            }
            case "weight":
                lb.weight(ServiceKey.tcp(a[1], Integer.parseInt(a[2])), a[3], Integer.parseInt(a[4]),
                    Integer.parseInt(a[5]));
                kernel.syncNow();
                return "";
            case "reload": {
                final String r = lb.reload(Path.of(a[1])).toString();
                kernel.syncNow();
                return r.replace('\n', ' ');
            }
            case "list":
                return kernel.list(ListFormat.valueOf(a[1]));
            case "conns": {
                final StringBuilder sb = new StringBuilder();
                for (final ConnectionSnapshot c : kernel.connections()) {
                    sb.append(sb.length() == 0 ? "" : "\n").append(c.row());
                }
                return sb.toString();
            }
            case "error":
                return String.valueOf(kernel.lastError());
            case "quit":
                kernel.close();
                lb.close(java.time.Duration.ZERO);
                return "";
            default:
                throw new IllegalArgumentException("unknown command " + a[0]);
        }
    }

    private static String connect(final int n, final String address, final int port, final int bytes)
        throws IOException {
        final List<String> ids = new ArrayList<>();
        final byte[] data = new byte[bytes];
        for (int i = 0; i < n; i++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(address, port), 5000);
                s.setSoTimeout(10_000);
                final String id = readLine(s.getInputStream());
                s.getOutputStream().write(data);
                s.shutdownOutput();
                final byte[] back = s.getInputStream().readAllBytes();
                if (back.length != bytes) {
                    throw new IOException("connection " + i + " to " + id + ": " + back.length + " bytes echoed, not "
                        + bytes);
                }
                ids.add(id);
            }
        }
        return String.join(" ", ids);
    }

    private static String readLine(final InputStream in) throws IOException {
        final StringBuilder sb = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("connection closed before the backend's id");
            }
            sb.append((char) c);
        }
        return sb.toString();
    }
}
