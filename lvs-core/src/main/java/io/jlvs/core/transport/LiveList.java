package io.jlvs.core.transport;

import java.util.function.Consumer;

/**
 * An event loop's connections that hold sockets, linked through their own {@link LoopLinks} fields (adding and
 * removing allocate nothing), newest first.
 *
 * <p>Not thread-safe: confined to its event loop's thread.
 *
 * @param <T> the transport's connection class
 */
public final class LiveList<T extends LoopLinks<T>> {
    private T head;
    private int size;

    /** An empty list. */
    public LiveList() {
    }

    /** {@return the newest connection, or null; follow {@link LoopLinks#liveNext()} for the others} */
    public T head() {
        return head;
    }

    /** {@return how many connections are in the list} */
    public int size() {
        return size;
    }

    /**
     * Adds a connection that is in no live list.
     *
     * @param c the connection
     */
    public void add(final T c) {
        c.liveNext = head;
        if (head != null) {
            head.livePrev = c;
        }
        head = c;
        size++;
    }

    /**
     * Removes a connection; nothing happens when it is not in this list.
     *
     * @param c the connection
     */
    public void remove(final T c) {
        if (c.livePrev != null) {
            c.livePrev.liveNext = c.liveNext;
        } else if (head == c) {
            head = c.liveNext;
        } else {
            return;
        }
        if (c.liveNext != null) {
            c.liveNext.livePrev = c.livePrev;
        }
        c.livePrev = null;
        c.liveNext = null;
        size--;
    }

    /**
     * Closes every connection, newest first (the end of a drain, or a loop that ends). A close is expected to remove
     * its connection; one that throws, or leaves it in, is counted through {@code failed} and unlinked here, so this
     * always ends.
     *
     * @param close closes one connection (and removes it from this list)
     * @param failed runs once for every close that threw
     */
    public void closeAll(final Consumer<? super T> close, final Runnable failed) {
        while (head != null) {
            final T c = head;
            try {
                close.accept(c);
            } catch (final Throwable e) {
                failed.run();
            }
            if (head == c) {
                remove(c);
            }
        }
    }
}
