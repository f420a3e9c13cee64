package io.jlvs.core.transport;

/**
 * The links by which an event loop keeps one of its connections: a place in the loop's {@link LiveList} (every
 * connection that holds sockets) and in at most one {@link DeadlineQueue} (a connect or PROXY-header timeout). A
 * transport's per-connection class extends this, so the links are fields of the connection itself: keeping a
 * connection costs no object beside it.
 *
 * <p>Not thread-safe: every field is owned by the thread of the event loop the connection lives on; the lists that
 * change them are confined to that thread too.
 *
 * @param <T> the transport's connection class (the class that extends this one)
 */
public abstract class LoopLinks<T extends LoopLinks<T>> {
    T livePrev;
    T liveNext;
    T timerPrev;
    /** The next connection in the same deadline queue, or null; read it, only the queue writes it. */
    public T timerNext;
    DeadlineQueue<T> timerQueue;
    long timerDeadline;

    /** For subclasses. */
    protected LoopLinks() {
    }

    /** {@return the next connection in the loop's live list, or null} */
    public final T liveNext() {
        return liveNext;
    }
}
