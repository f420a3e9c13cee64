package io.jlvs.transport.epoll.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * An epoll instance with its ready-event array and an eventfd for cross-thread wake-ups: the readiness
 * half of an event loop.
 *
 * <p>{@code struct epoll_event} (sys/epoll.h): {@code uint32_t events; epoll_data_t data;}, declared
 * {@code __attribute__((packed))} on x86-64 (12 bytes, the 64-bit data at offset 4) and naturally aligned
 * elsewhere (16 bytes, data at offset 8).
 *
 * <pre>{@code
 * int n = epoll.await(timeoutMs);
 * for (int i = 0; i < n; i++) {
 *     long data = epoll.data(i);
 *     if (data == Epoll.WAKEUP_DATA) { epoll.clearWakeup(); continue; }
 *     handle(data, epoll.events(i));
 * }
 * }</pre>
 *
 * <p>Thread-safety: every method except {@link #wakeup()} is confined to the loop thread that owns the
 * {@link Syscalls} given to the constructor. {@link #wakeup()} may be called from any thread until
 * {@link #close()} begins; the loop closes its epoll only after the threads that wake it have stopped
 * doing so. The fields are final except {@code epfd}/{@code wakeFd}, which only the loop thread writes
 * (in {@link #close()}).
 */
public final class Epoll implements AutoCloseable {
    /** {@code sizeof(struct epoll_event)} on this architecture. */
    public static final int EVENT_BYTES = NativeSupport.packedEpollEvent() ? 12 : 16;
    /** Offset of {@code events} in an epoll_event. */
    static final long EVENTS_OFFSET = 0;
    /** Offset of {@code data} in an epoll_event. */
    static final long DATA_OFFSET = NativeSupport.packedEpollEvent() ? 4 : 8;
    /** The data word the wake-up eventfd is registered with; no descriptor token may use it. */
    public static final long WAKEUP_DATA = -1L;

    private final Syscalls sys;
    private final MemorySegment events;
    private final int maxEvents;
    /** Shared, because {@link #wakeup()} runs on other threads; holds the 8-byte value 1. */
    private final Arena wakeArena = Arena.ofShared();
    private final MemorySegment one = wakeArena.allocate(ValueLayout.JAVA_LONG);
    private final int wakeFdForOthers;
    private int epfd;
    private int wakeFd;

    /**
     * Creates the epoll instance and its wake-up eventfd.
     *
     * @param sys the loop thread's system calls; the event array comes from its arena
     * @param maxEvents how many ready descriptors one {@link #await} can report, at least 1
     * @throws NativeException if epoll_create1, eventfd or epoll_ctl fails (EMFILE, ENOMEM)
     */
    public Epoll(final Syscalls sys, final int maxEvents) throws NativeException {
        if (maxEvents < 1) {
            throw new IllegalArgumentException("maxEvents: " + maxEvents + " (expected: >= 1)");
        }
        this.sys = sys;
        this.maxEvents = maxEvents;
        this.events = sys.arena().allocate((long) EVENT_BYTES * maxEvents, 8);
        one.set(ValueLayout.JAVA_LONG, 0, 1L);
        this.epfd = NativeException.check("epoll_create1", sys.epollCreate1(Linux.EPOLL_CLOEXEC));
        final int efd = sys.eventfd(0, Linux.EFD_NONBLOCK | Linux.EFD_CLOEXEC);
        if (efd < 0) {
            sys.close(epfd);
            epfd = -1;
            throw new NativeException("eventfd", efd);
        }
        this.wakeFd = efd;
        this.wakeFdForOthers = efd;
        final int r = sys.epollCtl(epfd, Linux.EPOLL_CTL_ADD, wakeFd, Linux.EPOLLIN, WAKEUP_DATA);
        if (r < 0) {
            close();
            throw new NativeException("epoll_ctl(ADD eventfd)", r);
        }
    }

    /** {@return the epoll descriptor, -1 once closed} */
    public int fd() {
        return epfd;
    }

    /**
     * Registers a descriptor.
     *
     * @param fd the descriptor
     * @param interest EPOLLIN, EPOLLOUT, EPOLLRDHUP, EPOLLET, ...
     * @param data what {@link #data(int)} reports for it; not {@link #WAKEUP_DATA}
     * @return 0, or a negated errno
     */
    public int add(final int fd, final int interest, final long data) {
        return sys.epollCtl(epfd, Linux.EPOLL_CTL_ADD, fd, interest, data);
    }

    /**
     * Changes a registered descriptor's interest set.
     *
     * @param fd the descriptor
     * @param interest the new set
     * @param data the data word
     * @return 0, or a negated errno
     */
    public int modify(final int fd, final int interest, final long data) {
        return sys.epollCtl(epfd, Linux.EPOLL_CTL_MOD, fd, interest, data);
    }

    /**
     * Deregisters a descriptor (closing a descriptor also removes it, when no other copy of it is open).
     *
     * @param fd the descriptor
     * @return 0, or a negated errno
     */
    public int remove(final int fd) {
        return sys.epollCtl(epfd, Linux.EPOLL_CTL_DEL, fd, 0, 0L);
    }

    /**
     * Waits for readiness.
     *
     * @param timeoutMs -1 to wait until something is ready or {@link #wakeup()} is called, 0 to poll
     * @return the number of ready entries (read them with {@link #data} and {@link #events}), 0 on timeout
     *     or on a signal (EINTR), or another negated errno
     */
    public int await(final int timeoutMs) {
        final int n = sys.epollWait(epfd, events, maxEvents, timeoutMs);
        return n == -Errno.EINTR ? 0 : n;
    }

    /**
     * The data word of a ready entry.
     *
     * @param i 0 to the last {@link #await} result - 1
     * @return the data the descriptor was registered with
     */
    public long data(final int i) {
        return events.get(ValueLayout.JAVA_LONG_UNALIGNED, (long) i * EVENT_BYTES + DATA_OFFSET);
    }

    /**
     * The ready set of an entry.
     *
     * @param i 0 to the last {@link #await} result - 1
     * @return EPOLLIN, EPOLLOUT, EPOLLRDHUP, EPOLLERR, EPOLLHUP bits
     */
    public int events(final int i) {
        return events.get(ValueLayout.JAVA_INT_UNALIGNED, (long) i * EVENT_BYTES + EVENTS_OFFSET);
    }

    /**
     * Makes a waiting or the next {@link #await} return (an 8-byte write to the eventfd). Any thread.
     * Allocates nothing and captures no errno: the only failure, EAGAIN on a counter near 2^64, means a
     * wake-up is already pending.
     */
    public void wakeup() {
        try {
            final long ignored = (long) LibC.EVENTFD_WRITE_NO_ERRNO.invokeExact(wakeFdForOthers, one, 8L);
            assert ignored == 8 || ignored == -1;
        } catch (final Throwable t) {
            throw LibC.rethrow(t);
        }
    }

    /**
     * Consumes pending wake-ups; call when an entry's data is {@link #WAKEUP_DATA}.
     *
     * @return how many {@link #wakeup()} calls were pending (0 if another clear got them)
     */
    public long clearWakeup() {
        final long r = sys.eventfdRead(wakeFd);
        return r < 0 ? 0 : r;
    }

    /** Closes the eventfd and the epoll descriptor, once. */
    @Override
    public void close() {
        if (wakeFd >= 0) {
            sys.close(wakeFd);
            wakeFd = -1;
        }
        if (epfd >= 0) {
            sys.close(epfd);
            epfd = -1;
        }
        if (wakeArena.scope().isAlive()) {
            wakeArena.close();
        }
    }
}
