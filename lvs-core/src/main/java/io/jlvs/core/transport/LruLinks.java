package io.jlvs.core.transport;

/**
 * The links by which an {@link LruList} keeps one of its elements, oldest use first, and the time of the element's
 * last use. A transport's flow class extends this, so keeping a flow in the list costs no object beside it (the
 * one-packet UDP flows, which have no connection-table entry and expire on their own idle timeout).
 *
 * <p>Not thread-safe: every field is owned by the thread of the event loop the element lives on; the list that
 * changes them is confined to that thread too.
 *
 * @param <T> the transport's element class (the class that extends this one)
 */
public abstract class LruLinks<T extends LruLinks<T>> {
    T lruPrev;
    T lruNext;
    long lastUseNs;
    boolean lruLinked;

    /** For subclasses. */
    protected LruLinks() {
    }

    /** {@return when the element was last added or touched, in the list's clock (nanoseconds)} */
    public final long lastUseNs() {
        return lastUseNs;
    }

    /** {@return the next younger element of the list, or null} */
    public final T lruNext() {
        return lruNext;
    }

    /** {@return whether the element is in a list} */
    public final boolean lruLinked() {
        return lruLinked;
    }
}
