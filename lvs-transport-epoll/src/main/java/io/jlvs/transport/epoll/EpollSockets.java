package io.jlvs.transport.epoll;

import io.jlvs.core.transport.DirectorOptions;
import io.jlvs.transport.epoll.internal.Linux;
import io.jlvs.transport.epoll.internal.SockAddr;
import io.jlvs.transport.epoll.internal.Syscalls;

import java.net.InetSocketAddress;

/**
 * Socket setup for an epoll connection: the director's socket options, and the virtual address an accepted
 * client connected to. Stateless.
 *
 * <p>Not thread-safe; runs on the loop that owns the descriptor (it uses the loop's {@link Syscalls} and
 * addresses).
 */
final class EpollSockets {
    private EpollSockets() {
    }

    /**
     * The address the client connected to (in {@code loop.local}): the loop's previous one when it is the same, so
     * that the connections of one IPv4 service share one {@code InetSocketAddress} (its session keeps it) instead of
     * holding one each (96 bytes of heap per connection with its holders).
     */
    static InetSocketAddress virtualAddress(final EpollLoop loop) {
        final SockAddr l = loop.local;
        final InetSocketAddress last = loop.lastVirtual;
        if (l.family() != Linux.AF_INET) {
            return l.toInetSocketAddress();
        }
        final int address = l.ipv4Address();
        final int port = l.port();
        if (last != null && loop.lastVirtualIpv4 == address && last.getPort() == port) {
            return last;
        }
        final InetSocketAddress v = l.toInetSocketAddress();
        loop.lastVirtual = v;
        loop.lastVirtualIpv4 = address;
        return v;
    }

    /** Applies the director's socket options to a client or server socket. */
    static void configure(final Syscalls sys, final int fd, final DirectorOptions o) {
        sys.setsockopt(fd, Linux.IPPROTO_TCP, Linux.TCP_NODELAY, o.tcpNoDelay() ? 1 : 0);
        sys.setsockopt(fd, Linux.SOL_SOCKET, Linux.SO_KEEPALIVE, o.keepAlive() ? 1 : 0);
        if (o.sendBufferSize() > 0) {
            sys.setsockopt(fd, Linux.SOL_SOCKET, Linux.SO_SNDBUF, o.sendBufferSize());
        }
        if (o.receiveBufferSize() > 0) {
            sys.setsockopt(fd, Linux.SOL_SOCKET, Linux.SO_RCVBUF, o.receiveBufferSize());
        }
    }
}
