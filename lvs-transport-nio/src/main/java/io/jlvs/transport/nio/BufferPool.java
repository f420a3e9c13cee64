package io.jlvs.transport.nio;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * One event loop's direct buffers: a stack of idle buffers reused LIFO (the most recently used is the warmest in
 * cache), new ones allocated when it is empty, extra ones dropped when it is full.
 *
 * <p>Not thread-safe; confined to its event loop.
 */
final class BufferPool {
    private final int size;
    private final int maxIdle;
    private final ArrayDeque<ByteBuffer> idle;
    private int outstanding;
    private long allocated;

    BufferPool(final int size, final int maxIdle) {
        this.size = size;
        this.maxIdle = maxIdle;
        this.idle = new ArrayDeque<>(Math.min(maxIdle, 1024));
    }

    ByteBuffer acquire() {
        outstanding++;
        final ByteBuffer b = idle.pollFirst();
        if (b != null) {
            return b;
        }
        allocated++;
        return ByteBuffer.allocateDirect(size);
    }

    void release(final ByteBuffer b) {
        outstanding--;
        b.clear();
        if (idle.size() < maxIdle) {
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

    int bufferSize() {
        return size;
    }
}
