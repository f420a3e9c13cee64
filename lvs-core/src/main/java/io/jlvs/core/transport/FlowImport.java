package io.jlvs.core.transport;

import io.jlvs.core.net.Protocol;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A flow another director placed (learned from its sync master) that this director's engine should carry on: the
 * client's next datagrams go to the same real server, as they would have on the other director.
 *
 * <p>Immutable.
 *
 * @param protocol the flow's protocol ({@link Protocol#UDP}: engines import UDP flows only, TCP connections of a
 *     full proxy cannot move between processes)
 * @param client the client's address and port
 * @param virtual the virtual service's address and port
 * @param server the real server's address and port the flow is bound to
 * @param remainingMillis how long the flow has left before it expires unless a datagram refreshes it
 */
public record FlowImport(Protocol protocol, InetSocketAddress client, InetSocketAddress virtual,
    InetSocketAddress server, long remainingMillis) {
    /**
     * Checks the parts.
     *
     * @param protocol the protocol
     * @param client the client endpoint
     * @param virtual the virtual endpoint
     * @param server the real server endpoint
     * @param remainingMillis the remaining timeout, not negative
     * @throws IllegalArgumentException if the remaining time is negative or an address is unresolved
     */
    public FlowImport {
        Objects.requireNonNull(protocol, "protocol");
        resolved("client", client);
        resolved("virtual", virtual);
        resolved("server", server);
        if (remainingMillis < 0) {
            throw new IllegalArgumentException("remainingMillis: " + remainingMillis + " (expected: >= 0)");
        }
    }

    private static void resolved(final String what, final InetSocketAddress a) {
        Objects.requireNonNull(a, what);
        if (a.isUnresolved()) {
            throw new IllegalArgumentException(what + ": " + a + " (expected: a numeric address)");
        }
    }
}
