package io.jlvs.transport.epoll.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * The system calls of the transport, as Java methods that return a non-negative result or a negated errno
 * ({@code -Errno.EAGAIN}), the kernel's own convention. No method throws for a failed call and none
 * allocates: each instance owns a confined arena with the errno capture cell and the small scratch cells
 * (an int option value, a socklen_t, a pipe's two descriptors, an epoll_event, a sendfile offset) that the
 * calls need, allocated once.
 *
 * <p>One instance per thread: each event loop makes its own, and a test makes one per test thread.
 *
 * <p>Calls that cannot block, and those the caller makes non-blocking ({@code MSG_DONTWAIT} on recv, send,
 * recvmmsg and sendmmsg; {@code SPLICE_F_NONBLOCK} on splice; a zero epoll_wait timeout; eventfd reads and
 * writes), go through downcall handles linked {@code critical(true)} on Java 24 and later, which the JIT compiles
 * to allocate nothing with the default flags (see {@code LibC}); while such a call runs the JVM cannot reach a
 * safepoint, so those flags must only be given on non-blocking descriptors (splice: both of them; the eventfd
 * of {@link #eventfdRead}/{@link #eventfdWrite}: {@link Linux#EFD_NONBLOCK}). The others (read, write, recv and
 * send without MSG_DONTWAIT, accept4, connect, close, sendfile, a waiting epoll_wait) use ordinary handles.
 *
 * <pre>{@code
 * try (Syscalls sys = new Syscalls()) {
 *     int fd = NativeException.check("socket", sys.socket(Linux.AF_INET, Linux.SOCK_STREAM | Linux.SOCK_NONBLOCK, 0));
 *     int r = sys.connect(fd, address);          // -Errno.EINPROGRESS: wait for EPOLLOUT, then soError(fd)
 * }
 * }</pre>
 *
 * <p>Not thread-safe; confined to the thread that created it (its arena is confined to that thread, so a
 * call from another thread fails with {@link WrongThreadException}).
 */
public final class Syscalls implements AutoCloseable {
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment capture = arena.allocate(LibC.CAPTURE_LAYOUT);
    private final MemorySegment intCell = arena.allocate(ValueLayout.JAVA_INT);
    private final MemorySegment intCell2 = arena.allocate(ValueLayout.JAVA_INT);
    private final MemorySegment lenCell = arena.allocate(ValueLayout.JAVA_INT);
    private final MemorySegment pipeCells = arena.allocate(ValueLayout.JAVA_INT, 2);
    private final MemorySegment longCell = arena.allocate(ValueLayout.JAVA_LONG);
    private final MemorySegment rlimitCells = arena.allocate(ValueLayout.JAVA_LONG, 2);
    private final MemorySegment epollEvent = arena.allocate(Epoll.EVENT_BYTES, 8);
    /** System calls made through this instance, for measurements (a plain field: confined). */
    private long calls;

    /**
     * Allocates the scratch cells.
     *
     * @throws IllegalStateException if {@link NativeSupport#isAvailable()} is false
     */
    public Syscalls() {
        if (!NativeSupport.isAvailable()) {
            throw new IllegalStateException("native layer unavailable: " + NativeSupport.unavailableReason());
        }
    }

    /** {@return the arena the cells come from; loops allocate their own long-lived memory from it} */
    public Arena arena() {
        return arena;
    }

    /** Frees the cells. Descriptors are not touched: their owners close them. */
    @Override
    public void close() {
        arena.close();
    }

    private int errno() {
        return capture.get(ValueLayout.JAVA_INT, LibC.ERRNO_OFFSET);
    }

    private int result(final int r) {
        calls++;
        return r < 0 ? -errno() : r;
    }

    private long result(final long r) {
        calls++;
        return r < 0 ? -errno() : r;
    }

    /** {@return the system calls made through this instance so far (what a measurement divides by work)} */
    public long calls() {
        return calls;
    }

    private static long address(final MemorySegment buffer, final long offset, final long length) {
        Objects.checkFromIndexSize(offset, length, buffer.byteSize());
        if (!buffer.isNative()) {
            throw new IllegalArgumentException("buffer is not native memory");
        }
        if (!buffer.scope().isAlive()) {
            throw new IllegalStateException("buffer's arena is closed");
        }
        return buffer.address() + offset;
    }

    // ---------------------------------------------------------------- sockets

    /**
     * socket(2).
     *
     * @param domain {@link Linux#AF_INET} or {@link Linux#AF_INET6}
     * @param type {@link Linux#SOCK_STREAM} or {@link Linux#SOCK_DGRAM}, or-ed with SOCK_NONBLOCK, SOCK_CLOEXEC
     * @param protocol 0 for the default
     * @return the new descriptor, or a negated errno
     */
    public int socket(final int domain, final int type, final int protocol) {
        try {
            return result((int) LibC.SOCKET.invokeExact(capture, domain, type, protocol));
        } catch (final Throwable t) {
            throw LibC.rethrow(t);
        }
    }

    /**
     * setsockopt(2) with an int value.
     *
     * @param fd the socket
     * @param level e.g. {@link Linux#SOL_SOCKET}
     * @param option e.g. {@link Linux#SO_REUSEPORT}
     * @param value the value
     * @return 0, or a negated errno
     */
    public int setsockopt(final int fd, final int level, final int option, final int value) {
        intCell.set(ValueLayout.JAVA_INT, 0, value);
        try {
            return result((int) LibC.SETSOCKOPT.invokeExact(capture, fd, level, option, intCell, 4));
        } catch (final Throwable t) {
            throw LibC.rethrow(t);
        }
    }

    /**
     * setsockopt(2) of SO_LINGER ({@code struct linger { int l_onoff; int l_linger; }}). Linger on with a
     * zero timeout makes close(2) send a reset instead of a FIN.
     *
     * @param fd the socket
     * @param on whether to linger
     * @param seconds the linger time
     * @return 0, or a negated errno
     */
    public int setLinger(final int fd, final boolean on, final int seconds) {
        longCell.set(ValueLayout.JAVA_INT, 0, on ? 1 : 0);
        longCell.set(ValueLayout.JAVA_INT, 4, seconds);
        try {
            return result((int) LibC.SETSOCKOPT.invokeExact(capture, fd, Linux.SOL_SOCKET, Linux.SO_LINGER,
                longCell, 8));
        } catch (final Throwable t) {
            throw LibC.rethrow(t);
        }
    }

    /**
     * getsockopt(2) of an int option whose values are not negative (SO_ERROR, SO_RCVBUF, TCP_NODELAY, ...).
     *
     * @param fd the socket
     * @param level the level
     * @param option the option
     * @return the value, or a negated errno
     */
    public int getsockopt(final int fd, final int level, final int option) {
        lenCell.set(ValueLayout.JAVA_INT, 0, 4);
        try {
            final int r = result((int) LibC.GETSOCKOPT.invokeExact(capture, fd, level, option, intCell2, lenCell));
            return r < 0 ? r : intCell2.get(ValueLayout.JAVA_INT, 0);
        } catch (final Throwable t) {
            throw LibC.rethrow(t);
        }
    }

    /**
     * The pending error of a socket, as getsockopt(SO_ERROR) reads and clears it: how a non-blocking
     * connect ended.
     *
     * @param fd the socket
     * @return 0 for none, a positive errno such as {@link Errno#ECONNREFUSED}, or a negated errno when
     *     getsockopt itself failed
     */
    public int soError(final int fd) {
        return getsockopt(fd, Linux.SOL_SOCKET, Linux.SO_ERROR);
    }

    /**
     * bind(2).
     *
     * @param fd the socket
     * @param address the local address
     * @return 0, or a negated errno
     */
    public int bind(final int fd, final SockAddr address) {
        try {
            return result((int) LibC.BIND.invokeExact(capture, fd, address.segment(), address.length()));
        } catch (final Throwable t) {
            throw LibC.rethrow(t);
        }
    }

    /**
     * listen(2).
     *
     * @param fd the bound socket
     * @param backlog the accept queue length
     * @return 0, or a negated errno
     */
    public int listen(final int fd, final int backlog) {
        try {
            return result((int) LibC.LISTEN.invokeExact(capture, fd, backlog));
        } catch (final Throwable t) {
            throw LibC.rethrow(t);
        }
    }

    /**
     * accept4(2).
     *
     * @param fd the listening socket
     * @param peer receives the client's address, or {@code null} when not wanted
     * @param flags SOCK_NONBLOCK, SOCK_CLOEXEC
     * @return the connected socket, or a negated errno ({@code -EAGAIN} when the queue is empty,
     *     {@code -EMFILE} when the process is out of descriptors)
     */
    public int accept4(final int fd, final SockAddr peer, final int flags) {
        try {
            if (peer == null) {
                return result((int) LibC.ACCEPT4.invokeExact(capture, fd, MemorySegment.NULL, MemorySegment.NULL,
                    flags));
            }
            final int r = result((int) LibC.ACCEPT4.invokeExact(capture, fd, peer.segment(), peer.lengthForOutput(),
                flags));
            if (r >= 0) {
                peer.lengthWritten();
            }
            return r;
        } catch (final Throwable t) {
            throw LibC.rethrow(t);
        }
    }

    /**
     * connect(2).
     *
     * @param fd the socket
     * @param address the remote address
     * @return 0 when connected, {@code -EINPROGRESS} when a non-blocking connect has started, or another
     *     negated errno
     */
    public int connect(final int fd, final SockAddr address) {
        try {
            return result((int) LibC.CONNECT.invokeExact(capture, fd, address.segment(), address.length()));
        } catch (final Throwable t) {
            throw LibC.rethrow(t);
        }
    }

    /**
     * getsockname(2).
     *
     * @param fd the socket
     * @param out receives the local address
     * @return 0, or a negated errno
     */
    public int getsockname(final int fd, final SockAddr out) {
        try {
            final int r = result((int) LibC.GETSOCKNAME.invokeExact(capture, fd, out.segment(), out.lengthForOutput()));
            if (r >= 0) {
                out.lengthWritten();
            }
            return r;
        } catch (final Throwable t) {
            throw LibC.rethrow(t);
        }
    }

    /**
     * getpeername(2).
     *
     * @param fd the socket
     * @param out receives the remote address
     * @return 0, or a negated errno ({@code -ENOTCONN} when not connected)
     */
    public int getpeername(final int fd, final SockAddr out) {
        try {
            final int r = result((int) LibC.GETPEERNAME.invokeExact(capture, fd, out.segment(), out.lengthForOutput()));
            if (r >= 0) {
                out.lengthWritten();
            }
            return r;
        } catch (final Throwable t) {
            throw LibC.rethrow(t);
        }
    }

    /**
     * shutdown(2).
     *
     * @param fd the socket
     * @param how {@link Linux#SHUT_RD}, {@link Linux#SHUT_WR} or {@link Linux#SHUT_RDWR}
     * @return 0, or a negated errno
     */
    public int shutdown(final int fd, final int how) {
        try {
            return result((int) LibC.SHUTDOWN.invokeExact(capture, fd, how));
        } catch (final Throwable t) {
            throw LibC.rethrow(t);
        }
    }

    /**
     * close(2). The caller, the descriptor's one owner, sets its field to -1 afterwards.
     *
     * @param fd the descriptor
     * @return 0, or a negated errno ({@code -EBADF} for a descriptor already closed)
     */
    public int close(final int fd) {
        try {
            return result((int) LibC.CLOSE.invokeExact(capture, fd));
        } catch (final Throwable t) {
            throw LibC.rethrow(t);
        }
    }

    /**
     * Closes a socket the caller owns, with a reset (SO_LINGER 0 first) or a normal FIN; a negative descriptor is left
     * alone. Closing the last descriptor of a socket also removes it from every epoll set.
     *
     * @param fd the descriptor, or -1
     * @param reset whether the peer gets a reset instead of a FIN
     * @return -1, for the caller's descriptor field
     */
    public int closeSocket(final int fd, final boolean reset) {
        if (fd >= 0) {
            if (reset) {
                setLinger(fd, true, 0);
            }
            close(fd);
        }
        return -1;
    }

    // ---------------------------------------------------------------- bytes

    /**
     * read(2) into native memory.
     *
     * @param fd the descriptor
     * @param buffer a native segment
     * @param offset where in {@code buffer} to start
     * @param length at most this many bytes
     * @return bytes read, 0 at end of stream, or a negated errno
     */
    public long read(final int fd, final MemorySegment buffer, final long offset, final long length) {
        final long address = address(buffer, offset, length);
        try {
            return result((long) LibC.READ.invokeExact(capture, fd, address, length));
        } catch (final Throwable t) {
            throw LibC.rethrow(t);
        }
    }

    /**
     * write(2) from native memory. On a pipe whose reader is gone this returns {@code -EPIPE} (the JVM
     * ignores SIGPIPE); sockets should use {@link #send} with {@link Linux#MSG_NOSIGNAL}.
     *
     * @param fd the descriptor
     * @param buffer a native segment
     * @param offset where in {@code buffer} to start
     * @param length at most this many bytes
     * @return bytes written, or a negated errno
     */
    public long write(final int fd, final MemorySegment buffer, final long offset, final long length) {
        final long address = address(buffer, offset, length);
        try {
            return result((long) LibC.WRITE.invokeExact(capture, fd, address, length));
        } catch (final Throwable t) {
            throw LibC.rethrow(t);
        }
    }

    /**
     * recv(2) into native memory.
     *
     * @param fd the socket
     * @param buffer a native segment
     * @param offset where in {@code buffer} to start
     * @param length at most this many bytes
     * @param flags e.g. {@link Linux#MSG_DONTWAIT}
     * @return bytes received, 0 at end of stream, or a negated errno
     */
    public long recv(final int fd, final MemorySegment buffer, final long offset, final long length,
                     final int flags) {
        final long address = address(buffer, offset, length);
        try {
            return result((flags & Linux.MSG_DONTWAIT) != 0
                ? (long) LibC.RECV_NB.invokeExact(capture, fd, address, length, flags)
                : (long) LibC.RECV.invokeExact(capture, fd, address, length, flags));
        } catch (final Throwable t) {
            throw LibC.rethrow(t);
        }
    }

    /**
     * send(2) from native memory.
     *
     * @param fd the socket
     * @param buffer a native segment
     * @param offset where in {@code buffer} to start
     * @param length at most this many bytes
     * @param flags e.g. {@link Linux#MSG_NOSIGNAL}
     * @return bytes sent, or a negated errno
     */
    public long send(final int fd, final MemorySegment buffer, final long offset, final long length,
                     final int flags) {
        final long address = address(buffer, offset, length);
        try {
            return result((flags & Linux.MSG_DONTWAIT) != 0
                ? (long) LibC.SEND_NB.invokeExact(capture, fd, address, length, flags)
                : (long) LibC.SEND.invokeExact(capture, fd, address, length, flags));
        } catch (final Throwable t) {
            throw LibC.rethrow(t);
        }
    }

    // ---------------------------------------------------------------- epoll, eventfd

    /**
     * epoll_create1(2).
     *
     * @param flags {@link Linux#EPOLL_CLOEXEC} or 0
     * @return the epoll descriptor, or a negated errno
     */
    public int epollCreate1(final int flags) {
        try {
            return result((int) LibC.EPOLL_CREATE1.invokeExact(capture, flags));
        } catch (final Throwable t) {
            throw LibC.rethrow(t);
        }
    }

    /**
     * epoll_ctl(2).
     *
     * @param epfd the epoll descriptor
     * @param op {@link Linux#EPOLL_CTL_ADD}, {@link Linux#EPOLL_CTL_MOD} or {@link Linux#EPOLL_CTL_DEL}
     * @param fd the watched descriptor
     * @param events the interest set (EPOLLIN, EPOLLOUT, EPOLLRDHUP, EPOLLET, ...)
     * @param data the 64 bits epoll_wait reports back for this descriptor
     * @return 0, or a negated errno
     */
    public int epollCtl(final int epfd, final int op, final int fd, final int events, final long data) {
        epollEvent.set(ValueLayout.JAVA_INT, Epoll.EVENTS_OFFSET, events);
        epollEvent.set(ValueLayout.JAVA_LONG_UNALIGNED, Epoll.DATA_OFFSET, data);
        try {
            return result((int) LibC.EPOLL_CTL.invokeExact(capture, epfd, op, fd, epollEvent));
        } catch (final Throwable t) {
            throw LibC.rethrow(t);
        }
    }

    /**
     * epoll_wait(2).
     *
     * @param epfd the epoll descriptor
     * @param events an array of {@code maxEvents} epoll_event structs ({@link Epoll#EVENT_BYTES} each)
     * @param maxEvents capacity of {@code events}
     * @param timeoutMs -1 to wait indefinitely, 0 to poll
     * @return the number of ready descriptors, or a negated errno ({@code -EINTR} on a signal)
     */
    public int epollWait(final int epfd, final MemorySegment events, final int maxEvents, final int timeoutMs) {
        if ((long) maxEvents * Epoll.EVENT_BYTES > events.byteSize()) {
            throw new IndexOutOfBoundsException("maxEvents " + maxEvents + " exceeds the event array");
        }
        try {
            return result(timeoutMs == 0
                ? (int) LibC.EPOLL_WAIT_NOW.invokeExact(capture, epfd, events, maxEvents, 0)
                : (int) LibC.EPOLL_WAIT.invokeExact(capture, epfd, events, maxEvents, timeoutMs));
        } catch (final Throwable t) {
            throw LibC.rethrow(t);
        }
    }

    /**
     * eventfd(2).
     *
     * @param initialValue the counter's start
     * @param flags {@link Linux#EFD_NONBLOCK}, {@link Linux#EFD_CLOEXEC}
     * @return the descriptor, or a negated errno
     */
    public int eventfd(final int initialValue, final int flags) {
        try {
            return result((int) LibC.EVENTFD.invokeExact(capture, initialValue, flags));
        } catch (final Throwable t) {
            throw LibC.rethrow(t);
        }
    }

    /**
     * Adds to an eventfd counter (an 8-byte write). The eventfd must be non-blocking.
     *
     * @param fd the eventfd
     * @param value the amount, at least 1
     * @return 8, or a negated errno
     */
    public long eventfdWrite(final int fd, final long value) {
        longCell.set(ValueLayout.JAVA_LONG, 0, value);
        try {
            return result((long) LibC.WRITE_NB.invokeExact(capture, fd, longCell.address(), 8L));
        } catch (final Throwable t) {
            throw LibC.rethrow(t);
        }
    }

    /**
     * Reads and resets an eventfd counter (an 8-byte read). The eventfd must be non-blocking
     * ({@link Linux#EFD_NONBLOCK}): the call is linked critical.
     *
     * @param fd the eventfd
     * @return the counter (non-negative in every use here), or a negated errno ({@code -EAGAIN} when it is 0
     *     and the eventfd is non-blocking)
     */
    public long eventfdRead(final int fd) {
        try {
            final long r = result((long) LibC.READ_NB.invokeExact(capture, fd, longCell.address(), 8L));
            return r < 0 ? r : longCell.get(ValueLayout.JAVA_LONG, 0);
        } catch (final Throwable t) {
            throw LibC.rethrow(t);
        }
    }

    // ---------------------------------------------------------------- pipes, splice, sendfile

    /**
     * pipe2(2).
     *
     * @param fds receives the read end at [0] and the write end at [1]
     * @param flags {@link Linux#O_NONBLOCK}, {@link Linux#O_CLOEXEC}
     * @return 0, or a negated errno
     */
    public int pipe2(final int[] fds, final int flags) {
        try {
            final int r = result((int) LibC.PIPE2.invokeExact(capture, pipeCells, flags));
            if (r == 0) {
                fds[0] = pipeCells.getAtIndex(ValueLayout.JAVA_INT, 0);
                fds[1] = pipeCells.getAtIndex(ValueLayout.JAVA_INT, 1);
            }
            return r;
        } catch (final Throwable t) {
            throw LibC.rethrow(t);
        }
    }

    /**
     * fcntl(2) with an int argument, e.g. {@link Linux#F_SETPIPE_SZ}.
     *
     * @param fd the descriptor
     * @param command the command
     * @param argument its argument
     * @return the command's result (the new capacity for F_SETPIPE_SZ), or a negated errno
     */
    public int fcntl(final int fd, final int command, final int argument) {
        try {
            return result((int) LibC.FCNTL.invokeExact(capture, fd, command, argument));
        } catch (final Throwable t) {
            throw LibC.rethrow(t);
        }
    }

    /**
     * splice(2) between a pipe and another descriptor, no offsets (both sides are streams).
     *
     * @param in the source (a socket or a pipe's read end)
     * @param out the destination (a pipe's write end or a socket)
     * @param length at most this many bytes
     * @param flags {@link Linux#SPLICE_F_MOVE}, {@link Linux#SPLICE_F_NONBLOCK}, {@link Linux#SPLICE_F_MORE}
     * @return bytes moved, 0 at end of stream of {@code in}, or a negated errno
     */
    public long splice(final int in, final int out, final long length, final int flags) {
        try {
            return result((flags & Linux.SPLICE_F_NONBLOCK) != 0
                ? (long) LibC.SPLICE_NB.invokeExact(capture, in, MemorySegment.NULL, out, MemorySegment.NULL, length,
                    flags)
                : (long) LibC.SPLICE.invokeExact(capture, in, MemorySegment.NULL, out, MemorySegment.NULL, length,
                    flags));
        } catch (final Throwable t) {
            throw LibC.rethrow(t);
        }
    }

    /**
     * sendfile(2) from a file at an explicit offset (the file's own position is not used or moved).
     *
     * @param out the socket
     * @param in the file
     * @param offset where in the file to start
     * @param count at most this many bytes
     * @return bytes sent (the caller adds them to its offset), 0 at end of file, or a negated errno
     */
    public long sendfile(final int out, final int in, final long offset, final long count) {
        longCell.set(ValueLayout.JAVA_LONG, 0, offset);
        try {
            return result((long) LibC.SENDFILE.invokeExact(capture, out, in, longCell, count));
        } catch (final Throwable t) {
            throw LibC.rethrow(t);
        }
    }

    /**
     * open(2) of a path (control path: encodes the path in a temporary arena).
     *
     * @param path the file
     * @param flags e.g. {@code O_RDONLY | O_CLOEXEC}
     * @return the descriptor, or a negated errno
     */
    public int open(final String path, final int flags) {
        try (Arena temp = Arena.ofConfined()) {
            return result((int) LibC.OPEN.invokeExact(capture, temp.allocateFrom(path), flags, 0));
        } catch (final Throwable t) {
            throw LibC.rethrow(t);
        }
    }

    // ---------------------------------------------------------------- datagrams

    /**
     * recvmmsg(2) with no timeout.
     *
     * @param fd the datagram socket
     * @param messages an mmsghdr array (see {@link DatagramBatch})
     * @param count how many entries may be filled
     * @param flags e.g. {@link Linux#MSG_DONTWAIT}
     * @return datagrams received, or a negated errno
     */
    public int recvmmsg(final int fd, final MemorySegment messages, final int count, final int flags) {
        try {
            return result((flags & Linux.MSG_DONTWAIT) != 0
                ? (int) LibC.RECVMMSG_NB.invokeExact(capture, fd, messages, count, flags, MemorySegment.NULL)
                : (int) LibC.RECVMMSG.invokeExact(capture, fd, messages, count, flags, MemorySegment.NULL));
        } catch (final Throwable t) {
            throw LibC.rethrow(t);
        }
    }

    /**
     * sendmmsg(2).
     *
     * @param fd the datagram socket
     * @param messages an mmsghdr array (see {@link DatagramBatch})
     * @param count how many entries to send
     * @param flags e.g. {@link Linux#MSG_DONTWAIT}
     * @return datagrams sent (possibly fewer than {@code count}), or a negated errno
     */
    public int sendmmsg(final int fd, final MemorySegment messages, final int count, final int flags) {
        try {
            return result((flags & Linux.MSG_DONTWAIT) != 0
                ? (int) LibC.SENDMMSG_NB.invokeExact(capture, fd, messages, count, flags)
                : (int) LibC.SENDMMSG.invokeExact(capture, fd, messages, count, flags));
        } catch (final Throwable t) {
            throw LibC.rethrow(t);
        }
    }

    // ---------------------------------------------------------------- limits

    /**
     * getrlimit(2).
     *
     * @param resource e.g. {@link Linux#RLIMIT_NOFILE}
     * @param out receives the soft limit at [0] and the hard limit at [1]
     * @return 0, or a negated errno
     */
    public int getrlimit(final int resource, final long[] out) {
        try {
            final int r = result((int) LibC.GETRLIMIT.invokeExact(capture, resource, rlimitCells));
            if (r == 0) {
                out[0] = rlimitCells.getAtIndex(ValueLayout.JAVA_LONG, 0);
                out[1] = rlimitCells.getAtIndex(ValueLayout.JAVA_LONG, 1);
            }
            return r;
        } catch (final Throwable t) {
            throw LibC.rethrow(t);
        }
    }

    /**
     * setrlimit(2).
     *
     * @param resource e.g. {@link Linux#RLIMIT_NOFILE}
     * @param soft the soft limit
     * @param hard the hard limit
     * @return 0, or a negated errno
     */
    public int setrlimit(final int resource, final long soft, final long hard) {
        rlimitCells.setAtIndex(ValueLayout.JAVA_LONG, 0, soft);
        rlimitCells.setAtIndex(ValueLayout.JAVA_LONG, 1, hard);
        try {
            return result((int) LibC.SETRLIMIT.invokeExact(capture, resource, rlimitCells));
        } catch (final Throwable t) {
            throw LibC.rethrow(t);
        }
    }
}
