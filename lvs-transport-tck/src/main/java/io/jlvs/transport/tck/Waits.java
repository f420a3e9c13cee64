package io.jlvs.transport.tck;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * Waiting on a condition with a deadline, for the suites: polls the condition every {@code poll}, fails with what
 * was awaited and the last value or error seen once {@code atMost} has passed. The suites published in this module
 * use it instead of Awaitility, which has no module name of its own (a published module descriptor should not
 * require a file-name-based automatic module).
 *
 * <p>Thread-safe (stateless); the waiting thread sleeps between polls.
 */
final class Waits {
    /** A check that either returns or throws (an {@link AssertionError} with the details). */
    interface Check {
        void run() throws Exception;
    }

    private Waits() {
    }

    /**
     * Waits until the condition is true.
     *
     * @throws AssertionError naming {@code what} when it is still false at the deadline, or threw then
     */
    static void until(final String what, final Duration atMost, final Duration poll, final Callable<Boolean> condition) {
        untilAsserted(what, atMost, poll, () -> {
            if (!Boolean.TRUE.equals(condition.call())) {
                throw new AssertionError("still false");
            }
        });
    }

    /**
     * Waits until the check passes (returns without throwing).
     *
     * @throws AssertionError naming {@code what} and the check's last failure when it still fails at the deadline
     */
    static void untilAsserted(final String what, final Duration atMost, final Duration poll, final Check check) {
        final long deadline = System.nanoTime() + atMost.toNanos();
        while (true) {
            Throwable last;
            try {
                check.run();
                return;
            } catch (final AssertionError | Exception e) {
                last = e;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionError(what + ": not reached within " + atMost.toMillis() + " ms: " + last, last);
            }
            try {
                TimeUnit.NANOSECONDS.sleep(poll.toNanos());
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(what + ": interrupted while waiting", e);
            }
        }
    }
}
