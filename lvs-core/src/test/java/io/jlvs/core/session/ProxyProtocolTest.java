package io.jlvs.core.session;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The PROXY v1 header JLVS writes: RFC 5952 IPv6 text, no zone, and a header its own parser reads back. */
class ProxyProtocolTest {
    private static String v1(final String src, final int sport, final String dst, final int dport) throws Exception {
        return new String(ProxyProtocol.v1(new InetSocketAddress(InetAddress.getByName(src), sport),
            new InetSocketAddress(InetAddress.getByName(dst), dport)), StandardCharsets.US_ASCII);
    }

    @Test
    void shouldWriteIpv4AsDottedQuads() throws Exception {
        assertEquals("PROXY TCP4 10.0.0.7 192.168.1.1 40000 80\r\n", v1("10.0.0.7", 40000, "192.168.1.1", 80));
    }

    @Test
    void shouldWriteIpv6InItsShortestForm() throws Exception {
        assertEquals("PROXY TCP6 2001:db8::1 ::1 40000 443\r\n", v1("2001:db8:0:0:0:0:0:1", 40000, "::1", 443));
        assertEquals("PROXY TCP6 fe80::1 2001:db8:0:1:1:1:1:1 1 2\r\n",
            v1("fe80:0:0:0:0:0:0:1%1", 1, "2001:db8:0:1:1:1:1:1", 2));
    }

    @Test
    void shouldReadBackWhatItWrites() throws Exception {
        final InetSocketAddress src = new InetSocketAddress(InetAddress.getByName("2001:db8::5"), 5555);
        final InetSocketAddress dst = new InetSocketAddress(InetAddress.getByName("2001:db8::80"), 80);
        final byte[] h = ProxyProtocol.v1(src, dst);
        final ProxyProtocol.Header parsed = ProxyProtocol.parse(ByteBuffer.wrap(h));
        assertEquals(h.length, parsed.length(), parsed.toString());
        assertEquals(src, parsed.source());
        assertEquals(dst, parsed.destination());
    }
}
