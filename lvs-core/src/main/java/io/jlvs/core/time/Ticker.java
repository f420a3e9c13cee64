package io.jlvs.core.time;

/**
 * A monotonic nanosecond clock: what JLVS reads to time connections, persistence templates, slow start, rate
 * estimation and the trash of removed servers. Tests pass one they advance by hand.
 *
 * <p>Implementations must be safe to call from any thread and must not block; the event loops call it on every
 * turn.
 */
@FunctionalInterface
public interface Ticker {
    /** The JVM's monotonic clock, {@link System#nanoTime()}. */
    Ticker SYSTEM = System::nanoTime;

    /**
     * The current time, in nanoseconds since an arbitrary origin; only differences mean something.
     *
     * @return now, in nanoseconds
     */
    long nanoTime();
}
