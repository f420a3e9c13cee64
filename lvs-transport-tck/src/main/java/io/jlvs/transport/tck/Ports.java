package io.jlvs.transport.tck;

import io.jlvs.core.LoadBalancer;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Picks virtual ports for the suite's directors: a port the kernel just handed out is tried, and if something else
 * took it before the director bound it, another one (a virtual port only has to be free; dead real servers are
 * {@link DeadPort}s, never a port that was free a moment ago).
 *
 * <p>Thread-safe (stateless).
 */
final class Ports {
    private static final int ATTEMPTS = 5;

    /** Which kind of port. */
    enum Family {
        TCP4, UDP4, TCP6
    }

    /** Builds a director for a virtual port. */
    interface Factory {
        LoadBalancer build(int port) throws IOException;
    }

    private Ports() {
    }

    static LoadBalancer startTcp(final Factory f) throws IOException {
        return start(f, Family.TCP4);
    }

    static LoadBalancer start(final Factory f, final Family family) throws IOException {
        IOException last = null;
        for (int i = 0; i < ATTEMPTS; i++) {
            final LoadBalancer lb = f.build(family == Family.UDP4 ? freeUdp() : freeTcp(family == Family.TCP6
                ? InetAddress.getByName("::1") : InetAddress.getLoopbackAddress()));
            try {
                return lb.start();
            } catch (final IOException e) {
                lb.close(java.time.Duration.ZERO);
                if (!String.valueOf(e.getMessage()).contains("in use")) {
                    throw e;
                }
                last = e;
            }
        }
        throw last;
    }

    private static int freeTcp(final InetAddress address) throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(address, 0));
            return s.getLocalPort();
        }
    }

    private static int freeUdp() throws IOException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            return s.getLocalPort();
        }
    }
}
