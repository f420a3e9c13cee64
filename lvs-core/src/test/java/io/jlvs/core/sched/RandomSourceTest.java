package io.jlvs.core.sched;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RandomSourceTest {
    @Test
    void shouldStayInsideTheBound() {
        for (final int bound : new int[] {1, 2, 3, 7, 1000, 4501, (1 << 30) + 1, Integer.MAX_VALUE}) {
            for (int i = 0; i < 20_000; i++) {
                final int r = RandomSource.THREAD_LOCAL.nextInt(bound);
                assertTrue(r >= 0 && r < bound, r + " outside [0, " + bound + ")");
            }
        }
        assertEquals(0, RandomSource.below(1));
    }

    @Test
    void shouldBeUniform() {
        // 600,000 draws over 3 values: each count's standard deviation is about 365, so 6,000 is over 16 of them
        final int[] counts = new int[3];
        for (int i = 0; i < 600_000; i++) {
            counts[RandomSource.below(3)]++;
        }
        for (final int c : counts) {
            assertTrue(Math.abs(c - 200_000) < 6_000, "count " + c + " of 600,000 draws over 3 values");
        }
        // the upper half of a range that is not a power of two is reached as often as the lower half
        int upper = 0;
        final int bound = (1 << 30) + (1 << 29);
        for (int i = 0; i < 200_000; i++) {
            upper += RandomSource.below(bound) >= bound / 2 ? 1 : 0;
        }
        assertTrue(Math.abs(upper - 100_000) < 4_000, upper + " of 200,000 in the upper half");
    }

    @Test
    void shouldRejectNonPositiveBound() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RandomSource.below(0));
        assertEquals("random bound must be positive, got 0", e.getMessage());
    }
}
