package io.jlvs.transport.epoll;

import io.jlvs.core.conn.ConnState;
import io.jlvs.core.sched.MutableFlow;
import io.jlvs.transport.epoll.internal.DatagramBatch;
import io.jlvs.transport.epoll.internal.Errno;
import io.jlvs.transport.epoll.internal.Linux;
import io.jlvs.transport.epoll.internal.NativeException;
import io.jlvs.transport.epoll.internal.SockAddr;
import io.jlvs.transport.epoll.internal.Syscalls;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The UDP side of one event loop: its services' endpoints, its flows, and two datagram batches shared by them.
 * Datagrams from clients are read a batch per {@code recvmmsg(2)} into {@link #requests} and go to the real servers
 * from the same slots, a {@code sendmmsg(2)} per run of consecutive datagrams of one flow. Replies from the real
 * servers are read by {@code recvmmsg(2)} into the free slots of {@link #replies} and wait there, addressed to their
 * clients, until the batch is full, the next reply belongs to another service's socket, or the loop's dispatch of
 * ready events ends: then one {@code sendmmsg(2)} sends them all from the virtual address. So one system call each
 * way moves up to a batch of datagrams however many flows they belong to.
 *
 * <p>The batches are allocated when the loop opens its first UDP endpoint (a TCP-only director pays nothing).
 *
 * <p>Not thread-safe; confined to its event loop.
 */
final class UdpLoop {
    final EpollLoop loop;
    final int batch;
    /** The flow the schedulers read, rewritten per new flow. */
    final MutableFlow flow = new MutableFlow();
    final List<UdpEndpoint> endpoints = new ArrayList<>();
    DatagramBatch requests;
    DatagramBatch replies;
    /** Reply slots to leave out when sending (a truncated reply). */
    private boolean[] skip;
    /** Reply slots {@code [0, pending)} wait to be sent on {@code pendingEndpoint}'s socket. */
    private int pending;
    private UdpEndpoint pendingEndpoint;
    /** A scratch address: a datagram's source (IPv6), a flow's destination (IPv6). */
    SockAddr address;
    /** Every open flow of the loop, for closing. */
    private UdpFlow flowsHead;

    UdpLoop(final EpollLoop loop, final int batch) {
        this.loop = loop;
        this.batch = batch;
    }

    /**
     * Opens, binds and registers a service's socket; on the loop thread.
     *
     * @param address where to bind (a port 0 takes an ephemeral port)
     * @param receiveBuffer SO_RCVBUF, or 0 for 4 MiB (a deep queue absorbs bursts; the kernel caps it at
     *     {@code rmem_max})
     * @return the endpoint, added to the loop's endpoints
     * @throws NativeException if a call fails (the socket is closed then)
     */
    UdpEndpoint open(final EpollEngine.ServiceState state, final InetSocketAddress address, final int receiveBuffer)
        throws NativeException {
        prepare();
        final Syscalls sys = loop.sys;
        final SockAddr a = loop.target.set(address);
        final int fd = NativeException.check("socket", sys.socket(a.family(),
            Linux.SOCK_DGRAM | Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC, 0));
        try {
            NativeException.check("setsockopt(SO_REUSEADDR)", sys.setsockopt(fd, Linux.SOL_SOCKET,
                Linux.SO_REUSEADDR, 1));
            NativeException.check("setsockopt(SO_REUSEPORT)", sys.setsockopt(fd, Linux.SOL_SOCKET,
                Linux.SO_REUSEPORT, 1));
            sys.setsockopt(fd, Linux.SOL_SOCKET, Linux.SO_RCVBUF, receiveBuffer > 0 ? receiveBuffer : 4 << 20);
            NativeException.check("bind " + address, sys.bind(fd, a));
            NativeException.check("getsockname", sys.getsockname(fd, loop.local));
            final UdpEndpoint u = new UdpEndpoint(loop, state, fd, loop.local.toInetSocketAddress());
            endpoints.add(u);
            return u;
        } catch (final NativeException | RuntimeException e) {
            sys.close(fd);
            throw e;
        }
    }

    /** Allocates the batches before the first endpoint opens. */
    private void prepare() {
        if (requests == null) {
            final int slot = Math.min(loop.engine.runtime.options().bufferSize(), 65_535);
            requests = new DatagramBatch(loop.sys.arena(), batch, slot);
            replies = new DatagramBatch(loop.sys.arena(), batch, slot);
            skip = new boolean[batch];
            address = new SockAddr(loop.sys.arena());
        }
    }

    /**
     * The first free reply slot for a reply to go out on {@code e}'s socket: sends what waits first if the batch is
     * full or waits for another endpoint.
     */
    int replySlot(final UdpEndpoint e) {
        if (pending > 0 && (pendingEndpoint != e || pending == batch)) {
            flush();
        }
        return pending;
    }

    /** Marks reply slot {@code i} as one to leave out. */
    void skipReply(final int i) {
        skip[i] = true;
    }

    /** Reply slots up to {@code end} now wait for {@code e}'s socket. */
    void repliesWaiting(final UdpEndpoint e, final int end) {
        pending = end;
        pendingEndpoint = e;
    }

    /** Sends the replies that wait, from their endpoint's socket; the loop calls it after each dispatch. */
    void flush() {
        final int n = pending;
        if (n == 0) {
            return;
        }
        final UdpEndpoint e = pendingEndpoint;
        pending = 0;
        pendingEndpoint = null;
        int i = 0;
        while (i < n) {
            if (skip[i]) {
                i++;
                continue;
            }
            int j = i;
            while (j < n && !skip[j]) {
                j++;
            }
            while (i < j) {
                final int r = replies.send(loop.sys, e.fd, i, j - i);
                if (r > 0) {
                    i += r;
                } else if (r == -Errno.EAGAIN) {
                    i = n; // the virtual socket's send buffer is full: UDP drops what does not fit
                    j = n;
                } else {
                    i++; // that client cannot be sent to (EPERM from a firewall, a bad route...): drop it
                }
            }
        }
        java.util.Arrays.fill(skip, 0, n, false);
    }

    void link(final UdpFlow f) {
        f.allNext = flowsHead;
        if (flowsHead != null) {
            flowsHead.allPrev = f;
        }
        flowsHead = f;
    }

    void unlink(final UdpFlow f) {
        if (f.allPrev != null) {
            f.allPrev.allNext = f.allNext;
        } else if (flowsHead == f) {
            flowsHead = f.allNext;
        }
        if (f.allNext != null) {
            f.allNext.allPrev = f.allPrev;
        }
        f.allPrev = null;
        f.allNext = null;
    }

    /** Closes the flows of one endpoint (its service was removed), or of every endpoint (null). */
    void closeFlows(final UdpEndpoint of) {
        UdpFlow f = flowsHead;
        while (f != null) {
            final UdpFlow next = f.allNext;
            if (of == null || f.endpoint == of) {
                f.drop();
            }
            f = next;
        }
    }

    /** Expires idle one-packet flows (the UDP timeout); the connection table expires the others. */
    void expire(final long now, final int limit) {
        if (!endpoints.isEmpty()) {
            final long timeout = loop.engine.runtime.timeouts().timeoutNs(ConnState.UDP);
            for (int i = 0; i < endpoints.size(); i++) { // indexed: no iterator per cycle
                endpoints.get(i).ops.expire(now, timeout, limit);
            }
        }
    }

    /** Closes the endpoints of one service. */
    void close(final EpollEngine.ServiceState st) {
        flush();
        endpoints.removeIf(u -> {
            if (u.state == st) {
                u.close();
                return true;
            }
            return false;
        });
    }

    /** Closes every endpoint and flow (the loop or the engine ends). */
    void closeAll() {
        flush();
        for (final UdpEndpoint u : endpoints) {
            u.close();
        }
        endpoints.clear();
        closeFlows(null);
    }
}
