package io.jlvs.transport.nio;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;

/**
 * The socket family for an address: an IPv4 address gets a plain IPv4 socket rather than the JDK's default dual-stack
 * IPv6 one, which saves a system call per socket and keeps the kernel on its IPv4 path.
 */
final class Families {
    private Families() {
    }

    static ProtocolFamily of(final InetAddress address) {
        return address instanceof Inet4Address ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6;
    }
}
