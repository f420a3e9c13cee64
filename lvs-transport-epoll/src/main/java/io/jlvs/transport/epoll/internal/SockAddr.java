package io.jlvs.transport.epoll.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

/**
 * A reusable socket address in native memory: {@code struct sockaddr_in} or {@code struct sockaddr_in6}
 * (netinet/in.h) in a {@code sockaddr_storage}-sized segment, plus the {@code socklen_t} that
 * {@code accept4}, {@code getsockname} and {@code getpeername} fill in. One is allocated per loop (or per
 * call site that needs one) and rewritten in place, so the hot path encodes and decodes addresses without
 * allocating.
 *
 * <pre>
 * sockaddr_in  (16 bytes): u16 family (host order) | u16 port (network order) | u8[4] addr | u8[8] zero
 * sockaddr_in6 (28 bytes): u16 family | u16 port (network order) | u32 flowinfo | u8[16] addr | u32 scope_id
 * </pre>
 *
 * <p>Not thread-safe; confined to the thread that owns its arena.
 */
public final class SockAddr {
    /** {@code sizeof(struct sockaddr_storage)}. */
    public static final int STORAGE_BYTES = 128;
    /** {@code sizeof(struct sockaddr_in)}. */
    public static final int IN4_BYTES = 16;
    /** {@code sizeof(struct sockaddr_in6)}. */
    public static final int IN6_BYTES = 28;

    private static final ValueLayout.OfShort NET_SHORT =
        ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt NET_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final MemorySegment storage;
    private final MemorySegment lengthCell;
    /** Bytes of {@link #storage} that hold the address, as passed to bind/connect. */
    private int length;

    /**
     * Allocates an empty (family 0) address.
     *
     * @param arena where the native memory comes from; the address lives as long as it
     */
    public SockAddr(final Arena arena) {
        this.storage = arena.allocate(STORAGE_BYTES, 8);
        this.lengthCell = arena.allocate(ValueLayout.JAVA_INT);
    }

    /**
     * Sets an IPv4 address.
     *
     * @param address the address as an int in host order ({@code 127.0.0.1} is {@code 0x7f000001})
     * @param port the port, 0-65535
     * @return this
     */
    public SockAddr ipv4(final int address, final int port) {
        checkPort(port);
        storage.fill((byte) 0);
        storage.set(ValueLayout.JAVA_SHORT, 0, (short) Linux.AF_INET);
        storage.set(NET_SHORT, 2, (short) port);
        storage.set(NET_INT, 4, address);
        length = IN4_BYTES;
        return this;
    }

    /**
     * Sets an IPv6 address.
     *
     * @param address the 16 address bytes in network order
     * @param port the port, 0-65535
     * @param scopeId the scope (interface index) for link-local addresses, else 0
     * @return this
     */
    public SockAddr ipv6(final byte[] address, final int port, final int scopeId) {
        checkPort(port);
        if (address.length != 16) {
            throw new IllegalArgumentException("IPv6 address: " + address.length + " bytes (expected: 16)");
        }
        storage.fill((byte) 0);
        storage.set(ValueLayout.JAVA_SHORT, 0, (short) Linux.AF_INET6);
        storage.set(NET_SHORT, 2, (short) port);
        MemorySegment.copy(address, 0, storage, ValueLayout.JAVA_BYTE, 8, 16);
        storage.set(ValueLayout.JAVA_INT_UNALIGNED, 24, scopeId);
        length = IN6_BYTES;
        return this;
    }

    /**
     * Sets a resolved Java socket address (control path: reads the {@link InetAddress} bytes).
     *
     * @param address a resolved address
     * @return this
     * @throws IllegalArgumentException if the address is unresolved
     */
    public SockAddr set(final InetSocketAddress address) {
        final InetAddress ip = address.getAddress();
        if (ip == null) {
            throw new IllegalArgumentException("unresolved address: " + address);
        }
        if (ip instanceof Inet4Address) {
            final byte[] b = ip.getAddress();
            return ipv4((b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff),
                address.getPort());
        }
        return ipv6(ip.getAddress(), address.getPort(), ((Inet6Address) ip).getScopeId());
    }

    /** {@return the address family: {@link Linux#AF_INET}, {@link Linux#AF_INET6}, or 0 when empty} */
    public int family() {
        return storage.get(ValueLayout.JAVA_SHORT, 0) & 0xffff;
    }

    /** {@return the port} */
    public int port() {
        return storage.get(NET_SHORT, 2) & 0xffff;
    }

    /** {@return the IPv4 address as an int in host order; meaningful when the family is AF_INET} */
    public int ipv4Address() {
        return storage.get(NET_INT, 4);
    }

    /**
     * Copies the 16 IPv6 address bytes out.
     *
     * @param dst where to copy them, at least 16 bytes
     */
    public void ipv6Address(final byte[] dst) {
        MemorySegment.copy(storage, ValueLayout.JAVA_BYTE, 8, dst, 0, 16);
    }

    /** {@return the bytes of the encoded address, as bind(2) and connect(2) take them} */
    public int length() {
        return length;
    }

    /**
     * Copies another address into this one (for example a datagram's source into a reply slot).
     *
     * @param other the address to copy
     */
    public void copyFrom(final SockAddr other) {
        MemorySegment.copy(other.storage, 0, storage, 0, STORAGE_BYTES);
        length = other.length;
    }

    /**
     * Builds a Java socket address (control path: allocates).
     *
     * @return the address
     * @throws IllegalStateException if the family is neither AF_INET nor AF_INET6
     */
    public InetSocketAddress toInetSocketAddress() {
        try {
            final int family = family();
            if (family == Linux.AF_INET) {
                final int a = ipv4Address();
                return new InetSocketAddress(InetAddress.getByAddress(new byte[] {
                    (byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a}), port());
            }
            if (family == Linux.AF_INET6) {
                final byte[] b = new byte[16];
                ipv6Address(b);
                final int scope = storage.get(ValueLayout.JAVA_INT_UNALIGNED, 24);
                return new InetSocketAddress(Inet6Address.getByAddress(null, b, scope), port());
            }
            throw new IllegalStateException("address family " + family + " (expected: AF_INET or AF_INET6)");
        } catch (final UnknownHostException e) {
            throw new IllegalStateException("cannot happen: a numeric address of the right length", e);
        }
    }

    @Override
    public String toString() {
        final int family = family();
        return family == Linux.AF_INET || family == Linux.AF_INET6
            ? toInetSocketAddress().toString() : "sockaddr(family " + family + ")";
    }

    /** {@return the native {@code sockaddr_storage}} */
    MemorySegment segment() {
        return storage;
    }

    /** Prepares the length cell for a call that writes an address (value-result argument). */
    MemorySegment lengthForOutput() {
        lengthCell.set(ValueLayout.JAVA_INT, 0, STORAGE_BYTES);
        return lengthCell;
    }

    /** Reads back the length the kernel wrote. */
    void lengthWritten() {
        length = Math.min(lengthCell.get(ValueLayout.JAVA_INT, 0), STORAGE_BYTES);
    }

    /**
     * Sets the length after the kernel wrote an address somewhere else (the msghdr of a datagram).
     *
     * @param bytes the length the kernel reported
     */
    void length(final int bytes) {
        this.length = Math.min(bytes, STORAGE_BYTES);
    }

    private static void checkPort(final int port) {
        if (port < 0 || port > 0xffff) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0-65535)");
        }
    }
}
