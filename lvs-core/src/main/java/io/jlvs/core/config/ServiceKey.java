package io.jlvs.core.config;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.net.Addresses;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Comparator;
import java.util.Objects;

/**
 * The identity of a virtual service: protocol, virtual address (IPv4 or IPv6) and port.
 *
 * <p>Immutable.
 */
public final class ServiceKey {
    /**
     * The order ipvsadm lists services in: by address family (IPv4 first), protocol number, address and port,
     * comparing addresses word by word with ipvsadm's signed-difference quirk (addresses that differ by 2^31 or
     * more compare "backwards", so {@code 10.0.0.1} lists after {@code 192.168.0.1}).
     */
    public static final Comparator<ServiceKey> IPVSADM_ORDER = ServiceKey::compareIpvsadm;

    private final Protocol protocol;
    private final InetAddress address;
    private final int port;

    private ServiceKey(final Protocol protocol, final InetAddress address, final int port) {
        this.protocol = protocol;
        this.address = address;
        this.port = port;
    }

    /**
     * Makes a key.
     *
     * @param protocol TCP or UDP
     * @param address the virtual address
     * @param port 0..65535 (0 means any port and needs persistence)
     * @return the key
     * @throws IllegalArgumentException naming the bad value
     */
    public static ServiceKey of(final Protocol protocol, final InetAddress address, final int port) {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(address, "address");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
        }
        return new ServiceKey(protocol, address, port);
    }

    /**
     * Makes a TCP key from an address literal.
     *
     * @param address a numeric IPv4 or IPv6 literal
     * @param port the port
     * @return the key
     */
    public static ServiceKey tcp(final String address, final int port) {
        return of(Protocol.TCP, literal(address), port);
    }

    /**
     * Makes a UDP key from an address literal.
     *
     * @param address a numeric IPv4 or IPv6 literal
     * @param port the port
     * @return the key
     */
    public static ServiceKey udp(final String address, final int port) {
        return of(Protocol.UDP, literal(address), port);
    }

    static InetAddress literal(final String address) {
        final InetAddress a = Addresses.parseLiteral(address);
        if (a == null) {
            throw new IllegalArgumentException("address: " + address + " (expected: a numeric IPv4 or IPv6 address)");
        }
        return a;
    }

    /**
     * The protocol.
     *
     * @return TCP or UDP
     */
    public Protocol protocol() {
        return protocol;
    }

    /**
     * The virtual address.
     *
     * @return the address
     */
    public InetAddress address() {
        return address;
    }

    /**
     * The virtual port.
     *
     * @return 0..65535
     */
    public int port() {
        return port;
    }

    /**
     * Whether the virtual address is IPv6.
     *
     * @return true for IPv6
     */
    public boolean isIpv6() {
        return address instanceof Inet6Address;
    }

    /**
     * {@code address:port} as ipvsadm prints it.
     *
     * @return for example {@code 10.0.0.1:80}
     */
    public String addressAndPort() {
        return Addresses.formatWithPort(address, port);
    }

    static int compareIpvsadm(final ServiceKey a, final ServiceKey b) {
        final int af = Boolean.compare(a.isIpv6(), b.isIpv6());
        if (af != 0) {
            return af;
        }
        if (a.protocol != b.protocol) {
            return a.protocol.number() - b.protocol.number();
        }
        final int r = compareAddressQuirk(a.address.getAddress(), b.address.getAddress());
        if (r != 0) {
            return r;
        }
        return a.port - b.port;
    }

    /**
     * Compares two addresses of one family as ipvsadm does: word by word, the unsigned difference taken as a
     * signed int.
     *
     * @param a first address bytes
     * @param b second address bytes, same length
     * @return negative, zero or positive
     */
    public static int compareAddressQuirk(final byte[] a, final byte[] b) {
        for (int i = 0; i < a.length; i += 4) {
            final int wa = word(a, i);
            final int wb = word(b, i);
            final int r = wa - wb; // wraps exactly as the C subtraction of two u32 read as int
            if (r != 0) {
                return r;
            }
        }
        return 0;
    }

    private static int word(final byte[] b, final int i) {
        return (b[i] & 0xff) << 24 | (b[i + 1] & 0xff) << 16 | (b[i + 2] & 0xff) << 8 | (b[i + 3] & 0xff);
    }

    @Override
    public boolean equals(final Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ServiceKey)) {
            return false;
        }
        final ServiceKey k = (ServiceKey) o;
        return port == k.port && protocol == k.protocol && address.equals(k.address);
    }

    @Override
    public int hashCode() {
        return (protocol.hashCode() * 31 + address.hashCode()) * 31 + port;
    }

    @Override
    public String toString() {
        return protocol.label() + " " + addressAndPort();
    }
}
