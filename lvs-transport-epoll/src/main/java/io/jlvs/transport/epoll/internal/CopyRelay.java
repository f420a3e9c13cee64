package io.jlvs.transport.epoll.internal;

import java.lang.foreign.MemorySegment;

/**
 * A relay direction through user space: recv(2) into a pooled direct buffer, send(2) from it. For where
 * splice cannot serve: a kernel or socket type without splice support, or a setting that needs to see the
 * bytes. The buffer is held only while it has bytes in flight, and nothing more is read from the source
 * while the destination has not taken them (back-pressure, at most one buffer in flight). The pump loop is
 * {@link AbstractRelay}'s.
 *
 * <p>Not thread-safe; confined to the loop thread that owns the {@link BufferPool}.
 */
public final class CopyRelay extends AbstractRelay {
    private static final int RECV_FLAGS = Linux.MSG_DONTWAIT;
    private static final int SEND_FLAGS = Linux.MSG_DONTWAIT | Linux.MSG_NOSIGNAL;

    private final BufferPool pool;
    private BufferPool.Buffer buffer;
    /** The bytes in hand are {@code [start, end)} of the buffer. */
    private long start;
    private long end;

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
        super(sys, src, dst, budgetBytes);
        this.pool = pool;
    }

    @Override
    long writeOut() {
        final long n = sys.send(dst, buffer.segment(), start, end - start, SEND_FLAGS);
        if (n > 0) {
            start += n;
        }
        return n;
    }

    @Override
    long acquire() {
        if (buffer == null) {
            buffer = pool.acquire();
        }
        return buffer.segment().byteSize();
    }

    @Override
    long readIn(final long capacity) {
        final MemorySegment seg = buffer.segment();
        final long n = sys.recv(src, seg, 0, capacity, RECV_FLAGS);
        start = 0;
        end = Math.max(n, 0);
        return n;
    }

    @Override
    void releaseHeld() {
        if (buffer != null) {
            pool.release(buffer);
            buffer = null;
            start = 0;
            end = 0;
        }
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
    public String path() {
        return "copy";
    }
}
