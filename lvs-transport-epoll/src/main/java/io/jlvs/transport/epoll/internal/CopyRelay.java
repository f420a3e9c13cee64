package io.jlvs.transport.epoll.internal;

import java.lang.foreign.MemorySegment;

/**
 * A relay direction through user space: recv(2) into a pooled direct buffer, send(2) from it. For where
 * splice cannot serve: a kernel or socket type without splice support, or a setting that needs to see the
 * bytes. The buffer is held only while it has bytes in flight, and nothing more is read from the source
 * while the destination has not taken them (back-pressure, at most one buffer in flight).
 *
 * <p>Not thread-safe; confined to the loop thread that owns the {@link BufferPool}.
 */
public final class CopyRelay implements Relay {
    private static final int RECV_FLAGS = Linux.MSG_DONTWAIT;
    private static final int SEND_FLAGS = Linux.MSG_DONTWAIT | Linux.MSG_NOSIGNAL;

    private final Syscalls sys;
    private final BufferPool pool;
    private final int src;
    private final int dst;
    private final long budgetBytes;
    private BufferPool.Buffer buffer;
    private long start;
    private long end;
    private long delivered;
    private boolean srcEnded;
    private int state;
    private int errno;
    /** The bytes to send before any relayed byte; null unless {@link #prefix} was called (most relays never are). */
    private Prefix prefix;
    private boolean stopAfterShortRead;
    private boolean shortRead;

    /**
     * Makes a direction.
     *
     * @param sys the loop thread's system calls
     * @param pool the loop's buffers
     * @param src the source socket (non-blocking)
     * @param dst the destination socket (non-blocking)
     * @param budgetBytes bytes one {@link #pump()} may read before it yields; at least 1
     */
    public CopyRelay(final Syscalls sys, final BufferPool pool, final int src, final int dst,
                     final long budgetBytes) {
        if (budgetBytes < 1) {
            throw new IllegalArgumentException("budgetBytes: " + budgetBytes + " (expected: >= 1)");
        }
        this.sys = sys;
        this.pool = pool;
        this.src = src;
        this.dst = dst;
        this.budgetBytes = budgetBytes;
    }

    @Override
    public int pump() {
        if (state == DONE || state == ERROR) {
            return state;
        }
        if (prefix != null) {
            final long p = prefix.send(sys, dst);
            if (p < 0) {
                return p == -Errno.EAGAIN ? WANT_WRITE : fail(p);
            }
            prefix = null;
        }
        long budget = budgetBytes;
        while (true) {
            if (buffer != null && end > start) {
                final long n = sys.send(dst, buffer.segment(), start, end - start, SEND_FLAGS);
                if (n < 0) {
                    return n == -Errno.EAGAIN ? WANT_WRITE : fail(n);
                }
                start += n;
                delivered += n;
                if (start < end) {
                    continue;
                }
            }
            if (srcEnded) {
                releaseBuffer();
                final int r = sys.shutdown(dst, Linux.SHUT_WR);
                if (r < 0 && r != -Errno.ENOTCONN) {
                    return fail(r);
                }
                state = DONE;
                return DONE;
            }
            if (shortRead && stopAfterShortRead) {
                // level-triggered: a short read drained the socket; epoll reports it again if more came
                shortRead = false;
                release();
                return WANT_READ;
            }
            if (budget <= 0) {
                releaseBuffer();
                return YIELD;
            }
            if (buffer == null) {
                buffer = pool.acquire();
            }
            final MemorySegment seg = buffer.segment();
            final long n = sys.recv(src, seg, 0, seg.byteSize(), RECV_FLAGS);
            if (n > 0) {
                start = 0;
                end = n;
                budget -= n;
                shortRead = n < seg.byteSize();
            } else if (n == 0) {
                start = 0;
                end = 0;
                srcEnded = true;
            } else {
                start = 0;
                end = 0;
                releaseBuffer();
                return n == -Errno.EAGAIN ? WANT_READ : fail(n);
            }
        }
    }

    private int fail(final long negErrno) {
        errno = (int) -negErrno;
        state = ERROR;
        releaseBuffer();
        return ERROR;
    }

    private void releaseBuffer() {
        if (buffer != null) {
            pool.release(buffer);
            buffer = null;
            start = 0;
            end = 0;
        }
    }

    @Override
    public void stopAfterShortRead(final boolean stop) {
        this.stopAfterShortRead = stop;
    }

    @Override
    public void prefix(final MemorySegment bytes, final long offset, final long length) {
        if (delivered > 0 || inFlight() > 0) {
            throw new IllegalStateException("prefix after relayed bytes");
        }
        final Prefix p = new Prefix();
        p.set(bytes, offset, length);
        prefix = p.pending() ? p : null;
    }

    @Override
    public long bytes() {
        return delivered;
    }

    @Override
    public int errno() {
        return errno;
    }

    @Override
    public boolean holdsBuffer() {
        return buffer != null;
    }

    @Override
    public long inFlight() {
        return end - start;
    }

    @Override
    public void release() {
        releaseBuffer();
    }

    @Override
    public String path() {
        return "copy";
    }
}
