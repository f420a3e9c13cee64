package io.jlvs.transport.epoll;

import java.util.Arrays;

/**
 * An epoll loop's connections that stopped pumping because they spent their byte budget for one event (so that one
 * busy connection cannot starve the others): each is pumped again once before the loop's next wait, which does not
 * block while any is queued. A connection that yields again during that round waits for the round after.
 *
 * <p>Not thread-safe; confined to its loop's thread.
 */
final class YieldQueue {
    private EpollConnection[] items = new EpollConnection[64];
    private int count;

    /** Queues a connection (the array grows by doubling; steady state allocates nothing). */
    void add(final EpollConnection c) {
        if (count == items.length) {
            items = Arrays.copyOf(items, items.length * 2);
        }
        items[count++] = c;
    }

    /** {@return whether no connection is queued} */
    boolean isEmpty() {
        return count == 0;
    }

    /** Pumps every connection queued before this call; one that throws costs only itself. */
    void resume(final EpollLoop loop) {
        final int n = count;
        for (int i = 0; i < n; i++) {
            final EpollConnection c = items[i];
            items[i] = null;
            try {
                c.resume();
            } catch (final Throwable e) {
                loop.resumeFailed(c, e);
            }
        }
        // connections that yielded again were appended behind the first n
        System.arraycopy(items, n, items, 0, count - n);
        Arrays.fill(items, count - n, count, null);
        count -= n;
    }
}
