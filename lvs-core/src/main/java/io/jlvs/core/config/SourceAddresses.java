package io.jlvs.core.config;

import io.jlvs.core.net.Addresses;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A source-address pool ({@code --source-addresses}): the local addresses a transport binds its connections to real
 * servers to, in turn, so one real server can take more connections than one ephemeral port range gives one source
 * address (HAProxy's {@code source} ranges, nginx's {@code proxy_bind}). Written {@code A-B} (an inclusive range
 * within one family, at most {@value #MAX} addresses) or {@code A,B,C} (numeric literals, no duplicates), or
 * {@code none} on a real server to turn its service's pool off.
 *
 * <p>A pool is refused when it is parsed unless every address is local to this host: an address of one of its
 * interfaces, or inside a loopback interface's network (Linux routes all of 127.0.0.0/8 to {@code lo}). That
 * check runs where the configuration is built (rules loading, builders, admin commands), so a director never
 * starts with a pool it cannot bind.
 *
 * <p>Immutable and thread-safe.
 */
public final class SourceAddresses {
    /** The most addresses one pool may hold. */
    public static final int MAX = 1024;
    /** The pool of {@code none}: no pool (a real server opting out of its service's pool). */
    public static final SourceAddresses NONE = new SourceAddresses(new InetAddress[0], "none");

    private final InetAddress[] addresses;
    private final String text;

    private SourceAddresses(final InetAddress[] addresses, final String text) {
        this.addresses = addresses;
        this.text = text;
    }

    /**
     * Parses a pool and checks that each address is local.
     *
     * @param text {@code A-B}, {@code A,B,...} or {@code none}
     * @return the pool
     * @throws IllegalArgumentException naming what is wrong with the text
     */
    public static SourceAddresses parse(final String text) {
        final SourceAddresses p = parseSyntax(text);
        if (p != NONE) {
            final Local local = Local.now();
            for (final InetAddress a : p.addresses) {
                if (!local.contains(a)) {
                    throw new IllegalArgumentException(Addresses.format(a) + " is not an address of this host ("
                        + "expected addresses of its interfaces or of 127.0.0.0/8; local now: " + local + ")");
                }
            }
        }
        return p;
    }

    /**
     * Parses a pool without the locality check (for tools that read rules meant for another host).
     *
     * @param text {@code A-B}, {@code A,B,...} or {@code none}
     * @return the pool
     * @throws IllegalArgumentException naming what is wrong with the text
     */
    public static SourceAddresses parseSyntax(final String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("empty (expected A-B, A,B,... or none)");
        }
        if (text.equals("none")) {
            return NONE;
        }
        final int dash = text.indexOf('-');
        if (dash >= 0) {
            final InetAddress lo = literal(text.substring(0, dash), text);
            final InetAddress hi = literal(text.substring(dash + 1), text);
            if (lo.getClass() != hi.getClass()) {
                throw new IllegalArgumentException("the range " + text + " mixes IPv4 and IPv6");
            }
            final byte[] a = lo.getAddress();
            final byte[] b = hi.getAddress();
            if (Arrays.compareUnsigned(a, b) > 0) {
                throw new IllegalArgumentException("the range " + text + " runs backwards (expected LOW-HIGH)");
            }
            final List<InetAddress> out = new ArrayList<>();
            final byte[] cur = a.clone();
            while (true) {
                if (out.size() == MAX) {
                    throw new IllegalArgumentException("the range " + text + " holds more than " + MAX
                        + " addresses");
                }
                out.add(address(cur));
                if (Arrays.equals(cur, b)) {
                    break;
                }
                for (int i = cur.length - 1; i >= 0 && ++cur[i] == 0; i--) {
                    // carry
                }
            }
            return new SourceAddresses(out.toArray(new InetAddress[0]), text);
        }
        final String[] parts = text.split(",", -1);
        if (parts.length > MAX) {
            throw new IllegalArgumentException(parts.length + " addresses, more than " + MAX);
        }
        final Set<InetAddress> seen = new HashSet<>();
        final InetAddress[] out = new InetAddress[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = literal(parts[i].trim(), text);
            if (!seen.add(out[i])) {
                throw new IllegalArgumentException(parts[i].trim() + " is listed twice");
            }
            if (out[i].getClass() != out[0].getClass()) {
                throw new IllegalArgumentException(text + " mixes IPv4 and IPv6");
            }
        }
        return new SourceAddresses(out, text);
    }

    private static InetAddress literal(final String s, final String whole) {
        final InetAddress a = Addresses.parseLiteral(s);
        if (a == null) {
            throw new IllegalArgumentException("'" + s + "' in " + whole + " is not a numeric IPv4 or IPv6 address"
                + " (expected A-B, A,B,... or none)");
        }
        return a;
    }

    private static InetAddress address(final byte[] b) {
        try {
            return InetAddress.getByAddress(b.clone());
        } catch (final UnknownHostException e) {
            throw new IllegalStateException(e); // four or sixteen bytes: cannot happen
        }
    }

    /**
     * How many addresses the pool holds (0 for {@link #NONE}).
     *
     * @return the count
     */
    public int size() {
        return addresses.length;
    }

    /**
     * One address of the pool.
     *
     * @param i its index, 0 to {@link #size()} - 1
     * @return the address
     */
    public InetAddress address(final int i) {
        return addresses[i];
    }

    /**
     * The addresses in order.
     *
     * @return an unmodifiable list
     */
    public List<InetAddress> addresses() {
        return Collections.unmodifiableList(Arrays.asList(addresses));
    }

    /**
     * Whether the pool's addresses are IPv6.
     *
     * @return true for IPv6, false for IPv4 or an empty pool
     */
    public boolean isIpv6() {
        return addresses.length > 0 && !(addresses[0] instanceof Inet4Address);
    }

    @Override
    public boolean equals(final Object o) {
        return o instanceof SourceAddresses && Arrays.equals(addresses, ((SourceAddresses) o).addresses);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(addresses);
    }

    @Override
    public String toString() {
        return text;
    }

    /** This host's local addresses and loopback networks, read once per check. */
    private static final class Local {
        final Set<InetAddress> exact = new HashSet<>();
        final List<byte[]> loopNets = new ArrayList<>();
        final List<Integer> loopPrefixes = new ArrayList<>();

        static Local now() {
            final Local l = new Local();
            try {
                final Enumeration<NetworkInterface> all = NetworkInterface.getNetworkInterfaces();
                while (all != null && all.hasMoreElements()) {
                    final NetworkInterface ni = all.nextElement();
                    for (final InterfaceAddress ia : ni.getInterfaceAddresses()) {
                        final InetAddress a = ia.getAddress();
                        l.exact.add(a);
                        if (ni.isLoopback() && a instanceof Inet4Address) {
                            l.loopNets.add(Addresses.mask(a.getAddress(), ia.getNetworkPrefixLength()));
                            l.loopPrefixes.add((int) ia.getNetworkPrefixLength());
                        }
                    }
                }
            } catch (final SocketException e) {
                throw new IllegalArgumentException("cannot list this host's interfaces: " + e.getMessage(), e);
            }
            return l;
        }

        boolean contains(final InetAddress a) {
            if (exact.contains(a)) {
                return true;
            }
            for (int i = 0; i < loopNets.size(); i++) {
                if (a instanceof Inet4Address
                    && Arrays.equals(Addresses.mask(a.getAddress(), loopPrefixes.get(i)), loopNets.get(i))) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public String toString() {
            final List<String> s = new ArrayList<>();
            for (int i = 0; i < loopNets.size(); i++) {
                s.add(Addresses.format(loopNets.get(i)) + "/" + loopPrefixes.get(i));
            }
            for (final InetAddress a : exact) {
                if (s.size() >= 8) {
                    s.add("...");
                    break;
                }
                if (!a.isLoopbackAddress()) {
                    s.add(Addresses.format(a));
                }
            }
            return String.join(", ", s);
        }
    }
}
