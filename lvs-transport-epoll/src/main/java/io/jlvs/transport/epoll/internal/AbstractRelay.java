package io.jlvs.transport.epoll.internal;

import java.lang.foreign.MemorySegment;

/**
 * What the two relay directions share: the pump loop (PROXY prefix first, then move the bytes in hand to the
 * destination, read more from the source only once they are all gone, half-close the destination after the
 * source's EOF), the read budget, stop-after-short-read, the byte count and the error state. A subclass holds the
 * bytes in flight in its own container (a pooled buffer, a pooled pipe) and supplies the two system calls.
 *
 * <p>Not thread-safe; confined to the loop thread that owns the subclass's pool.
 */
abstract class AbstractRelay implements Relay {
    /** The loop thread's system calls. */
    final Syscalls sys;
    /** The source socket (non-blocking). */
    final int src;
    /** The destination socket (non-blocking). */
    final int dst;
    // budget as an int and state as a byte keep a relay small (two per proxied connection)
    private final int budgetBytes;
    /** The bytes to send before any relayed byte; null unless {@link #prefix} was called (most relays never are). */
    private Prefix prefix;
    private long delivered;
    private boolean srcEnded;
    private byte state;
    private int errno;
    private boolean stopAfterShortRead;
    private boolean shortRead;
    private boolean closeFollows;
    private boolean shutDown;

    AbstractRelay(final Syscalls sys, final int src, final int dst, final long budgetBytes) {
        if (budgetBytes < 1) {
            throw new IllegalArgumentException("budgetBytes: " + budgetBytes + " (expected: >= 1)");
        }
        this.sys = sys;
        this.src = src;
        this.dst = dst;
        this.budgetBytes = (int) Math.min(budgetBytes, Integer.MAX_VALUE);
    }

    /**
     * Moves bytes in hand ({@link #inFlight()} &gt; 0) to the destination and forgets those it moved.
     *
     * @return bytes moved (&gt; 0), or a negative errno
     */
    abstract long writeOut();

    /**
     * Holds an empty container for the next read, taking one from the pool if none is held.
     *
     * @return its capacity (&gt; 0), or a negative errno when the pool has none
     */
    abstract long acquire();

    /**
     * Reads from the source into the empty container {@link #acquire()} holds.
     *
     * @param capacity what {@link #acquire()} returned
     * @return bytes read (then in hand), 0 at EOF, or a negative errno (nothing in hand)
     */
    abstract long readIn(long capacity);

    /** Gives the container back to its pool, if one is held. */
    abstract void releaseHeld();

    @Override
    public final int pump() {
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
            if (inFlight() > 0) {
                final long n = writeOut();
                if (n < 0) {
                    return n == -Errno.EAGAIN ? WANT_WRITE : fail(n);
                }
                delivered += n;
                if (inFlight() > 0) {
                    continue; // a short write: the next call says EAGAIN or moves the rest
                }
            }
            if (srcEnded) {
                releaseHeld();
                if (!closeFollows) {
                    final int r = sys.shutdown(dst, Linux.SHUT_WR);
                    if (r < 0 && r != -Errno.ENOTCONN) {
                        return fail(r);
                    }
                    shutDown = true;
                }
                state = DONE;
                return DONE;
            }
            if (shortRead && stopAfterShortRead) {
                // level-triggered: a short read drained the socket; epoll reports it again if more came
                shortRead = false;
                releaseHeld();
                return WANT_READ;
            }
            if (budget <= 0) {
                releaseHeld();
                return YIELD;
            }
            final long capacity = acquire();
            if (capacity <= 0) {
                return fail(capacity);
            }
            final long n = readIn(capacity);
            if (n > 0) {
                budget -= n;
                shortRead = n < capacity;
            } else if (n == 0) {
                srcEnded = true;
            } else {
                releaseHeld();
                return n == -Errno.EAGAIN ? WANT_READ : fail(n);
            }
        }
    }

    private int fail(final long negErrno) {
        errno = (int) -negErrno;
        state = ERROR;
        releaseHeld();
        return ERROR;
    }

    @Override
    public final void stopAfterShortRead(final boolean stop) {
        this.stopAfterShortRead = stop;
    }

    @Override
    public final void closeFollows() {
        this.closeFollows = true;
    }

    @Override
    public final boolean shutDown() {
        return shutDown;
    }

    @Override
    public final void prefix(final MemorySegment bytes, final long offset, final long length) {
        if (delivered > 0 || inFlight() > 0) {
            throw new IllegalStateException("prefix after relayed bytes");
        }
        final Prefix p = new Prefix();
        p.set(bytes, offset, length);
        prefix = p.pending() ? p : null;
    }

    @Override
    public final long bytes() {
        return delivered;
    }

    @Override
    public final int errno() {
        return errno;
    }

    @Override
    public final void release() {
        releaseHeld();
    }
}
