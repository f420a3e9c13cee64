package io.jlvs.transport.epoll.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Direct (native) buffers of one event loop for the copy path, each in its own arena so that a buffer
 * beyond the idle limit is freed when it comes back. A buffer is lent only while it holds bytes in flight.
 *
 * <p>Not thread-safe; confined to the loop thread (each buffer's arena is confined to it).
 */
public final class BufferPool implements AutoCloseable {
    /** The default buffer size: 64 KiB, the same bound on bytes in flight as the default pipe. */
    public static final int DEFAULT_BUFFER_BYTES = 64 * 1024;

    /**
     * A pooled buffer and the arena that frees it.
     *
     * <p>Not thread-safe; confined to the pool's loop thread.
     */
    public static final class Buffer {
        private final Arena arena;
        private final MemorySegment segment;

        Buffer(final Arena arena, final MemorySegment segment) {
            this.arena = arena;
            this.segment = segment;
        }

        /** {@return the native memory} */
        public MemorySegment segment() {
            return segment;
        }
    }

    private final int bufferBytes;
    private final Buffer[] idle;
    private int idleCount;
    private int inUse;
    private long created;

    /**
     * Makes an empty pool.
     *
     * @param bufferBytes bytes per buffer, at least 1
     * @param maxIdle how many free buffers to keep
     */
    public BufferPool(final int bufferBytes, final int maxIdle) {
        if (bufferBytes < 1) {
            throw new IllegalArgumentException("bufferBytes: " + bufferBytes + " (expected: >= 1)");
        }
        if (maxIdle < 0) {
            throw new IllegalArgumentException("maxIdle: " + maxIdle + " (expected: >= 0)");
        }
        this.bufferBytes = bufferBytes;
        this.idle = new Buffer[maxIdle];
    }

    /** {@return bytes per buffer} */
    public int bufferBytes() {
        return bufferBytes;
    }

    /** {@return a buffer of {@link #bufferBytes()} native bytes, pooled or new} */
    public Buffer acquire() {
        inUse++;
        if (idleCount > 0) {
            final Buffer b = idle[--idleCount];
            idle[idleCount] = null;
            return b;
        }
        created++;
        final Arena arena = Arena.ofConfined();
        return new Buffer(arena, arena.allocate(bufferBytes, 64));
    }

    /**
     * Takes a buffer back: kept when there is room, freed otherwise.
     *
     * @param buffer a buffer from {@link #acquire()}
     */
    public void release(final Buffer buffer) {
        inUse--;
        if (idleCount < idle.length) {
            idle[idleCount++] = buffer;
        } else {
            buffer.arena.close();
        }
    }

    /** {@return buffers lent out now} */
    public int inUse() {
        return inUse;
    }

    /** {@return free buffers kept} */
    public int idle() {
        return idleCount;
    }

    /** {@return buffers allocated since the pool was made} */
    public long created() {
        return created;
    }

    /** Frees the idle buffers. */
    @Override
    public void close() {
        for (int i = 0; i < idleCount; i++) {
            idle[i].arena.close();
            idle[i] = null;
        }
        idleCount = 0;
    }
}
