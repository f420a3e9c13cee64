package io.jlvs.core.stats;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A running latency summary: how many samples, their sum, the largest and the most recent, in nanoseconds. What a
 * metrics system needs for a summary (count and sum give the mean over any scrape interval) and what a status page
 * shows (mean, max, last).
 *
 * <p>Thread-safe: {@link #record(long)} is lock-free and allocation-free and may be called from any thread (event
 * loops for connect latency, the health thread for check latency); readers see each figure atomically, not the four
 * at one instant.
 */
public final class LatencyStats {
    private final AtomicLong count = new AtomicLong();
    private final AtomicLong totalNanos = new AtomicLong();
    private final AtomicLong maxNanos = new AtomicLong();
    private volatile long lastNanos = -1;

    /** Makes an empty summary. */
    public LatencyStats() {
    }

    /**
     * Adds a sample; a negative one counts as 0.
     *
     * @param nanos the latency
     */
    public void record(final long nanos) {
        final long n = Math.max(0, nanos);
        totalNanos.getAndAdd(n);
        long m = maxNanos.get();
        while (n > m && !maxNanos.compareAndSet(m, n)) {
            m = maxNanos.get();
        }
        lastNanos = n;
        count.getAndIncrement();
    }

    /**
     * Samples so far.
     *
     * @return the count
     */
    public long count() {
        return count.get();
    }

    /**
     * The sum of every sample.
     *
     * @return nanoseconds
     */
    public long totalNanos() {
        return totalNanos.get();
    }

    /**
     * The largest sample.
     *
     * @return nanoseconds, 0 when there is none
     */
    public long maxNanos() {
        return maxNanos.get();
    }

    /**
     * The most recent sample.
     *
     * @return nanoseconds, -1 when there is none
     */
    public long lastNanos() {
        return lastNanos;
    }

    /**
     * The mean of every sample.
     *
     * @return nanoseconds, 0 when there is none
     */
    public double meanNanos() {
        final long c = count.get();
        return c == 0 ? 0.0 : (double) totalNanos.get() / c;
    }
}
