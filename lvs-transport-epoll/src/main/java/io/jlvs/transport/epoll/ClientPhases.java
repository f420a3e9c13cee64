package io.jlvs.transport.epoll;

import io.jlvs.core.config.Extensions;
import io.jlvs.core.session.Session;
import io.jlvs.transport.epoll.internal.Errno;
import io.jlvs.transport.epoll.internal.FileSender;
import io.jlvs.transport.epoll.internal.Linux;
import io.jlvs.transport.epoll.internal.Relay;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * What an epoll connection does with its client alone, before relaying or instead of it: reading a trusted
 * client's PROXY header (into the session's header buffer, through the loop's scratch memory), and answering with
 * the sorry file (sent from the file's descriptor by {@link FileSender}, then a FIN, then a linger that reads and
 * drops what the client still sends, bounded by the connect timeout). Stateless: the phase's state is the
 * {@link EpollConnection}'s fields ({@code awaitingHeader}, {@code sorry}, {@code lingering}).
 *
 * <p>Not thread-safe; runs on the connection's loop.
 */
final class ClientPhases {
    private ClientPhases() {
    }

    /** The client is readable while its PROXY header is awaited. */
    static void readHeader(final EpollConnection c) {
        final EpollLoop loop = c.loop;
        final ByteBuffer hb = c.session.headerBuffer();
        final long n = loop.sys.recv(c.clientFd, loop.scratch, 0, hb.remaining(), Linux.MSG_DONTWAIT);
        if (n == -Errno.EAGAIN) {
            return;
        }
        if (n < 0) {
            c.close(true);
            return;
        }
        if (n == 0) {
            c.close(false);
            return;
        }
        MemorySegment.copy(loop.scratch, 0, MemorySegment.ofBuffer(hb), 0, n);
        hb.position(hb.position() + (int) n);
        if (c.session.parseHeader(loop.now) == Session.HeaderStatus.DONE) {
            loop.awaitingHeader.remove(c);
            c.awaitingHeader = false;
            c.setClientInterest(0);
            c.session.schedule(loop.now);
        }
    }

    /** The session answers with the sorry file: opens it by path (sent without copying) and starts sending. */
    static void sendFile(final EpollConnection c, final FileChannel file) {
        final EpollLoop loop = c.loop;
        long size;
        try (file) {
            size = file.size();
        } catch (final IOException e) {
            c.close(true);
            return;
        }
        final String path = Extensions.sorryFile(c.state.service.config());
        final int fd = path == null ? -Errno.ENOENT : loop.sys.open(path, Linux.O_RDONLY | Linux.O_CLOEXEC);
        if (fd < 0) {
            c.close(true);
            return;
        }
        c.sorry = new FileSender(loop.sys, fd, 0, size, c.clientFd);
        pumpSorry(c);
    }

    /** Sends what the client's socket takes of the sorry file; at its end, a FIN and the linger. */
    static void pumpSorry(final EpollConnection c) {
        final EpollLoop loop = c.loop;
        final int s = c.sorry.pump();
        if (s == Relay.ERROR) {
            c.close(true);
        } else if (s == Relay.WANT_WRITE) {
            c.setClientInterest(Linux.EPOLLOUT);
        } else {
            loop.sys.close(c.sorry.fileFd());
            c.sorry = null;
            loop.sys.shutdown(c.clientFd, Linux.SHUT_WR);
            c.lingering = true;
            loop.connecting.add(c, loop.now + loop.engine.runtime.options().connectTimeoutNs());
            c.setClientInterest(Linux.EPOLLIN | Linux.EPOLLRDHUP);
        }
    }

    /** After the sorry file: reads and drops what the client sends; closes when it has closed. */
    static void drainLingering(final EpollConnection c) {
        final EpollLoop loop = c.loop;
        for (int i = 0; i < 4; i++) {
            final long n = loop.sys.recv(c.clientFd, loop.scratch, 0, loop.scratch.byteSize(), Linux.MSG_DONTWAIT);
            if (n == 0) {
                c.close(false);
                return;
            }
            if (n < 0) {
                if (n != -Errno.EAGAIN) {
                    c.close(true);
                }
                return;
            }
        }
    }
}
