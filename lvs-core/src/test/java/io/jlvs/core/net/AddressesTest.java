package io.jlvs.core.net;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class AddressesTest {
    private static String f(final String s) throws Exception {
        return Addresses.format(InetAddress.getByName(s).getAddress());
    }

    @Test
    void shouldFormatLikeInetNtop() throws Exception {
        assertEquals("10.0.0.1", f("10.0.0.1"));
        assertEquals("2001:db8::1", f("2001:db8:0:0:0:0:0:1"));
        assertEquals("::1", f("::1"));
        assertEquals("::", f("::"));
        assertEquals("fe80::", f("fe80:0:0:0:0:0:0:0"));
        assertEquals("2001:db8:0:1:1:1:1:1", f("2001:db8:0:1:1:1:1:1")); // a single zero word is not compressed
        assertEquals("2001:0:0:1::1", f("2001:0:0:1:0:0:0:1")); // the longest run wins
        assertEquals("1::1:0:0:1", f("1:0:0:1:0:0:0:1".replace("1:0:0:1:0:0:0:1", "1:0:0:0:1:0:0:1")));
        assertEquals("::1.2.3.4", Addresses.format(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}));
        assertEquals("::ffff:1.2.3.4",
            Addresses.format(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 255, (byte) 255, 1, 2, 3, 4}));
        assertEquals("[2001:db8::1]:80", Addresses.formatWithPort(InetAddress.getByName("2001:db8::1"), 80));
    }

    @Test
    void shouldFoldIpv4AndIpv6AsIpvs() throws Exception {
        assertEquals(0x0a000001, Addresses.fold(InetAddress.getByName("10.0.0.1")));
        assertEquals(0x20010db8 ^ 0 ^ 0 ^ 1, Addresses.fold(InetAddress.getByName("2001:db8::1")));
    }

    @Test
    void shouldParseOnlyNumericLiterals() {
        assertEquals("192.168.1.2", Addresses.format(Addresses.parseLiteral("192.168.1.2")));
        assertEquals("2001:db8::1", Addresses.format(Addresses.parseLiteral("2001:db8::1")));
        assertNull(Addresses.parseLiteral("localhost"));
        assertNull(Addresses.parseLiteral("10.0.0"));
        assertNull(Addresses.parseLiteral("10.0.0.256"));
        assertNull(Addresses.parseLiteral("010.0.0.1"));
        assertNull(Addresses.parseLiteral("fe80::1%eth0"));
        assertNull(Addresses.parseLiteral(""));
    }

    @Test
    void shouldMaskToPrefix() {
        final byte[] m = Addresses.mask(new byte[] {10, 1, 2, (byte) 200}, 25);
        assertEquals("10.1.2.128", Addresses.format(m));
        assertEquals(24, Addresses.prefixLength(0xffffff00));
        assertEquals(-1, Addresses.prefixLength(0xff00ff00));
    }
}
