package io.jlvs.transport.nio;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * One event loop's direct buffers, in two sizes: small ones (16 KiB, or the configured size if smaller) for the
 * first read of a burst, and large ones (the configured size) once a read fills a small one, as Netty's adaptive
 * receive allocator does. Request/response traffic then costs little memory in flight while bulk transfers move in
 * large reads. Idle buffers are reused LIFO (the most recently used is the warmest in cache), new ones allocated when
 * none is idle, and extra ones dropped past a cap of 32 MiB of idle buffers per size.
 *
 * <p>Not thread-safe; confined to its event loop.
 */
final class BufferPool {
    static final int SMALL = 16 * 1024;
    private static final long IDLE_BYTES = 32L << 20;

    private final int large;
    private final int small;
    private final int maxIdleLarge;
    private final int maxIdleSmall;
    private final ArrayDeque<ByteBuffer> idleLarge = new ArrayDeque<>();
    private final ArrayDeque<ByteBuffer> idleSmall = new ArrayDeque<>();
    private int outstanding;
    private long allocated;

    BufferPool(final int size, final int maxIdle) {
        this.large = size;
        this.small = Math.min(SMALL, size);
        this.maxIdleLarge = (int) Math.min(maxIdle, Math.max(1, IDLE_BYTES / size));
        this.maxIdleSmall = (int) Math.min(maxIdle, IDLE_BYTES / small);
    }

    /** A large buffer (the configured size). */
    ByteBuffer acquire() {
        return acquire(true);
    }

    ByteBuffer acquire(final boolean big) {
        outstanding++;
        final ByteBuffer b = (big ? idleLarge : idleSmall).pollFirst();
        if (b != null) {
            return b;
        }
        allocated++;
        return ByteBuffer.allocateDirect(big ? large : small);
    }

    void release(final ByteBuffer b) {
        outstanding--;
        b.clear();
        final boolean big = b.capacity() == large;
        final ArrayDeque<ByteBuffer> idle = big ? idleLarge : idleSmall;
        if (idle.size() < (big ? maxIdleLarge : maxIdleSmall)) {
            idle.addFirst(b);
        }
    }

    /** Buffers handed out and not yet returned: bytes in flight. */
    int outstanding() {
        return outstanding;
    }

    /** Buffers allocated over the pool's life. */
    long allocated() {
        return allocated;
    }

    /** The large buffers' size: the configured buffer size. */
    int bufferSize() {
        return large;
    }
}
