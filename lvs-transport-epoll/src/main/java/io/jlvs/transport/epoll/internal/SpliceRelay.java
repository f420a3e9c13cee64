package io.jlvs.transport.epoll.internal;

/**
 * A relay direction through the kernel: splice(2) from the source socket into a pooled pipe, then from the
 * pipe into the destination socket. The bytes never enter user space (the kernel moves page references
 * where it can: {@code SPLICE_F_MOVE}). At most one pipe's capacity is in flight; while the destination
 * cannot take the pipe's bytes, nothing more is read from the source, so TCP flow control reaches the
 * sender. The pump loop is {@link AbstractRelay}'s.
 *
 * <p>Not thread-safe; confined to the loop thread that owns the {@link PipePool}.
 */
public final class SpliceRelay extends AbstractRelay {
    private static final int FLAGS = Linux.SPLICE_F_MOVE | Linux.SPLICE_F_NONBLOCK;

    private final PipePool pool;
    private Pipe pipe;

    /**
     * Makes a direction.
     *
     * @param sys the loop thread's system calls
     * @param pool the loop's pipes
     * @param src the source socket (non-blocking)
     * @param dst the destination socket (non-blocking)
     * @param budgetBytes bytes one {@link #pump()} may read from the source before it yields to other
     *     connections (fairness); at least 1
     */
    public SpliceRelay(final Syscalls sys, final PipePool pool, final int src, final int dst,
                       final long budgetBytes) {
        super(sys, src, dst, budgetBytes);
        this.pool = pool;
    }

    @Override
    long writeOut() {
        final long n = sys.splice(pipe.readFd(), dst, pipe.bytes, FLAGS);
        if (n > 0) {
            pipe.bytes -= (int) n;
        }
        return n;
    }

    @Override
    long acquire() {
        if (pipe == null) {
            pipe = pool.acquire();
            if (pipe == null) {
                return -pool.lastError();
            }
        }
        return pipe.capacity();
    }

    @Override
    long readIn(final long capacity) {
        final long n = sys.splice(src, pipe.writeFd(), capacity, FLAGS);
        if (n > 0) {
            pipe.bytes = (int) n;
        }
        return n;
    }

    @Override
    void releaseHeld() {
        if (pipe != null) {
            pool.release(pipe);
            pipe = null;
        }
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
    public String path() {
        return "splice";
    }
}
