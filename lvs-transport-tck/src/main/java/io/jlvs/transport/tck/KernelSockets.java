package io.jlvs.transport.tck;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Reads the kernel's view of a loopback TCP connection (Linux): for each of its two sockets, how many bytes are
 * queued but not yet read by the socket's owner ({@code rx}, ss's Recv-Q) and sent but not yet acknowledged
 * ({@code tx}, Send-Q). The suite uses it to prove that a director consumed bytes from a socket without looking
 * inside the transport. It asks {@code ss} with a filter (the kernel filters, so it stays fast on a host with tens
 * of thousands of sockets) and falls back to reading {@code /proc/net/tcp} and {@code tcp6}.
 *
 * <p>Thread-safe (stateless).
 */
final class KernelSockets {
    private static final Path[] TABLES = {Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6")};
    private static final Path SS = findSs();

    /** The queues of one socket, and whether its peer has closed (CLOSE-WAIT). */
    record Queues(long tx, long rx, boolean peerClosed) {
    }

    /** The queues of both sockets of a connection; either is null if the kernel did not list it. */
    record Connection(Queues a, Queues b) {
    }

    private KernelSockets() {
    }

    private static Path findSs() {
        for (final String p : new String[] {"/usr/bin/ss", "/bin/ss", "/usr/sbin/ss", "/sbin/ss"}) {
            if (Files.isExecutable(Path.of(p))) {
                return Path.of(p);
            }
        }
        return null;
    }

    /** {@return null if this system shows socket queues, else why not} */
    static String unavailable() {
        return SS != null || Files.isReadable(TABLES[0]) ? null
            : "neither ss nor a readable /proc/net/tcp (not Linux?)";
    }

    /**
     * The queues of the connection between two loopback ports: {@code a} is the socket bound to {@code portA}
     * whose peer is {@code portB}, {@code b} the other way round.
     */
    static Connection find(final int portA, final int portB) throws IOException, InterruptedException {
        return SS != null ? fromSs(portA, portB) : new Connection(fromProc(portA, portB), fromProc(portB, portA));
    }

    private static Connection fromSs(final int portA, final int portB) throws IOException, InterruptedException {
        final String filter = String.format(Locale.ROOT, "( sport = :%d and dport = :%d ) or ( sport = :%d and "
            + "dport = :%d )", portA, portB, portB, portA);
        final Process p = new ProcessBuilder(SS.toString(), "-tnH", filter).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("ss did not answer within 10 s");
        }
        Queues a = null;
        Queues b = null;
        for (final String line : out.split("\n")) {
            // State Recv-Q Send-Q Local:Port Peer:Port
            final String[] f = line.trim().split("\\s+");
            if (f.length < 5) {
                continue;
            }
            final Queues q = new Queues(Long.parseLong(f[2]), Long.parseLong(f[1]), f[0].equals("CLOSE-WAIT"));
            if (f[3].endsWith(":" + portA) && f[4].endsWith(":" + portB)) {
                a = q;
            } else if (f[3].endsWith(":" + portB) && f[4].endsWith(":" + portA)) {
                b = q;
            }
        }
        return new Connection(a, b);
    }

    private static Queues fromProc(final int localPort, final int remotePort) throws IOException {
        final String local = String.format(Locale.ROOT, ":%04X", localPort);
        final String remote = String.format(Locale.ROOT, ":%04X", remotePort);
        for (final Path table : TABLES) {
            if (!Files.isReadable(table)) {
                continue;
            }
            final List<String> lines = Files.readAllLines(table);
            for (int i = 1; i < lines.size(); i++) {
                final String[] f = lines.get(i).trim().split("\\s+");
                // sl local_address rem_address st tx_queue:rx_queue ...
                if (f.length > 4 && f[1].endsWith(local) && f[2].endsWith(remote)) {
                    final String[] q = f[4].split(":");
                    return new Queues(Long.parseLong(q[0], 16), Long.parseLong(q[1], 16), f[3].equals("08"));
                }
            }
        }
        return null;
    }
}
