package io.jlvs.core.transport;

import java.util.List;

/**
 * An event loop's listeners that stopped accepting for a while (out of descriptors, or at a connection limit) and
 * take up accepting again once their pause is over: the bookkeeping both socket transports share. The list is the
 * loop's own (a plain {@code List}, so an engine may also drop entries from it by a condition).
 *
 * <p>Not thread-safe: the list and the listeners' pause state are confined to the loop's thread.
 */
public final class PausedListeners {
    private PausedListeners() {
    }

    /**
     * A listener that can pause: a transport's listener class extends this, which keeps when its pause ends.
     * Confined, like the list, to the loop's thread.
     */
    public abstract static class Pausable {
        private long pausedUntil;

        /** For subclasses. */
        protected Pausable() {
        }

        /** {@return when its pause ends, in {@link io.jlvs.core.time.Ticker} nanoseconds} */
        public final long pausedUntil() {
            return pausedUntil;
        }

        /** {@return whether it may accept again (its service still takes connections)} */
        public abstract boolean mayResume();

        /** Takes up accepting again. */
        public abstract void resume();
    }

    /**
     * Pauses a listener until a time (again, if already paused: the new end counts).
     *
     * @param paused the loop's paused listeners
     * @param l the listener
     * @param until when it may accept again
     * @param <L> the transport's listener class
     */
    public static <L extends Pausable> void pause(final List<L> paused, final L l, final long until) {
        final Pausable p = l; // the field is private to Pausable: not reached through L
        p.pausedUntil = until;
        if (!paused.contains(l)) {
            paused.add(l);
        }
    }

    /**
     * Resumes (and takes out of the list) every listener whose pause is over and that may accept again.
     *
     * @param paused the loop's paused listeners
     * @param now the loop's clock
     * @param <L> the transport's listener class
     */
    public static <L extends Pausable> void resumeDue(final List<L> paused, final long now) {
        for (int i = paused.size() - 1; i >= 0; i--) {
            final L l = paused.get(i);
            if (l.pausedUntil() - now <= 0 && l.mayResume()) {
                paused.remove(i);
                l.resume();
            }
        }
    }

    /**
     * Shortens a wait so that it ends no later than the first pause.
     *
     * @param paused the loop's paused listeners
     * @param waitNs the wait so far
     * @param now the loop's clock
     * @return the wait, in nanoseconds
     */
    public static long untilFirst(final List<? extends Pausable> paused, final long waitNs, final long now) {
        long w = waitNs;
        for (int i = 0; i < paused.size(); i++) { // indexed: no iterator on the loop's path
            w = Math.min(w, paused.get(i).pausedUntil() - now);
        }
        return w;
    }
}
