package io.jlvs.core.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Static helpers for IPv4 and IPv6 addresses.
 *
 * <p>Thread-safe (stateless).
 */
public final class Addresses {
    private Addresses() {
    }

    /**
     * The 32-bit number IPVS hashes for an address: an IPv4 address read big-endian
     * ({@code a.b.c.d -> a<<24|b<<16|c<<8|d}), or the XOR of the four big-endian 32-bit words of an IPv6 address.
     *
     * @param address the address
     * @return the folded number
     */
    public static int fold(final InetAddress address) {
        return fold(address.getAddress());
    }

    /**
     * {@link #fold(InetAddress)} on raw address bytes (4 or 16 of them).
     *
     * @param b the address bytes in network order
     * @return the folded number
     */
    public static int fold(final byte[] b) {
        if (b.length == 4) {
            return word(b, 0);
        }
        return word(b, 0) ^ word(b, 4) ^ word(b, 8) ^ word(b, 12);
    }

    /**
     * Reads the IPv4 address as an int, big-endian.
     *
     * @param address an IPv4 address
     * @return the address number
     */
    public static int ipv4(final Inet4Address address) {
        return word(address.getAddress(), 0);
    }

    /**
     * Makes an IPv4 address from its big-endian number.
     *
     * @param value the address number
     * @return the address
     */
    public static Inet4Address ipv4(final int value) {
        final byte[] b = {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
        try {
            return (Inet4Address) InetAddress.getByAddress(b);
        } catch (final UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int word(final byte[] b, final int i) {
        return (b[i] & 0xff) << 24 | (b[i + 1] & 0xff) << 16 | (b[i + 2] & 0xff) << 8 | (b[i + 3] & 0xff);
    }

    /**
     * Parses a numeric IPv4 or IPv6 literal. Host names are refused rather than resolved: a load balancer's
     * configuration must not depend on DNS at load time.
     *
     * @param text the literal, IPv6 without brackets
     * @return the address, or null if the text is not a numeric literal
     */
    public static InetAddress parseLiteral(final String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        if (text.indexOf(':') >= 0) {
            return parseIpv6(text);
        }
        final byte[] v4 = parseIpv4(text);
        if (v4 == null) {
            return null;
        }
        try {
            return InetAddress.getByAddress(v4);
        } catch (final UnknownHostException e) {
            return null;
        }
    }

    /**
     * Parses a dotted-quad IPv4 literal ({@code inet_pton} rules: exactly four decimal parts 0..255).
     *
     * @param s the text
     * @return four bytes, or null if it is not a dotted quad
     */
    public static byte[] parseIpv4(final String s) {
        final byte[] out = new byte[4];
        int part = 0;
        int value = -1;
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            if (c >= '0' && c <= '9') {
                if (value == 0) {
                    return null; // no leading zeros (they would read as octal in inet_aton)
                }
                value = (value < 0 ? 0 : value * 10) + (c - '0');
                if (value > 255) {
                    return null;
                }
            } else if (c == '.') {
                if (value < 0 || part == 3) {
                    return null;
                }
                out[part++] = (byte) value;
                value = -1;
            } else {
                return null;
            }
        }
        if (value < 0 || part != 3) {
            return null;
        }
        out[3] = (byte) value;
        return out;
    }

    private static InetAddress parseIpv6(final String s) {
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            final boolean ok = c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':'
                || c == '.';
            if (!ok) {
                return null; // refuses zone ids and anything a resolver would look up
            }
        }
        try {
            final InetAddress a = InetAddress.getByName(s); // a literal: no lookup happens
            return a;
        } catch (final UnknownHostException | IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * Keeps the network part of an address.
     *
     * @param address the address
     * @param prefixLength the number of leading bits to keep (0..32 for IPv4, 0..128 for IPv6)
     * @return the masked address bytes
     */
    public static byte[] mask(final byte[] address, final int prefixLength) {
        final byte[] out = address.clone();
        for (int i = 0; i < out.length; i++) {
            final int bitsHere = Math.max(0, Math.min(8, prefixLength - i * 8));
            out[i] = (byte) (out[i] & (0xff << (8 - bitsHere)));
        }
        return out;
    }

    /**
     * The prefix length of a contiguous IPv4 netmask, or -1 if the mask is not contiguous.
     *
     * @param mask the mask as a big-endian number
     * @return 0..32, or -1
     */
    public static int prefixLength(final int mask) {
        final int len = Integer.bitCount(mask);
        final int expected = len == 0 ? 0 : -1 << (32 - len);
        return expected == mask ? len : -1;
    }

    /**
     * Prints an address as {@code inet_ntop} does: dotted quad for IPv4; for IPv6 lower-case hex words with the
     * longest run of two or more zero words (the first such run on a tie) written as {@code ::}, and the IPv4
     * tail of IPv4-mapped and IPv4-compatible addresses in dotted form.
     *
     * @param address the address
     * @return its text
     */
    public static String format(final InetAddress address) {
        return format(address.getAddress());
    }

    /**
     * {@link #format(InetAddress)} on raw bytes; a 16-byte IPv4-mapped address stays in IPv6 form.
     *
     * @param b 4 or 16 bytes
     * @return its text
     */
    public static String format(final byte[] b) {
        if (b.length == 4) {
            return (b[0] & 0xff) + "." + (b[1] & 0xff) + "." + (b[2] & 0xff) + "." + (b[3] & 0xff);
        }
        final int[] w = new int[8];
        for (int i = 0; i < 8; i++) {
            w[i] = (b[2 * i] & 0xff) << 8 | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 0;
        int curStart = -1;
        int curLen = 0;
        for (int i = 0; i < 8; i++) {
            if (w[i] == 0) {
                if (curStart < 0) {
                    curStart = i;
                    curLen = 1;
                } else {
                    curLen++;
                }
                if (curLen > bestLen) {
                    bestStart = curStart;
                    bestLen = curLen;
                }
            } else {
                curStart = -1;
                curLen = 0;
            }
        }
        if (bestLen < 2) {
            bestStart = -1;
        }
        final StringBuilder sb = new StringBuilder(40);
        for (int i = 0; i < 8; i++) {
            if (bestStart >= 0 && i >= bestStart && i < bestStart + bestLen) {
                if (i == bestStart) {
                    sb.append(':');
                }
                continue;
            }
            if (i != 0) {
                sb.append(':');
            }
            // embedded IPv4: ::ffff:a.b.c.d or ::a.b.c.d (as glibc does)
            if (i == 6 && bestStart == 0 && (bestLen == 6 || bestLen == 5 && w[5] == 0xffff)) {
                sb.append(b[12] & 0xff).append('.').append(b[13] & 0xff).append('.')
                    .append(b[14] & 0xff).append('.').append(b[15] & 0xff);
                return sb.toString();
            }
            sb.append(Integer.toHexString(w[i]));
        }
        if (bestStart >= 0 && bestStart + bestLen == 8) {
            sb.append(':');
        }
        return sb.toString();
    }

    /**
     * Prints {@code address:port} as ipvsadm does: IPv6 addresses in brackets.
     *
     * @param address the address
     * @param port the port
     * @return for example {@code 10.0.0.1:80} or {@code [2001:db8::1]:80}
     */
    public static String formatWithPort(final InetAddress address, final int port) {
        if (address instanceof Inet6Address) {
            return "[" + format(address) + "]:" + port;
        }
        return format(address) + ":" + port;
    }

    /**
     * Whether the address is IPv6.
     *
     * @param address the address
     * @return true for IPv6
     */
    public static boolean isIpv6(final InetAddress address) {
        return address instanceof Inet6Address;
    }
}
