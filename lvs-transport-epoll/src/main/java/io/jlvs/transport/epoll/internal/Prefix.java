package io.jlvs.transport.epoll.internal;

import java.lang.foreign.MemorySegment;

/**
 * Bytes a relay direction must deliver to its destination before any relayed byte: the PROXY protocol
 * header to a real server. Sent with send(2) (a few dozen bytes, not worth a pipe), resumed on EAGAIN.
 *
 * <p>The bytes are referenced, not copied: the caller keeps the segment alive until {@link #pending()} is
 * false. Not thread-safe; confined to the relay's loop thread.
 */
final class Prefix {
    private MemorySegment bytes;
    private long offset;
    private long remaining;

    void set(final MemorySegment segment, final long from, final long length) {
        if (from < 0 || length < 0 || from + length > segment.byteSize()) {
            throw new IndexOutOfBoundsException("prefix " + from + "+" + length + " of " + segment.byteSize());
        }
        this.bytes = segment;
        this.offset = from;
        this.remaining = length;
    }

    boolean pending() {
        return remaining > 0;
    }

    /**
     * Sends what is left.
     *
     * @return 0 when everything is sent, {@code -EAGAIN} when the destination is full, another negated errno
     */
    long send(final Syscalls sys, final int dst) {
        while (remaining > 0) {
            final long n = sys.send(dst, bytes, offset, remaining, Linux.MSG_NOSIGNAL | Linux.MSG_DONTWAIT);
            if (n < 0) {
                return n;
            }
            offset += n;
            remaining -= n;
        }
        bytes = null;
        return 0;
    }
}
