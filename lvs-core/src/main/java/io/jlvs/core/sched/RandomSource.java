package io.jlvs.core.sched;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Randomness for randomised schedulers, injectable so tests can fix it.
 *
 * <p>Implementations must be thread-safe and allocation-free.
 */
@FunctionalInterface
public interface RandomSource {
    /** Uniform randomness from {@link ThreadLocalRandom}. */
    RandomSource THREAD_LOCAL = bound -> ThreadLocalRandom.current().nextInt(bound);

    /**
     * A uniform random number in {@code [0, bound)}.
     *
     * @param bound positive upper bound (exclusive)
     * @return the number
     */
    int nextInt(int bound);
}
