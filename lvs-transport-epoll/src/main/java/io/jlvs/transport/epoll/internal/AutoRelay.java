package io.jlvs.transport.epoll.internal;

import java.lang.foreign.MemorySegment;

/**
 * A relay direction that picks its path per read, the way HAProxy's {@code option splice-auto} does: it starts on
 * the copy path (recv(2) into a pooled direct buffer, send(2) from it: two system calls per message), switches to
 * splice(2) through a pooled pipe once a read fills the copy buffer (a stream that keeps coming: the kernel moves
 * page references instead of copying), and back to copy after {@value #SHORT_READS_BACK} splice reads in a row that
 * the copy buffer would have held (small messages again).
 *
 * <p>A switch happens only between reads, when nothing is in flight: every byte read is delivered by the path that
 * read it, in order. At most one buffer or one pipe is held (never both with bytes), and only while bytes are in
 * flight, so back-pressure and the idle-connection memory are those of {@link CopyRelay} and {@link SpliceRelay}.
 * The pump loop is {@link AbstractRelay}'s.
 *
 * <p>Not thread-safe; confined to the loop thread that owns both pools.
 */
public final class AutoRelay extends AbstractRelay {
    /** Consecutive splice reads that would have fit the copy buffer before the direction goes back to copy. */
    public static final int SHORT_READS_BACK = 4;
    /** The copy buffer size the transport gives this path (the read size that switches to splice): 8 KiB. */
    public static final int DEFAULT_COPY_BYTES = 8 * 1024;

    private static final int SPLICE_FLAGS = Linux.SPLICE_F_MOVE | Linux.SPLICE_F_NONBLOCK;
    private static final int RECV_FLAGS = Linux.MSG_DONTWAIT;
    private static final int SEND_FLAGS = Linux.MSG_DONTWAIT | Linux.MSG_NOSIGNAL;

    private final PipePool pipes;
    private final BufferPool buffers;
    private final int copyBytes;
    private boolean splicing;
    private int shortSplices;
    private int switches;
    private Pipe pipe;
    private BufferPool.Buffer buffer;
    /** Copy mode: the bytes in hand are {@code [start, end)} of the buffer. */
    private long start;
    private long end;

    /**
     * Makes a direction, starting on the copy path.
     *
     * @param sys the loop thread's system calls
     * @param pipes the loop's pipes (the splice path)
     * @param buffers the loop's buffers (the copy path); their size is the read that switches to splice
     * @param src the source socket (non-blocking)
     * @param dst the destination socket (non-blocking)
     * @param budgetBytes bytes one {@link #pump()} may read before it yields; at least 1
     */
    public AutoRelay(final Syscalls sys, final PipePool pipes, final BufferPool buffers, final int src, final int dst,
                     final long budgetBytes) {
        super(sys, src, dst, budgetBytes);
        this.pipes = pipes;
        this.buffers = buffers;
        this.copyBytes = buffers.bufferBytes();
    }

    @Override
    long writeOut() {
        if (pipe != null && pipe.bytes > 0) {
            final long n = sys.splice(pipe.readFd(), dst, pipe.bytes, SPLICE_FLAGS);
            if (n > 0) {
                pipe.bytes -= (int) n;
            }
            return n;
        }
        final long n = sys.send(dst, buffer.segment(), start, end - start, SEND_FLAGS);
        if (n > 0) {
            start += n;
        }
        return n;
    }

    @Override
    long acquire() {
        if (splicing) {
            if (buffer != null) {
                releaseBuffer();
            }
            if (pipe == null) {
                pipe = pipes.acquire();
                if (pipe == null) {
                    return -pipes.lastError();
                }
            }
            return pipe.capacity();
        }
        if (pipe != null) {
            releasePipe();
        }
        if (buffer == null) {
            buffer = buffers.acquire();
        }
        return copyBytes;
    }

    @Override
    long readIn(final long capacity) {
        if (splicing) {
            final long n = sys.splice(src, pipe.writeFd(), capacity, SPLICE_FLAGS);
            if (n > 0) {
                pipe.bytes = (int) n;
                if (n < copyBytes) {
                    if (++shortSplices >= SHORT_READS_BACK) {
                        splicing = false;
                        shortSplices = 0;
                        switches++;
                    }
                } else {
                    shortSplices = 0;
                }
            }
            return n;
        }
        final MemorySegment seg = buffer.segment();
        final long n = sys.recv(src, seg, 0, capacity, RECV_FLAGS);
        start = 0;
        end = Math.max(n, 0);
        if (n == capacity) {
            splicing = true; // the buffer filled: more is likely waiting, let the kernel move it
            shortSplices = 0;
            switches++;
        }
        return n;
    }

    @Override
    void releaseHeld() {
        if (pipe != null) {
            releasePipe();
        }
        if (buffer != null) {
            releaseBuffer();
        }
    }

    private void releasePipe() {
        pipes.release(pipe);
        pipe = null;
    }

    private void releaseBuffer() {
        buffers.release(buffer);
        buffer = null;
        start = 0;
        end = 0;
    }

    @Override
    public boolean holdsBuffer() {
        return pipe != null || buffer != null;
    }

    @Override
    public long inFlight() {
        return (pipe == null ? 0 : pipe.bytes) + (end - start);
    }

    @Override
    public String path() {
        return "splice-auto";
    }

    /** {@return true while the next read goes by splice, false while it goes by copy} */
    public boolean splicing() {
        return splicing;
    }

    /** {@return how many times the direction changed path} */
    public int switches() {
        return switches;
    }
}
