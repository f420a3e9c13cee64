package io.jlvs.transport.nio;

/**
 * A FIFO of sessions with deadlines that grow with insertion order (one fixed timeout per list): an event loop's
 * connect and PROXY-header timers. A session is in at most one list at a time (its links are its own fields).
 *
 * <p>Not thread-safe; confined to its event loop.
 */
final class SessionList {
    ProxySession head;
    ProxySession tail;

    long nextDeadline() {
        return head == null ? Long.MAX_VALUE : head.timerDeadline;
    }

    void add(final ProxySession s, final long deadline) {
        s.timerDeadline = deadline;
        s.timerList = this;
        s.timerPrev = tail;
        s.timerNext = null;
        if (tail == null) {
            head = s;
        } else {
            tail.timerNext = s;
        }
        tail = s;
    }

    void remove(final ProxySession s) {
        if (s.timerList != this) {
            return;
        }
        if (s.timerPrev == null) {
            head = s.timerNext;
        } else {
            s.timerPrev.timerNext = s.timerNext;
        }
        if (s.timerNext == null) {
            tail = s.timerPrev;
        } else {
            s.timerNext.timerPrev = s.timerPrev;
        }
        s.timerPrev = null;
        s.timerNext = null;
        s.timerList = null;
    }
}
