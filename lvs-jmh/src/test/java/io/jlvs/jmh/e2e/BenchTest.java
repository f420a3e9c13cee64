package io.jlvs.jmh.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class BenchTest {
    @Test
    void shouldReadTheFeatureOfEveryJavaVersionForm() {
        assertEquals(25, Bench.feature("25.0.1"));
        assertEquals(17, Bench.feature("17.0.13"));
        assertEquals(22, Bench.feature("22"));
        assertEquals(25, Bench.feature("25-ea"));
        assertEquals(8, Bench.feature("1.8.0_402"));
        assertThrows(NumberFormatException.class, () -> Bench.feature("unknown"));
    }
}
