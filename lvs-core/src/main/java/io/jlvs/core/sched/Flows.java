package io.jlvs.core.sched;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.net.Addresses;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * Factories for immutable {@link Flow}s, and the 64-bit key hash they use.
 *
 * <p>Thread-safe (stateless).
 */
public final class Flows {
    private Flows() {
    }

    /**
     * A flow from a client to a virtual address; its key is derived from the client address.
     *
     * @param protocol TCP or UDP
     * @param client the client's address and port
     * @param virtual the virtual address and port
     * @return an immutable flow
     */
    public static Flow of(final Protocol protocol, final InetSocketAddress client, final InetSocketAddress virtual) {
        return of(protocol, client.getAddress(), client.getPort(), virtual.getAddress(), virtual.getPort());
    }

    /**
     * A flow from a client to a virtual address; its key is derived from the client address.
     *
     * @param protocol TCP or UDP
     * @param clientAddress the client's address
     * @param clientPort the client's port
     * @param virtualAddress the virtual address
     * @param virtualPort the virtual port
     * @return an immutable flow
     */
    public static Flow of(final Protocol protocol, final InetAddress clientAddress, final int clientPort,
        final InetAddress virtualAddress, final int virtualPort) {
        final int cf = Addresses.fold(clientAddress);
        return new Simple(Objects.requireNonNull(protocol, "protocol"), clientAddress, cf, clientPort,
            virtualAddress, Addresses.fold(virtualAddress), virtualPort, mix64(cf & 0xffffffffL));
    }

    /**
     * A flow that carries only a caller-supplied key, for client-side balancing with the consistent-hashing
     * schedulers. Address-hashing schedulers see address 0.0.0.0 and port 0.
     *
     * @param key the key
     * @return an immutable flow
     */
    public static Flow ofKey(final long key) {
        return new Simple(Protocol.TCP, null, 0, 0, null, 0, 0, key);
    }

    /**
     * {@link #ofKey(long)} with a text key hashed by {@link #hash(CharSequence)}.
     *
     * @param key the key, for example a user id
     * @return an immutable flow
     */
    public static Flow ofKey(final CharSequence key) {
        return ofKey(hash(key));
    }

    /**
     * A 64-bit hash of text: FNV-1a over the UTF-16 code units, finished with {@link #mix64(long)} so that
     * similar strings spread over the whole range.
     *
     * @param s the text
     * @return the hash
     */
    public static long hash(final CharSequence s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        return mix64(h);
    }

    /**
     * The finaliser of MurmurHash3 (fmix64): a bijection of 64-bit values that spreads every input bit over the
     * whole output.
     *
     * @param v the value
     * @return the mixed value
     */
    public static long mix64(final long v) {
        long k = v;
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }

    /** An immutable flow: set once in the constructor, never changed. */
    private static final class Simple extends FlowFields {
        Simple(final Protocol protocol, final InetAddress clientAddress, final int clientFold, final int clientPort,
            final InetAddress virtualAddress, final int virtualFold, final int virtualPort, final long key) {
            this.protocol = protocol;
            this.clientAddress = clientAddress;
            this.clientFold = clientFold;
            this.clientPort = clientPort;
            this.virtualAddress = virtualAddress;
            this.virtualFold = virtualFold;
            this.virtualPort = virtualPort;
            this.key = key;
        }
    }
}
