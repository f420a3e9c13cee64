package io.jlvs.core.sched;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.net.Addresses;

import java.net.InetAddress;

/**
 * A {@link Flow} that a transport fills in place for each new connection or datagram, so that scheduling
 * allocates nothing.
 *
 * <p>Not thread-safe; confined to the thread that owns it (an event loop).
 */
public final class MutableFlow extends FlowFields {
    /**
     * An empty flow to fill.
     */
    public MutableFlow() {
    }

    /**
     * Sets every field; the key is derived from the client address as in {@link Flows#of}.
     *
     * @param protocol the protocol
     * @param clientAddress the client's address
     * @param clientPort the client's port
     * @param virtualAddress the virtual address
     * @param virtualPort the virtual port
     * @return this
     */
    public MutableFlow set(final Protocol protocol, final InetAddress clientAddress, final int clientPort,
        final InetAddress virtualAddress, final int virtualPort) {
        this.protocol = protocol;
        this.clientAddress = clientAddress;
        this.clientFold = Addresses.fold(clientAddress);
        this.clientPort = clientPort;
        this.virtualAddress = virtualAddress;
        this.virtualFold = Addresses.fold(virtualAddress);
        this.virtualPort = virtualPort;
        this.key = Flows.mix64(clientFold & 0xffffffffL);
        return this;
    }

    /**
     * Sets every field from IPv4 numbers, with no address objects (they read as null).
     *
     * @param protocol the protocol
     * @param clientIpv4 the client's IPv4 address number
     * @param clientPort the client's port
     * @param virtualIpv4 the virtual IPv4 address number
     * @param virtualPort the virtual port
     * @return this
     */
    public MutableFlow setIpv4(final Protocol protocol, final int clientIpv4, final int clientPort,
        final int virtualIpv4, final int virtualPort) {
        this.protocol = protocol;
        this.clientAddress = null;
        this.clientFold = clientIpv4;
        this.clientPort = clientPort;
        this.virtualAddress = null;
        this.virtualFold = virtualIpv4;
        this.virtualPort = virtualPort;
        this.key = Flows.mix64(clientIpv4 & 0xffffffffL);
        return this;
    }

    /**
     * Sets every field from folded numbers, keeping the virtual address object but with no client address object
     * (it reads as null), so that nothing is allocated: for a datagram whose client is known only by its raw address
     * (an IPv6 client of one-packet scheduling). The key is derived from the fold as in {@link #set}.
     *
     * @param protocol the protocol
     * @param clientFold the client's address folded as {@link Addresses#fold(InetAddress)} does
     * @param clientPort the client's port
     * @param virtualAddress the virtual address
     * @param virtualFold {@code Addresses.fold(virtualAddress)}
     * @param virtualPort the virtual port
     * @return this
     */
    public MutableFlow setFolded(final Protocol protocol, final int clientFold, final int clientPort,
        final InetAddress virtualAddress, final int virtualFold, final int virtualPort) {
        this.protocol = protocol;
        this.clientAddress = null;
        this.clientFold = clientFold;
        this.clientPort = clientPort;
        this.virtualAddress = virtualAddress;
        this.virtualFold = virtualFold;
        this.virtualPort = virtualPort;
        this.key = Flows.mix64(clientFold & 0xffffffffL);
        return this;
    }

    /**
     * Replaces the key.
     *
     * @param key the key
     * @return this
     */
    public MutableFlow key(final long key) {
        this.key = key;
        return this;
    }
}
