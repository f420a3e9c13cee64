package io.jlvs.transport.nio;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * One event loop's direct buffers, in two sizes: small ones (16 KiB, or the configured size if smaller) for the
 * first read of a burst, and large ones (the configured size) once a read fills a small one, as Netty's adaptive
 * receive allocator does. Request/response traffic then costs little memory in flight while bulk transfers move in
 * large reads. Idle buffers are reused LIFO (the most recently used is the warmest in cache), new ones allocated when
 * none is idle, and extra ones dropped past a cap of idle bytes per size (32 MiB, or less so that every loop's idle
 * buffers together keep to a quarter of the budget).
 *
 * <p>Every allocated buffer is reserved in the engine-wide {@link RelayBudget} first: past the budget's large share a
 * request for a large buffer gets a small one, and past the whole budget {@link #acquire(boolean)} returns null and
 * the caller stops reading until {@link #mayAcquire()} says a buffer can be had again. An allocation the JVM refuses
 * anyway ({@code OutOfMemoryError} for direct memory used outside the relay) is treated the same way and counted.
 *
 * <p>Not thread-safe; confined to its event loop (the budget it shares is thread-safe).
 */
final class BufferPool {
    static final int SMALL = 16 * 1024;
    private static final long IDLE_BYTES = 32L << 20;

    private final int large;
    private final int small;
    private final int maxIdleLarge;
    private final int maxIdleSmall;
    private final RelayBudget budget;
    private final ArrayDeque<ByteBuffer> idleLarge = new ArrayDeque<>();
    private final ArrayDeque<ByteBuffer> idleSmall = new ArrayDeque<>();
    private int outstanding;
    private long allocated;
    private long allocationFailures;

    BufferPool(final int size, final int maxIdle, final RelayBudget budget, final int loops) {
        this.large = size;
        this.small = Math.min(SMALL, size);
        this.budget = budget;
        final long idleBytes = Math.min(IDLE_BYTES, budget.limit() / 4 / Math.max(1, loops));
        this.maxIdleLarge = (int) Math.min(maxIdle, idleBytes / size);
        this.maxIdleSmall = (int) Math.min(maxIdle, idleBytes / small);
    }

    /**
     * A buffer, large if asked and the budget's large share allows, else small; null when the budget is spent.
     *
     * @param big whether the last read filled its buffer
     * @return a cleared buffer, or null: stop reading until {@link #mayAcquire()}
     */
    ByteBuffer acquire(final boolean big) {
        ByteBuffer b = null;
        if (big) {
            b = idleLarge.pollFirst();
            if (b == null && budget.tryReserveLarge(large)) {
                b = allocate(large);
            }
        }
        if (b == null) {
            b = idleSmall.pollFirst();
        }
        if (b == null && budget.tryReserve(small)) {
            b = allocate(small);
        }
        if (b == null && !big) {
            b = idleLarge.pollFirst(); // the budget is spent but a large one is idle here: use it
        }
        if (b != null) {
            outstanding++;
        }
        return b;
    }

    private ByteBuffer allocate(final int size) {
        try {
            final ByteBuffer b = ByteBuffer.allocateDirect(size);
            allocated++;
            return b;
        } catch (final OutOfMemoryError e) {
            budget.release(size);
            allocationFailures++;
            return null;
        }
    }

    /** Whether {@link #acquire(boolean)} would find a buffer now (idle here, or room in the budget). */
    boolean mayAcquire() {
        return !idleSmall.isEmpty() || !idleLarge.isEmpty() || budget.fits(small);
    }

    void release(final ByteBuffer b) {
        outstanding--;
        b.clear();
        final boolean big = b.capacity() == large && large != small;
        final ArrayDeque<ByteBuffer> idle = big ? idleLarge : idleSmall;
        if (idle.size() < (big ? maxIdleLarge : maxIdleSmall)) {
            idle.addFirst(b);
        } else {
            budget.release(b.capacity()); // dropped: the collector frees its memory
        }
    }

    /** Drops every idle buffer (the loop is closing). */
    void clear() {
        for (final ByteBuffer b : idleLarge) {
            budget.release(b.capacity());
        }
        for (final ByteBuffer b : idleSmall) {
            budget.release(b.capacity());
        }
        idleLarge.clear();
        idleSmall.clear();
    }

    /** Buffers handed out and not yet returned: bytes in flight. */
    int outstanding() {
        return outstanding;
    }

    /** Buffers allocated over the pool's life. */
    long allocated() {
        return allocated;
    }

    /** Allocations the JVM refused although the budget allowed them. */
    long allocationFailures() {
        return allocationFailures;
    }

    /** The large buffers' size: the configured buffer size. */
    int bufferSize() {
        return large;
    }
}
