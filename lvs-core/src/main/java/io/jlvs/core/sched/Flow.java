package io.jlvs.core.sched;

import io.jlvs.core.net.Protocol;

import java.net.InetAddress;

/**
 * What a scheduler may look at when it picks a real server: the protocol, the client's address and port, the
 * virtual address and port, and an optional caller-supplied key for the consistent-hashing schedulers.
 *
 * <p>Addresses are offered both as objects and as IPVS's folded 32-bit number (the IPv4 address read big-endian,
 * or the XOR of an IPv6 address's four words), which is what the kernel's hashing schedulers hash, so that a pick
 * needs no allocation.
 *
 * <p>Implementations say their own thread-safety; {@link Flows} makes immutable ones.
 */
public interface Flow {
    /**
     * The protocol.
     *
     * @return TCP or UDP
     */
    Protocol protocol();

    /**
     * The client's address.
     *
     * @return the address, or null for a flow that carries only a key
     */
    InetAddress clientAddress();

    /**
     * The client's address folded to 32 bits as IPVS does.
     *
     * @return the number
     */
    int clientAddressFold();

    /**
     * The client's port.
     *
     * @return 0..65535
     */
    int clientPort();

    /**
     * The virtual (destination) address.
     *
     * @return the address, or null for a flow that carries only a key
     */
    InetAddress virtualAddress();

    /**
     * The virtual address folded to 32 bits as IPVS does.
     *
     * @return the number
     */
    int virtualAddressFold();

    /**
     * The virtual port.
     *
     * @return 0..65535
     */
    int virtualPort();

    /**
     * The key hashed by the consistent-hashing schedulers (ring, rendezvous, bounded load). For a flow made from
     * addresses it is derived from the client address; a caller balancing its own requests supplies its own key
     * (a user id, a cache key) through {@link Flows#ofKey(long)} or {@link Flows#ofKey(CharSequence)}.
     *
     * @return the 64-bit key
     */
    long key();
}
