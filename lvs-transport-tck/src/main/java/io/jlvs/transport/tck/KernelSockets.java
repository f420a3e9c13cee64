package io.jlvs.transport.tck;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Reads the kernel's view of loopback TCP sockets from {@code /proc/net/tcp} and {@code /proc/net/tcp6} (Linux):
 * how many bytes a socket has queued but not yet read by its owner ({@code rx_queue}) and sent but not yet
 * acknowledged ({@code tx_queue}). The suite uses it to prove that a director consumed bytes from a socket
 * without looking inside the transport.
 *
 * <p>Thread-safe (stateless).
 */
final class KernelSockets {
    private static final Path[] TABLES = {Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6")};

    /** The queues of one socket. */
    record Queues(long tx, long rx) {
    }

    private KernelSockets() {
    }

    /** @return null if this system has no readable {@code /proc/net/tcp}, else why not */
    static String unavailable() {
        return Files.isReadable(TABLES[0]) ? null : "no readable /proc/net/tcp (not Linux?)";
    }

    /**
     * The queues of the socket whose local port is {@code localPort} and whose peer's port is {@code remotePort}
     * (loopback ports are unique enough: both ends are on this host and the pair names one connection).
     *
     * @return the queues, or null if no such socket is listed
     */
    static Queues find(final int localPort, final int remotePort) throws IOException {
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
                    return new Queues(Long.parseLong(q[0], 16), Long.parseLong(q[1], 16));
                }
            }
        }
        return null;
    }
}
