package io.jlvs.transport.epoll.internal;

/**
 * Constants of the Linux system-call interface that this transport passes, from the kernel's uapi and
 * asm-generic headers (the values are the same on x86-64 and AArch64, the two architectures
 * {@link NativeSupport} accepts).
 *
 * <p>Immutable (constants only).
 */
public final class Linux {
    // <bits/socket.h>, <linux/socket.h>
    /** IPv4 address family. */
    public static final int AF_INET = 2;
    /** IPv6 address family. */
    public static final int AF_INET6 = 10;
    /** Stream socket (TCP). */
    public static final int SOCK_STREAM = 1;
    /** Datagram socket (UDP). */
    public static final int SOCK_DGRAM = 2;
    /** socket(2)/accept4(2) flag: non-blocking (the value of O_NONBLOCK). */
    public static final int SOCK_NONBLOCK = 0x800;
    /** socket(2)/accept4(2) flag: close on exec (the value of O_CLOEXEC). */
    public static final int SOCK_CLOEXEC = 0x80000;

    // <asm-generic/socket.h>
    /** Socket-level options. */
    public static final int SOL_SOCKET = 1;
    /** Allow reuse of local addresses. */
    public static final int SO_REUSEADDR = 2;
    /** Pending socket error (read and cleared by getsockopt). */
    public static final int SO_ERROR = 4;
    /** Send buffer size. */
    public static final int SO_SNDBUF = 7;
    /** Receive buffer size. */
    public static final int SO_RCVBUF = 8;
    /** TCP keep-alive probes. */
    public static final int SO_KEEPALIVE = 9;
    /** Linger on close ({@code struct linger}). */
    public static final int SO_LINGER = 13;
    /** Several sockets bound to one address, the kernel spreading connections over them. */
    public static final int SO_REUSEPORT = 15;

    // <netinet/in.h>, <netinet/tcp.h>
    /** TCP protocol level. */
    public static final int IPPROTO_TCP = 6;
    /** UDP protocol level. */
    public static final int IPPROTO_UDP = 17;
    /** IPv6 protocol level. */
    public static final int IPPROTO_IPV6 = 41;
    /** Disable Nagle's algorithm. */
    public static final int TCP_NODELAY = 1;
    /** IPv6 socket accepts IPv6 only (no mapped IPv4). */
    public static final int IPV6_V6ONLY = 26;

    // shutdown(2)
    /** Shut down reception. */
    public static final int SHUT_RD = 0;
    /** Shut down transmission (send FIN). */
    public static final int SHUT_WR = 1;
    /** Shut down both directions. */
    public static final int SHUT_RDWR = 2;

    // send/recv flags, <bits/socket.h>
    /** Look at received bytes without consuming them (to parse an incoming PROXY header first). */
    public static final int MSG_PEEK = 0x2;
    /** Peek/length flag: datagram was truncated. */
    public static final int MSG_TRUNC = 0x20;
    /** Non-blocking for this call only. */
    public static final int MSG_DONTWAIT = 0x40;
    /** Do not raise SIGPIPE on a broken connection (EPIPE is returned). */
    public static final int MSG_NOSIGNAL = 0x4000;
    /** recvmmsg: after the first datagram, return what is there without waiting. */
    public static final int MSG_WAITFORONE = 0x10000;

    // <sys/epoll.h>
    /** epoll_create1 flag: close on exec. */
    public static final int EPOLL_CLOEXEC = 0x80000;
    /** epoll_ctl: register. */
    public static final int EPOLL_CTL_ADD = 1;
    /** epoll_ctl: deregister. */
    public static final int EPOLL_CTL_DEL = 2;
    /** epoll_ctl: change the interest set. */
    public static final int EPOLL_CTL_MOD = 3;
    /** Readable. */
    public static final int EPOLLIN = 0x001;
    /** Writable. */
    public static final int EPOLLOUT = 0x004;
    /** Error condition (always reported). */
    public static final int EPOLLERR = 0x008;
    /** Hang-up (always reported). */
    public static final int EPOLLHUP = 0x010;
    /** The peer shut down writing (half-close). */
    public static final int EPOLLRDHUP = 0x2000;
    /** Edge-triggered notification. */
    public static final int EPOLLET = 1 << 31;

    // <sys/eventfd.h>
    /** eventfd flag: non-blocking. */
    public static final int EFD_NONBLOCK = 0x800;
    /** eventfd flag: close on exec. */
    public static final int EFD_CLOEXEC = 0x80000;

    // <fcntl.h>
    /** Open read-only. */
    public static final int O_RDONLY = 0;
    /** Non-blocking. */
    public static final int O_NONBLOCK = 0x800;
    /** Close on exec. */
    public static final int O_CLOEXEC = 0x80000;
    /** fcntl: set a pipe's capacity (rounded up by the kernel to a power-of-two number of pages). */
    public static final int F_SETPIPE_SZ = 1031;
    /** fcntl: a pipe's capacity in bytes. */
    public static final int F_GETPIPE_SZ = 1032;

    // <fcntl.h> splice(2) flags
    /** Move pages instead of copying where the kernel can. */
    public static final int SPLICE_F_MOVE = 1;
    /** Do not block on the pipe (the sockets are non-blocking themselves). */
    public static final int SPLICE_F_NONBLOCK = 2;
    /** More data will follow (a hint to the socket, like MSG_MORE). */
    public static final int SPLICE_F_MORE = 4;

    // <asm-generic/resource.h>
    /** The per-process limit on open file descriptors. */
    public static final int RLIMIT_NOFILE = 7;

    private Linux() {
    }
}
