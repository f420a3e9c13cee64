package io.jlvs.transport.epoll.internal;

/**
 * The pipes of one event loop. A relay direction takes a pipe only while it has bytes to move and gives it
 * back as soon as the pipe is empty, so an idle connection holds no pipe and a loop needs about as many
 * pipes as it has directions moving bytes at the same moment, not two per connection.
 *
 * <p>A pipe goes back to the pool only when it is empty: a pipe that still holds bytes when its
 * connection ends is closed, so no byte of one connection can ever reach another.
 *
 * <p>Not thread-safe; confined to the loop thread that owns the {@link Syscalls}.
 */
public final class PipePool implements AutoCloseable {
    /** The default requested pipe capacity: 64 KiB, the kernel's own default, one full TCP segment train. */
    public static final int DEFAULT_PIPE_BYTES = 64 * 1024;

    private final Syscalls sys;
    private final int requestedBytes;
    private final Pipe[] idle;
    private final int[] fds = new int[2];
    private int idleCount;
    private int inUse;
    private long created;
    private int lastError;

    /**
     * Makes an empty pool.
     *
     * @param sys the loop thread's system calls
     * @param pipeBytes the capacity asked of each pipe with F_SETPIPE_SZ (the kernel rounds it up to a
     *     power-of-two number of pages; above /proc/sys/fs/pipe-max-size an unprivileged process keeps the
     *     default)
     * @param maxIdle how many empty pipes to keep open for reuse; more are closed on release
     */
    public PipePool(final Syscalls sys, final int pipeBytes, final int maxIdle) {
        if (pipeBytes < 4096) {
            throw new IllegalArgumentException("pipeBytes: " + pipeBytes + " (expected: >= 4096)");
        }
        if (maxIdle < 0) {
            throw new IllegalArgumentException("maxIdle: " + maxIdle + " (expected: >= 0)");
        }
        this.sys = sys;
        this.requestedBytes = pipeBytes;
        this.idle = new Pipe[maxIdle];
    }

    /**
     * Lends an empty pipe: a pooled one, or a new one.
     *
     * @return the pipe, or {@code null} when pipe2 failed (see {@link #lastError()}: EMFILE, ENFILE)
     */
    public Pipe acquire() {
        final Pipe p;
        if (idleCount > 0) {
            p = idle[--idleCount];
            idle[idleCount] = null;
        } else {
            final int r = sys.pipe2(fds, Linux.O_NONBLOCK | Linux.O_CLOEXEC);
            if (r < 0) {
                lastError = -r;
                return null;
            }
            int capacity = sys.fcntl(fds[1], Linux.F_SETPIPE_SZ, requestedBytes);
            if (capacity < 0) {
                // EPERM above pipe-max-size for an unprivileged process, or EBUSY: keep what the pipe has
                capacity = sys.fcntl(fds[1], Linux.F_GETPIPE_SZ, 0);
                if (capacity < 0) {
                    lastError = -capacity;
                    sys.close(fds[0]);
                    sys.close(fds[1]);
                    return null;
                }
            }
            p = new Pipe(fds[0], fds[1], capacity);
            created++;
        }
        inUse++;
        return p;
    }

    /**
     * Takes a pipe back: pooled when empty and there is room, closed otherwise.
     *
     * @param pipe a pipe from {@link #acquire()}
     */
    public void release(final Pipe pipe) {
        inUse--;
        if (pipe.bytes == 0 && idleCount < idle.length) {
            idle[idleCount++] = pipe;
        } else {
            pipe.close(sys);
            pipe.bytes = 0;
        }
    }

    /** {@return pipes lent out now} */
    public int inUse() {
        return inUse;
    }

    /** {@return empty pipes kept for reuse} */
    public int idle() {
        return idleCount;
    }

    /** {@return pipes created since the pool was made} */
    public long created() {
        return created;
    }

    /** {@return the errno of the last failed {@link #acquire()}} */
    public int lastError() {
        return lastError;
    }

    /** Closes the idle pipes. Lent pipes are closed by their release. */
    @Override
    public void close() {
        for (int i = 0; i < idleCount; i++) {
            idle[i].close(sys);
            idle[i] = null;
        }
        idleCount = 0;
    }
}
