package io.jlvs.transport.epoll;

import io.jlvs.core.conn.Connection;
import io.jlvs.core.config.Extensions;
import io.jlvs.core.net.Addresses;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.session.ProxyProtocol;
import io.jlvs.core.transport.LruLinks;
import io.jlvs.core.transport.UdpFlowImports;
import io.jlvs.transport.epoll.internal.DatagramBatch;
import io.jlvs.transport.epoll.internal.Errno;
import io.jlvs.transport.epoll.internal.Linux;
import io.jlvs.transport.epoll.internal.SockAddr;
import io.jlvs.transport.epoll.internal.Syscalls;

import java.net.Inet6Address;
import java.net.InetSocketAddress;

/**
 * One UDP flow on the epoll transport: a datagram socket connected to the flow's real server (a per-flow socket,
 * so the server's replies arrive on a descriptor that names their client, and the kernel reports an ICMP error from
 * that server on it). Datagrams from the client go out on it, after a PROXY v2 DGRAM header when the server or
 * service asks for one; replies come in on it by {@code recvmmsg(2)} into the loop's reply batch and go to the
 * client from the virtual address with the next flush ({@link UdpLoop}). An ICMP port unreachable
 * ({@code ECONNREFUSED} on this connected socket) counts like a failed connect ({@code udp_port_unreachable}) and
 * ends the flow, so the client's next datagram is placed again.
 *
 * <p>Not thread-safe; confined to its event loop.
 */
final class UdpFlow extends LruLinks<UdpFlow> implements EpollLoop.Handler {
    /** Reply batches read per readable event before the loop serves its other descriptors. */
    private static final int BATCHES_PER_EVENT = 4;

    final UdpEndpoint endpoint;
    final RealServer server;
    /** The table entry, or null for a one-packet flow. */
    final Connection conn;
    private final int client4;
    final int clientPort;
    /** The client's IPv6 address, or null for an IPv4 client. */
    final byte[] client6;
    private final int scope6;
    /** The PROXY v2 header sent before every datagram, or null. */
    private final byte[] header;
    private int fd;
    private final int slot;
    private boolean closed;
    // one-packet flows (owned by the endpoint's OnePacketFlows)
    long opsKey;
    UdpFlow opsNext;
    // an IPv6 client's raw source address: the key of the endpoint's Udp6Index (table flows, while hashed6) or part
    // of a one-packet flow's key in OnePacketFlows; owned by the endpoint
    long v6High;
    long v6Low;
    int v6Scope;
    UdpFlow v6Next;
    boolean hashed6;
    /** Set when the flow was imported and other loops may take it over ({@link UdpFlowImports}). */
    UdpFlowImports.Claim<EpollLoop> claim;
    // the loop's list of flows (owned by UdpLoop)
    UdpFlow allPrev;
    UdpFlow allNext;

    private UdpFlow(final UdpEndpoint endpoint, final Connection conn, final RealServer server, final int client4,
        final int clientPort, final InetSocketAddress client6, final byte[] header, final int fd) {
        this.endpoint = endpoint;
        this.conn = conn;
        this.server = server;
        this.clientPort = clientPort;
        if (client6 != null && client6.getAddress() instanceof Inet6Address) {
            this.client4 = 0;
            this.client6 = client6.getAddress().getAddress();
            this.scope6 = ((Inet6Address) client6.getAddress()).getScopeId();
        } else {
            this.client4 = client6 == null ? client4 : Addresses.fold(client6.getAddress());
            this.client6 = null;
            this.scope6 = 0;
        }
        this.header = header;
        this.fd = fd;
        this.slot = endpoint.loop.register(this);
    }

    /**
     * Opens a flow's socket, connected to the server, and registers it.
     *
     * @param conn the table entry, or null for a one-packet flow
     * @param ca the client's IPv4 address (when {@code from} is null)
     * @param cp the client's port
     * @param from the client's address when it was read as a Java address (IPv6), else null
     * @return the flow, or null (counted as a handler error) when no socket could be made
     */
    static UdpFlow open(final UdpEndpoint endpoint, final Connection conn, final RealServer server, final int ca,
        final int cp, final InetSocketAddress from) {
        final EpollLoop loop = endpoint.loop;
        final Syscalls sys = loop.sys;
        final SockAddr to = loop.target.set(server.socketAddress());
        final int fd = sys.socket(to.family(), Linux.SOCK_DGRAM | Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            loop.counters.handlerErrors.incrementAndGet();
            return null;
        }
        UdpFlow f = null;
        try {
            sys.setsockopt(fd, Linux.SOL_SOCKET, Linux.SO_RCVBUF, 1 << 20);
            if (sys.connect(fd, to) < 0) {
                sys.close(fd);
                loop.counters.handlerErrors.incrementAndGet();
                return null;
            }
            final byte[] h;
            if (Extensions.proxyProtocol(endpoint.state.service.config(), server.config()) == 0) {
                h = null;
            } else {
                final InetSocketAddress client = from != null ? from
                    : new InetSocketAddress(Addresses.ipv4(ca), cp);
                h = ProxyProtocol.v2(client, endpoint.virtual, false);
            }
            f = new UdpFlow(endpoint, conn, server, ca, cp, from, h, fd);
            final int r = loop.epoll.add(fd, Linux.EPOLLIN, (long) f.slot << 1);
            if (r < 0) {
                throw new IllegalStateException("epoll_ctl(ADD udp flow): " + Errno.name(-r));
            }
            endpoint.udp.link(f);
            return f;
        } catch (final RuntimeException e) {
            if (f != null) {
                loop.unregister(f.slot);
            }
            sys.close(fd);
            loop.counters.handlerErrors.incrementAndGet();
            return null;
        }
    }

    /** Prepares request slot {@code i} (received from the client) to go to the server. */
    void prepare(final DatagramBatch rx, final int i, final int length) {
        if (header == null) {
            rx.prepare(i, null, length);
        } else {
            rx.preparePrefixed(i, header, length);
        }
    }

    /** Sends prepared request slots {@code [from, from + count)} to the server. */
    void send(final int from, final int count) {
        final DatagramBatch rx = endpoint.udp.requests;
        final int end = from + count;
        int i = from;
        while (i < end && !closed) {
            final int r = rx.send(endpoint.loop.sys, fd, i, end - i);
            if (r > 0) {
                i += r;
            } else if (r == -Errno.ECONNREFUSED) {
                unreachable();
                return;
            } else if (r == -Errno.EAGAIN) {
                return; // the socket's send buffer is full: UDP drops the rest
            } else {
                endpoint.loop.counters.handlerErrors.incrementAndGet();
                i++; // drop that datagram
            }
        }
    }

    @Override
    public void onEvent(final boolean second, final int events) {
        final EpollLoop loop = endpoint.loop;
        final UdpLoop udp = endpoint.udp;
        final DatagramBatch tx = udp.replies;
        for (int round = 0; round < BATCHES_PER_EVENT && !closed; round++) {
            final int from = udp.replySlot(endpoint);
            final int room = tx.capacity() - from;
            final int r = tx.receive(loop.sys, fd, from, room);
            if (r == -Errno.ECONNREFUSED) {
                unreachable();
                return;
            }
            if (r <= 0) {
                if (r != -Errno.EAGAIN) {
                    loop.counters.handlerErrors.incrementAndGet();
                }
                return;
            }
            final int end = from + r;
            for (int j = from; j < end; j++) {
                if (tx.truncated(j)) {
                    loop.counters.udpTruncated.incrementAndGet();
                    udp.skipReply(j);
                    continue;
                }
                final int n = tx.length(j);
                if (conn != null) {
                    loop.table.countOut(conn, n, loop.now);
                } else {
                    loop.table.out(server.stats(), n);
                    loop.table.out(endpoint.state.service.stats(), n);
                }
                if (client6 == null) {
                    tx.prepareIpv4(j, client4, clientPort, n);
                } else {
                    tx.prepare(j, udp.address.ipv6(client6, clientPort, scope6), n);
                }
            }
            if (conn == null) {
                endpoint.ops.touch(this, loop.now);
            }
            udp.repliesWaiting(endpoint, end);
            if (r < room) {
                return;
            }
        }
    }

    private void unreachable() {
        final EpollLoop loop = endpoint.loop;
        loop.counters.udpPortUnreachable.incrementAndGet();
        loop.engine.connectFailed(endpoint.state.service, server, "ICMP port unreachable", loop.now);
        if (conn != null) {
            drop();
        } else {
            endpoint.ops.remove(this);
        }
    }

    @Override
    public void fail() {
        if (conn == null) {
            endpoint.ops.remove(this);
        } else {
            drop();
        }
    }

    /** Ends a table flow now: its entry leaves the table (not counted as expired) and its socket closes. */
    void drop() {
        if (conn != null && conn.attachment() == this) {
            endpoint.loop.table.remove(conn);
        }
        close();
    }

    /** The table expired the flow (idle for the UDP timeout). */
    void expired() {
        close();
    }

    void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (claim != null) {
            endpoint.loop.engine.flowImport.forget(claim);
        }
        if (hashed6) {
            endpoint.index6.remove(this);
        }
        if (conn != null && conn.attachment() == this) {
            conn.attachment(null);
        }
        endpoint.udp.unlink(this);
        endpoint.loop.sys.close(fd);
        fd = -1;
        endpoint.loop.unregister(slot);
    }
}
