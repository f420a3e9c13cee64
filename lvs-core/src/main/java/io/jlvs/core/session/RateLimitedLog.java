package io.jlvs.core.session;

import org.slf4j.Logger;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A warning that is logged at most once per interval, with the number of occurrences since the last line, so a
 * fault repeated per connection never floods the log.
 *
 * <p>Thread-safe.
 */
public final class RateLimitedLog {
    private final Logger log;
    private final String what;
    private final long intervalNs;
    private final AtomicLong next = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong suppressed = new AtomicLong();

    /**
     * Makes a log.
     *
     * @param log where lines go
     * @param what what happened, the start of every line
     * @param interval the least time between two lines
     * @param unit the interval's unit
     */
    public RateLimitedLog(final Logger log, final String what, final long interval, final TimeUnit unit) {
        this.log = log;
        this.what = what;
        this.intervalNs = unit.toNanos(interval);
    }

    /**
     * Logs a warning unless one was logged within the interval (then it is only counted, and the count is added to
     * the next line).
     *
     * @param now the current time in nanoseconds
     * @param detail this occurrence
     */
    public void warn(final long now, final String detail) {
        final long due = next.get();
        if (due != Long.MIN_VALUE && now - due < 0) {
            suppressed.incrementAndGet();
            return;
        }
        if (!next.compareAndSet(due, now + intervalNs)) {
            suppressed.incrementAndGet();
            return;
        }
        final long n = suppressed.getAndSet(0);
        if (n > 0) {
            log.warn("{}: {} ({} more since the last report)", what, detail, n);
        } else {
            log.warn("{}: {}", what, detail);
        }
    }
}
