package io.jlvs.transport.epoll.internal;

import java.lang.foreign.MemorySegment;

/**
 * A relay direction through the kernel: splice(2) from the source socket into a pooled pipe, then from the
 * pipe into the destination socket. The bytes never enter user space (the kernel moves page references
 * where it can: {@code SPLICE_F_MOVE}). At most one pipe's capacity is in flight; while the destination
 * cannot take the pipe's bytes, nothing more is read from the source, so TCP flow control reaches the
 * sender.
 *
 * <p>Not thread-safe; confined to the loop thread that owns the {@link PipePool}.
 */
public final class SpliceRelay implements Relay {
    private static final int FLAGS = Linux.SPLICE_F_MOVE | Linux.SPLICE_F_NONBLOCK;

    private final Syscalls sys;
    private final PipePool pool;
    private final int src;
    private final int dst;
    // budget as an int and state as a byte keep a relay at 56 bytes of heap, not 64 (two per proxied connection)
    private final int budgetBytes;
    private Pipe pipe;
    private long delivered;
    private boolean srcEnded;
    private byte state;
    private int errno;
    /** The bytes to send before any relayed byte; null unless {@link #prefix} was called (most relays never are). */
    private Prefix prefix;
    private boolean stopAfterShortRead;
    private boolean shortRead;

    /**
     * Makes a direction.
     *
     * @param sys the loop thread's system calls
     * @param pool the loop's pipes
     * @param src the source socket (non-blocking)
     * @param dst the destination socket (non-blocking)
     * @param budgetBytes bytes one {@link #pump()} may read from the source before it yields to other
     *     connections (fairness); at least 1 (more than {@link Integer#MAX_VALUE} counts as that)
     */
    public SpliceRelay(final Syscalls sys, final PipePool pool, final int src, final int dst,
                       final long budgetBytes) {
        if (budgetBytes < 1) {
            throw new IllegalArgumentException("budgetBytes: " + budgetBytes + " (expected: >= 1)");
        }
        this.sys = sys;
        this.pool = pool;
        this.src = src;
        this.dst = dst;
        this.budgetBytes = (int) Math.min(budgetBytes, Integer.MAX_VALUE);
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
            if (pipe != null && pipe.bytes > 0) {
                final long n = sys.splice(pipe.readFd(), dst, pipe.bytes, FLAGS);
                if (n < 0) {
                    return n == -Errno.EAGAIN ? WANT_WRITE : fail(n);
                }
                pipe.bytes -= (int) n;
                delivered += n;
                if (pipe.bytes > 0) {
                    continue; // a short write: the next splice says EAGAIN or moves the rest
                }
            }
            if (srcEnded) {
                releasePipe();
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
                releasePipe();
                return YIELD;
            }
            if (pipe == null) {
                pipe = pool.acquire();
                if (pipe == null) {
                    return fail(-pool.lastError());
                }
            }
            final long n = sys.splice(src, pipe.writeFd(), pipe.capacity(), FLAGS);
            if (n > 0) {
                pipe.bytes = (int) n;
                budget -= n;
                shortRead = n < pipe.capacity();
            } else if (n == 0) {
                srcEnded = true;
            } else {
                releasePipe();
                return n == -Errno.EAGAIN ? WANT_READ : fail(n);
            }
        }
    }

    private int fail(final long negErrno) {
        errno = (int) -negErrno;
        state = ERROR;
        releasePipe();
        return ERROR;
    }

    private void releasePipe() {
        if (pipe != null) {
            pool.release(pipe);
            pipe = null;
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
        return pipe != null;
    }

    @Override
    public long inFlight() {
        return pipe == null ? 0 : pipe.bytes;
    }

    @Override
    public void release() {
        releasePipe();
    }

    @Override
    public String path() {
        return "splice";
    }
}
