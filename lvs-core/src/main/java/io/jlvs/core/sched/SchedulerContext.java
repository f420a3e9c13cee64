package io.jlvs.core.sched;

import io.jlvs.core.time.Ticker;

import java.util.function.IntSupplier;

/**
 * What a scheduler may depend on besides its servers: the service's scheduler flags (read live, since
 * {@code ipvsadm -E} may change them without changing the scheduler), a clock and a random source.
 *
 * <p>Immutable; its flag supplier must be thread-safe.
 */
public final class SchedulerContext {
    private final IntSupplier flags;
    private final Ticker clock;
    private final RandomSource random;

    private SchedulerContext(final IntSupplier flags, final Ticker clock, final RandomSource random) {
        this.flags = flags;
        this.clock = clock;
        this.random = random;
    }

    /**
     * A context with no flags, the system clock and thread-local randomness.
     *
     * @return the context
     */
    public static SchedulerContext defaults() {
        return of(0, Ticker.SYSTEM, RandomSource.THREAD_LOCAL);
    }

    /**
     * A context with fixed flags.
     *
     * @param flags scheduler flag bits
     * @param clock the clock
     * @param random the random source
     * @return the context
     */
    public static SchedulerContext of(final int flags, final Ticker clock, final RandomSource random) {
        return new SchedulerContext(() -> flags, clock, random);
    }

    /**
     * A context whose flags are read from a live source.
     *
     * @param flags supplies the current flag bits
     * @param clock the clock
     * @param random the random source
     * @return the context
     */
    public static SchedulerContext live(final IntSupplier flags, final Ticker clock, final RandomSource random) {
        return new SchedulerContext(flags, clock, random);
    }

    /**
     * The service's scheduler flag bits now.
     *
     * @return the bits ({@link io.jlvs.core.config.SchedulerFlags})
     */
    public int schedulerFlags() {
        return flags.getAsInt();
    }

    /**
     * The clock.
     *
     * @return the clock
     */
    public Ticker clock() {
        return clock;
    }

    /**
     * The random source.
     *
     * @return the random source
     */
    public RandomSource random() {
        return random;
    }
}
