package io.jlvs.core.transport;

/**
 * Connections waiting for one fixed timeout (an event loop's connect timeout, or its PROXY-header timeout), in the
 * order of their deadlines: with one duration per queue, a deadline is never earlier than the one added before it,
 * so a FIFO linked through the connections' own {@link LoopLinks} fields is sorted, and adding, removing and firing
 * are O(1) and allocate nothing. A connection is in at most one queue at a time.
 *
 * <p>Not thread-safe: confined to its event loop's thread.
 *
 * @param <T> the transport's connection class
 */
public final class DeadlineQueue<T extends LoopLinks<T>> {
    /** What {@link #nextDeadline()} says of an empty queue: far enough that {@code deadline - now} cannot wrap. */
    public static final long NONE = Long.MAX_VALUE / 2;

    /** The connection with the earliest deadline, or null; read it, only the queue writes it. */
    public T head;
    private T tail;

    /** An empty queue. */
    public DeadlineQueue() {
    }

    /**
     * Adds a connection at the tail, first taking it out of the queue it is in, if any.
     *
     * @param c the connection
     * @param deadline when it times out, in {@link io.jlvs.core.time.Ticker} nanoseconds
     */
    public void add(final T c, final long deadline) {
        if (c.timerQueue != null) {
            c.timerQueue.remove(c);
        }
        c.timerDeadline = deadline;
        c.timerQueue = this;
        c.timerPrev = tail;
        c.timerNext = null;
        if (tail != null) {
            tail.timerNext = c;
        } else {
            head = c;
        }
        tail = c;
    }

    /**
     * Removes a connection; nothing happens when it is not in this queue.
     *
     * @param c the connection
     */
    public void remove(final T c) {
        if (c.timerQueue != this) {
            return;
        }
        if (c.timerPrev != null) {
            c.timerPrev.timerNext = c.timerNext;
        } else {
            head = c.timerNext;
        }
        if (c.timerNext != null) {
            c.timerNext.timerPrev = c.timerPrev;
        } else {
            tail = c.timerPrev;
        }
        c.timerPrev = null;
        c.timerNext = null;
        c.timerQueue = null;
    }

    /** {@return the earliest deadline, or {@link #NONE} when the queue is empty} */
    public long nextDeadline() {
        return head == null ? NONE : head.timerDeadline;
    }

    /**
     * Takes out the connection at the head if its deadline has come.
     *
     * @param now the loop's clock
     * @return the connection that timed out, no longer in the queue, or null when none is due
     */
    public T pollDue(final long now) {
        final T c = head;
        if (c == null || c.timerDeadline - now > 0) {
            return null;
        }
        remove(c);
        return c;
    }
}
