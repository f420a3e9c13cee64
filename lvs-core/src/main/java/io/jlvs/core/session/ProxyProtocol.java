package io.jlvs.core.session;

import io.jlvs.core.net.Addresses;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The PROXY protocol (HAProxy, versions 1 and 2): headers a proxy sends before a connection's bytes (or, for v2
 * over UDP, before each datagram) to tell the server the original client address.
 *
 * <p>Thread-safe (stateless).
 */
public final class ProxyProtocol {
    /** The 12-byte v2 signature. */
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    /** The longest v1 header, CRLF included (the specification's limit). */
    public static final int V1_MAX = 107;
    /** The longest v2 header JLVS accepts (16 + address block with TLVs). */
    public static final int V2_MAX = 16 + 2048;

    private ProxyProtocol() {
    }

    /**
     * The v2 signature.
     *
     * @return a copy of the 12 bytes
     */
    public static byte[] signature() {
        return V2_SIGNATURE.clone();
    }

    /**
     * A v1 header: {@code PROXY TCP4 src dst sport dport\r\n}, IPv6 addresses in their RFC 5952 form
     * ({@code PROXY TCP6 2001:db8::1 ::1 ...}).
     *
     * @param source the client
     * @param destination the address the client connected to
     * @return the header bytes
     */
    public static byte[] v1(final InetSocketAddress source, final InetSocketAddress destination) {
        final boolean six = source.getAddress() instanceof Inet6Address;
        // RFC 5952 text (what inet_ntop prints and what HAProxy writes), no zone: getHostAddress would write
        // 0:0:0:0:0:0:0:1%1 where the header needs ::1
        final String s = "PROXY " + (six ? "TCP6 " : "TCP4 ") + Addresses.format(source.getAddress()) + " "
            + Addresses.format(destination.getAddress()) + " " + source.getPort() + " " + destination.getPort()
            + "\r\n";
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * A v2 header with the PROXY command.
     *
     * @param source the client
     * @param destination the address the client connected to
     * @param stream true for TCP (STREAM), false for UDP (DGRAM)
     * @return the header bytes
     */
    public static byte[] v2(final InetSocketAddress source, final InetSocketAddress destination,
        final boolean stream) {
        final byte[] s = source.getAddress().getAddress();
        final byte[] d = destination.getAddress().getAddress();
        if (s.length != d.length) {
            throw new IllegalArgumentException("source and destination families differ: " + source + " "
                + destination);
        }
        final int addrLen = s.length == 4 ? 12 : 36;
        final ByteBuffer b = ByteBuffer.allocate(16 + addrLen);
        b.put(V2_SIGNATURE);
        b.put((byte) 0x21); // version 2, command PROXY
        b.put((byte) ((s.length == 4 ? 0x10 : 0x20) | (stream ? 0x01 : 0x02)));
        b.putShort((short) addrLen);
        b.put(s).put(d);
        b.putShort((short) source.getPort()).putShort((short) destination.getPort());
        return b.array();
    }

    /**
     * What a parse found.
     *
     * @param complete whether a whole header was read (false: read more)
     * @param length the header's length in bytes (what to skip)
     * @param source the client address the header carries, or null to use the connection's (LOCAL, UNKNOWN,
     *     unspecified family)
     * @param destination the destination it carries, or null
     * @param error why the bytes are not a valid header, or null
     */
    public record Header(boolean complete, int length, InetSocketAddress source, InetSocketAddress destination,
        String error) {
        static final Header MORE = new Header(false, 0, null, null, null);

        static Header error(final String why) {
            return new Header(false, 0, null, null, why);
        }
    }

    /**
     * Parses a v1 or v2 header at the start of the bytes from position to limit, strictly: wrong signatures,
     * versions, commands, families, lengths, addresses or ports are errors.
     *
     * @param in the bytes read so far (position unchanged)
     * @return the result
     */
    public static Header parse(final ByteBuffer in) {
        final int n = in.remaining();
        if (n == 0) {
            return Header.MORE;
        }
        final int p = in.position();
        if (in.get(p) == 0x0D) {
            for (int i = 0; i < Math.min(n, 12); i++) {
                if (in.get(p + i) != V2_SIGNATURE[i]) {
                    return Header.error("bad PROXY v2 signature");
                }
            }
            return n < 16 ? Header.MORE : parseV2(in, p, n);
        }
        if (in.get(p) == 'P') {
            return parseV1(in, p, n);
        }
        return Header.error("no PROXY header");
    }

    private static Header parseV2(final ByteBuffer in, final int p, final int n) {
        final int verCmd = in.get(p + 12) & 0xff;
        if ((verCmd >> 4) != 2) {
            return Header.error("PROXY v2 version " + (verCmd >> 4));
        }
        final int cmd = verCmd & 0x0f;
        if (cmd > 1) {
            return Header.error("PROXY v2 command " + cmd);
        }
        final int fam = in.get(p + 13) & 0xff;
        final int len = in.getShort(p + 14) & 0xffff;
        if (16 + len > V2_MAX) {
            return Header.error("PROXY v2 header of " + (16 + len) + " bytes");
        }
        if (n < 16 + len) {
            return Header.MORE;
        }
        if (cmd == 0) {
            return new Header(true, 16 + len, null, null, null); // LOCAL: health check from the proxy itself
        }
        final int family = fam >> 4;
        final int proto = fam & 0x0f;
        if (family == 0 || proto == 0) {
            return new Header(true, 16 + len, null, null, null); // UNSPEC: use the real endpoints
        }
        if (proto > 2 || family > 3) {
            return Header.error("PROXY v2 family/protocol 0x" + Integer.toHexString(fam));
        }
        if (family == 3) {
            return new Header(true, 16 + len, null, null, null); // AF_UNIX: nothing to use for an IP flow
        }
        final int alen = family == 1 ? 4 : 16;
        if (len < 2 * alen + 4) {
            return Header.error("PROXY v2 address block of " + len + " bytes for family " + family);
        }
        final byte[] s = new byte[alen];
        final byte[] d = new byte[alen];
        for (int i = 0; i < alen; i++) {
            s[i] = in.get(p + 16 + i);
            d[i] = in.get(p + 16 + alen + i);
        }
        final int sp = in.getShort(p + 16 + 2 * alen) & 0xffff;
        final int dp = in.getShort(p + 18 + 2 * alen) & 0xffff;
        try {
            return new Header(true, 16 + len, new InetSocketAddress(InetAddress.getByAddress(s), sp),
                new InetSocketAddress(InetAddress.getByAddress(d), dp), null);
        } catch (final UnknownHostException e) {
            return Header.error("PROXY v2 address");
        }
    }

    private static Header parseV1(final ByteBuffer in, final int p, final int n) {
        int end = -1;
        for (int i = 0; i < Math.min(n, V1_MAX); i++) {
            if (in.get(p + i) == '\n') {
                end = i;
                break;
            }
        }
        if (end < 0) {
            if (n >= V1_MAX) {
                return Header.error("PROXY v1 line longer than " + V1_MAX + " bytes");
            }
            for (int i = 0; i < Math.min(n, 6); i++) {
                if (in.get(p + i) != "PROXY ".charAt(i)) {
                    return Header.error("no PROXY header");
                }
            }
            return Header.MORE;
        }
        if (end == 0 || in.get(p + end - 1) != '\r') {
            return Header.error("PROXY v1 line not ended by CRLF");
        }
        final byte[] line = new byte[end - 1];
        for (int i = 0; i < line.length; i++) {
            line[i] = in.get(p + i);
        }
        final String[] t = new String(line, StandardCharsets.US_ASCII).split(" ", -1);
        if (!t[0].equals("PROXY") || t.length < 2) {
            return Header.error("no PROXY header");
        }
        if (t[1].equals("UNKNOWN")) {
            return new Header(true, end + 1, null, null, null);
        }
        if (t.length != 6 || !(t[1].equals("TCP4") || t[1].equals("TCP6"))) {
            return Header.error("PROXY v1 line malformed");
        }
        final InetAddress s = literal(t[2], t[1].equals("TCP4"));
        final InetAddress d = literal(t[3], t[1].equals("TCP4"));
        final int sp = port(t[4]);
        final int dp = port(t[5]);
        if (s == null || d == null) {
            return Header.error("PROXY v1 address not a " + t[1] + " literal");
        }
        if (sp < 0 || dp < 0) {
            return Header.error("PROXY v1 port not 0..65535");
        }
        return new Header(true, end + 1, new InetSocketAddress(s, sp), new InetSocketAddress(d, dp), null);
    }

    private static InetAddress literal(final String s, final boolean four) {
        final InetAddress a = io.jlvs.core.net.Addresses.parseLiteral(s);
        if (a == null) {
            return null;
        }
        if (four != (a instanceof Inet4Address) || !four && s.indexOf(':') < 0) {
            return null;
        }
        return a;
    }

    private static int port(final String s) {
        if (s.isEmpty() || s.length() > 5 || s.length() > 1 && s.charAt(0) == '0') {
            return -1;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return -1;
            }
        }
        final int v = Integer.parseInt(s);
        return v <= 65535 ? v : -1;
    }
}
