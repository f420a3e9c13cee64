package io.jlvs.transport.nio;

import io.jlvs.core.session.Session;

/**
 * One idle timer of one connection ({@code --timeout-client}, {@code -server}, {@code -tunnel},
 * {@code -first-byte}): a node of the {@link List} of its loop that holds every timer of the same duration. Because
 * the duration is the same and the loop's clock only moves forward, moving a timer to the tail on activity keeps
 * the list sorted by deadline: arming, touching and expiring are O(1) (a few reference writes, no allocation).
 *
 * <p>Not thread-safe; confined to its event loop.
 */
final class IdleTimer {
    final ProxySession session;
    final Session.IdleTimeout kind;
    final List list;
    private IdleTimer prev;
    private IdleTimer next;
    private boolean armed;
    long deadline;

    IdleTimer(final ProxySession session, final Session.IdleTimeout kind, final List list) {
        this.session = session;
        this.kind = kind;
        this.list = list;
    }

    boolean armed() {
        return armed;
    }

    /** Arms the timer, or moves its deadline to now + the duration. */
    void touch(final long now) {
        if (armed) {
            if (list.tail == this) {
                deadline = now + list.durationNs;
                return;
            }
            unlink();
        }
        deadline = now + list.durationNs;
        armed = true;
        prev = list.tail;
        next = null;
        if (list.tail == null) {
            list.head = this;
        } else {
            list.tail.next = this;
        }
        list.tail = this;
    }

    void disarm() {
        if (armed) {
            unlink();
        }
    }

    private void unlink() {
        if (prev == null) {
            list.head = next;
        } else {
            prev.next = next;
        }
        if (next == null) {
            list.tail = prev;
        } else {
            next.prev = prev;
        }
        prev = null;
        next = null;
        armed = false;
    }

    /** The timers of one duration on one loop, earliest deadline first. */
    static final class List {
        final long durationNs;
        IdleTimer head;
        IdleTimer tail;

        List(final long durationNs) {
            this.durationNs = durationNs;
        }

        long nextDeadline() {
            return head == null ? Long.MAX_VALUE : head.deadline;
        }

        /** Fires the timers whose deadline passed, at most limit. */
        int expire(final long now, final int limit) {
            int n = 0;
            while (head != null && head.deadline - now <= 0 && n < limit) {
                final IdleTimer t = head;
                t.disarm();
                t.session.idleExpired(t);
                n++;
            }
            return n;
        }
    }
}
