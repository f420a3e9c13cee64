package io.jlvs.core.transport;

/**
 * Elements ordered by their last use, oldest first, linked through their own {@link LruLinks} fields: adding,
 * touching and removing allocate nothing and take constant time. An idle timeout walks it from the oldest end and
 * stops at the first element still in use.
 *
 * <p>Not thread-safe: confined to its event loop's thread.
 *
 * @param <T> the transport's element class
 */
public final class LruList<T extends LruLinks<T>> {
    private T head;
    private T tail;
    private int size;

    /** An empty list. */
    public LruList() {
    }

    /** {@return the element used longest ago, or null; follow {@link LruLinks#lruNext()} for younger ones} */
    public T oldest() {
        return head;
    }

    /** {@return the element used last, or null} */
    public T youngest() {
        return tail;
    }

    /** {@return how many elements are in the list} */
    public int size() {
        return size;
    }

    /** {@return whether the list is empty} */
    public boolean isEmpty() {
        return head == null;
    }

    /**
     * Adds an element that is in no list, as the youngest.
     *
     * @param e the element
     * @param nowNs the time of its use
     * @throws IllegalArgumentException if the element is in a list already
     */
    public void add(final T e, final long nowNs) {
        if (e.lruLinked) {
            throw new IllegalArgumentException("the element is in a list already");
        }
        e.lastUseNs = nowNs;
        e.lruPrev = tail;
        e.lruNext = null;
        if (tail == null) {
            head = e;
        } else {
            tail.lruNext = e;
        }
        tail = e;
        e.lruLinked = true;
        size++;
    }

    /**
     * Marks an element of this list used now: it becomes the youngest.
     *
     * @param e the element
     * @param nowNs the time of its use
     */
    public void touch(final T e, final long nowNs) {
        if (tail != e) {
            remove(e);
            add(e, nowNs);
        } else {
            e.lastUseNs = nowNs;
        }
    }

    /**
     * Removes an element; nothing happens when it is in no list.
     *
     * @param e the element
     */
    public void remove(final T e) {
        if (!e.lruLinked) {
            return;
        }
        if (e.lruPrev == null) {
            head = e.lruNext;
        } else {
            e.lruPrev.lruNext = e.lruNext;
        }
        if (e.lruNext == null) {
            tail = e.lruPrev;
        } else {
            e.lruNext.lruPrev = e.lruPrev;
        }
        e.lruPrev = null;
        e.lruNext = null;
        e.lruLinked = false;
        size--;
    }

    /**
     * The oldest element when it has been idle for the timeout: its last use plus {@code timeoutNs} is not after
     * {@code nowNs}. It stays in the list; the caller removes it (and closes what it holds).
     *
     * @param nowNs the time now
     * @param timeoutNs the idle timeout
     * @return the oldest element if it expired, else null
     */
    public T expired(final long nowNs, final long timeoutNs) {
        final T h = head;
        return h != null && nowNs - (h.lastUseNs + timeoutNs) >= 0 ? h : null;
    }
}
