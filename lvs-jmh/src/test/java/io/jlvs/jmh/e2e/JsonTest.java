package io.jlvs.jmh.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class JsonTest {
    @Test
    void shouldReadNestedValues() {
        final Object v = Json.parse(" {\"a\": [1, -2.5e3, true, false, null, \"x\\\"y\\n\\u0041\"], \"b\": {\"c\": {}}"
            + ", \"d\": []} ");
        assertEquals(Arrays.asList(1.0, -2500.0, true, false, null, "x\"y\nA"), Json.at(v, "a"));
        assertEquals(Map.of(), Json.at(v, "b", "c"));
        assertEquals(List.of(), Json.at(v, "d"));
        assertNull(Json.at(v, "b", "missing"));
        assertNull(Json.at(v, "a", "notAnObject"));
    }

    @Test
    void shouldNameOffsetAndExpectationOfMalformedInput() {
        assertEquals("JSON: expected ',' or '}' at offset 7 (found '2')",
            assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\":1 2}")).getMessage());
        assertEquals("JSON: expected end of input at offset 3 (found 'x')",
            assertThrows(IllegalArgumentException.class, () -> Json.parse("[] x")).getMessage());
        assertEquals("JSON: expected a value at offset 1 (found end of input)",
            assertThrows(IllegalArgumentException.class, () -> Json.parse("[")).getMessage());
        assertEquals("JSON: expected a number at offset 0 (found '-')",
            assertThrows(IllegalArgumentException.class, () -> Json.parse("--1")).getMessage());
    }
}
