package io.jlvs.core.sched;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Randomness for randomised schedulers, injectable so tests can fix it.
 *
 * <p>Implementations must be thread-safe and allocation-free.
 */
@FunctionalInterface
public interface RandomSource {
    /**
     * Uniform randomness from {@link ThreadLocalRandom}, reduced to the bound by multiplying and shifting (with
     * rejection of the few values that would bias it, as the kernel's {@code get_random_u32_below} does) instead
     * of a division.
     */
    RandomSource THREAD_LOCAL = RandomSource::below;

    /**
     * A uniform number in {@code [0, bound)} from {@link ThreadLocalRandom} without a division on the common path
     * (Lemire's multiply-shift reduction).
     *
     * @param bound positive upper bound (exclusive)
     * @return the number
     * @throws IllegalArgumentException if bound is not positive
     */
    static int below(final int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("random bound must be positive, got " + bound);
        }
        final ThreadLocalRandom r = ThreadLocalRandom.current();
        long m = (r.nextInt() & 0xFFFF_FFFFL) * bound;
        if ((m & 0xFFFF_FFFFL) < bound) {
            final long threshold = (0x1_0000_0000L - bound) % bound;
            while ((m & 0xFFFF_FFFFL) < threshold) {
                m = (r.nextInt() & 0xFFFF_FFFFL) * bound;
            }
        }
        return (int) (m >>> 32);
    }

    /**
     * A uniform random number in {@code [0, bound)}.
     *
     * @param bound positive upper bound (exclusive)
     * @return the number
     */
    int nextInt(int bound);
}
