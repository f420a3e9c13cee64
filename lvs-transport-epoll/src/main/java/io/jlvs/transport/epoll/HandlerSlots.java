package io.jlvs.transport.epoll;

import java.util.Arrays;

/**
 * The table behind an epoll loop's tokens: a handler registered with the loop gets a slot, and its descriptors are
 * added to epoll with the tokens {@code slot << 1} (its first descriptor) and {@code slot << 1 | 1} (a connection's
 * server socket), so an event finds its handler by an array index. Freed slots are reused, newest first; the arrays
 * grow by doubling and never shrink (registering in steady state allocates nothing).
 *
 * <p>Not thread-safe; confined to its loop's thread.
 */
final class HandlerSlots {
    private EpollLoop.Handler[] handlers = new EpollLoop.Handler[1024];
    private int[] free = new int[1024];
    private int freeCount;
    private int nextSlot;

    /** Takes a slot for a handler. */
    int register(final EpollLoop.Handler h) {
        final int slot;
        if (freeCount > 0) {
            slot = free[--freeCount];
        } else {
            if (nextSlot == handlers.length) {
                handlers = Arrays.copyOf(handlers, handlers.length * 2);
            }
            slot = nextSlot++;
        }
        handlers[slot] = h;
        return slot;
    }

    /** Frees a slot; nothing happens for -1 or a slot already free. */
    void unregister(final int slot) {
        if (slot < 0 || handlers[slot] == null) {
            return;
        }
        handlers[slot] = null;
        if (freeCount == free.length) {
            free = Arrays.copyOf(free, free.length * 2);
        }
        free[freeCount++] = slot;
    }

    /** {@return the handler in a slot, or null when it was freed (closed by an earlier event of the same batch)} */
    EpollLoop.Handler get(final int slot) {
        return handlers[slot];
    }
}
