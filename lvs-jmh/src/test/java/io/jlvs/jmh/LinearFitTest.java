package io.jlvs.jmh;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class LinearFitTest {
    @Test
    void shouldFindTheLineThroughPointsOnIt() {
        final LinearFit f = LinearFit.of(new double[] {1000, 3000, 9900}, new double[] {1_500_100, 4_500_100,
            14_850_100});
        assertEquals(1500, f.slope(), 1e-9);
        assertEquals(100, f.intercept(), 1e-6);
        assertEquals(1, f.r2(), 1e-12);
        assertEquals(1_500_000_100, f.at(1_000_000), 1e-3);
    }

    @Test
    void shouldGiveTheLeastSquaresLineAndItsR2ForScatteredPoints() {
        // y = 2x + 1 with residuals +1, -2, +1: slope and intercept stay, SSres = 6, SStot = 8 * 2^2 + 6 = 38
        final LinearFit f = LinearFit.of(new double[] {0, 2, 4}, new double[] {2, 3, 10});
        assertEquals(2, f.slope(), 1e-12);
        assertEquals(1, f.intercept(), 1e-12);
        assertEquals(1 - 6.0 / 38.0, f.r2(), 1e-12);
        assertTrue(f.r2() < 1);
    }

    @Test
    void shouldRefuseTooFewOrIdenticalAbscissae() {
        assertThrows(IllegalArgumentException.class, () -> LinearFit.of(new double[] {1}, new double[] {1}));
        assertThrows(IllegalArgumentException.class, () -> LinearFit.of(new double[] {1, 2}, new double[] {1}));
        assertThrows(IllegalArgumentException.class, () -> LinearFit.of(new double[] {5, 5}, new double[] {1, 2}));
    }
}
