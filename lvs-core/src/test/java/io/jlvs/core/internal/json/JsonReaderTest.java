package io.jlvs.core.internal.json;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class JsonReaderTest {
    /** Nesting four deep, empty containers, keys out of alphabetical order, every kind of white space. */
    private static final String NESTED = " {\"z\": [1, [2, [3, []]], {}], \"a\": {\"b\": {\"c\": null}},\n\t"
        + "\"m\": true}\r\n";

    @Test
    void readsNestedContainersInDocumentOrder() {
        final Map<String, Object> root = JsonReader.object(JsonReader.parse(NESTED));
        final Object v = root;
        assertEquals(List.of("z", "a", "m"), List.copyOf(root.keySet()));
        assertEquals(List.of(1L, List.of(2L, List.of(3L, List.of())), Map.of()), root.get("z"));
        final Map<String, Object> c = new LinkedHashMap<>();
        c.put("c", null);
        assertEquals(Map.of("b", c), root.get("a"));
        assertSame(Boolean.TRUE, root.get("m"));
        assertNull(JsonReader.at(v, "a", "b", "c"));
        assertEquals(c, JsonReader.at(v, "a", "b"));
        assertNull(JsonReader.at(v, "a", "missing", "c"));
        assertNull(JsonReader.at(v, "z", "notAnObject"));
        assertSame(v, JsonReader.at(v));
    }

    @Test
    void readsEveryEscapeAndUnicode() {
        assertEquals("q\" b\\ s/ \b \f \n \r \t", JsonReader.parse("\"q\\\" b\\\\ s\\/ \\b \\f \\n \\r \\t\""));
        assertEquals("A\u00e9\u20ac\u0000", JsonReader.parse("\"\\u0041\\u00E9\\u20ac\\u0000\""));
        // a character outside the BMP as an escaped surrogate pair, and as itself
        assertEquals("\uD83D\uDE00", JsonReader.parse("\"\\ud83d\\uDE00\""));
        assertEquals("caf\u00e9 \uD83D\uDE00 \u4e2d", JsonReader.parse("\"caf\u00e9 \uD83D\uDE00 \u4e2d\""));
        assertEquals("", JsonReader.parse("\"\""));
    }

    @Test
    void integersAreLongsAndOtherNumbersDoubles() {
        assertEquals(Arrays.asList(0L, -0L, 7L, -12L, Long.MAX_VALUE, Long.MIN_VALUE, 1.5, -0.25, 1000.0, 0.01, 200.0,
            1.0e19, -2.5e-3), JsonReader.parse("[0, -0, 7, -12, 9223372036854775807, -9223372036854775808, 1.5, -0.25,"
            + " 1e3, 1E-2, 2e+2, 10000000000000000000, -2.5e-3]"));
        assertEquals(Long.class, JsonReader.array(JsonReader.parse("[3]")).get(0).getClass());
        assertEquals(Arrays.asList(0.0, 7.0, -12.0, 1.5, 1000.0), JsonReader.parseDoubles("[0, 7, -12, 1.5, 1e3]"));
        assertEquals(Double.class, JsonReader.array(JsonReader.parseDoubles("[3]")).get(0).getClass());
        assertEquals(42L, JsonReader.parse("42"));
        assertEquals(false, JsonReader.parse("false"));
        assertNull(JsonReader.parse(" null "));
    }

    @Test
    void malformedInputNamesWhatWasExpectedAndWhere() {
        assertError("JSON: expected ',' or '}' at offset 7 (found '2')", "{\"a\":1 2}");
        assertError("JSON: expected ',' or ']' at offset 3 (found '}')", "[1 }");
        assertError("JSON: expected end of input at offset 3 (found 'x')", "[] x");
        assertError("JSON: expected a value at offset 1 (found end of input)", "[");
        assertError("JSON: expected a value at offset 0 (found end of input)", "");
        assertError("JSON: expected a value at offset 6 (found '}')", "{\"a\": }");
        assertError("JSON: expected a value at offset 3 (found ']')", "[1,]");
        assertError("JSON: expected a string key at offset 7 (found '}')", "{\"a\":1,}");
        assertError("JSON: expected a string key at offset 1 (found 'a')", "{a:1}");
        assertError("JSON: expected ':' at offset 5 (found '1')", "{\"a\" 1}");
        assertError("JSON: expected a number at offset 0 (found '-')", "--1");
        assertError("JSON: expected end of input at offset 1 (found '1')", "01");
        assertError("JSON: expected a digit after '.' at offset 2 (found ']')", "1.]");
        assertError("JSON: expected a digit in the exponent at offset 3 (found end of input)", "1e+");
        assertError("JSON: expected a value at offset 1 (found '+')", "[+1]");
        assertError("JSON: expected a value at offset 0 (found '.')", ".5");
        assertError("JSON: expected true at offset 1 (found 't')", "[tru]");
        assertError("JSON: expected null at offset 0 (found 'n')", "nul");
        assertError("JSON: expected '\"' at offset 4 (found end of input)", "\"abc");
        assertError("JSON: expected a string character (control characters must be escaped) at offset 2 (found '\n')",
            "\"a\nb\"");
        assertError("JSON: expected an escape (one of \" \\ / b f n r t u) at offset 2 (found 'x')", "\"\\x\"");
        assertError("JSON: expected 4 hex digits after \\u at offset 5 (found 'g')", "\"\\u00g0\"");
        assertError("JSON: expected 4 hex digits after \\u at offset 4 (found end of input)", "\"\\u0");
        // non-ASCII digits are not hex digits
        assertError("JSON: expected 4 hex digits after \\u at offset 3 (found '\uff11')", "\"\\u\uff11234\"");
        assertError("JSON: expected an escape at offset 2 (found end of input)", "\"\\");
    }

    @Test
    void typedAccessNamesWhatTheValueIs() {
        assertEquals("JSON: expected an object, found an array",
            assertThrows(IllegalArgumentException.class, () -> JsonReader.object(List.of())).getMessage());
        assertEquals("JSON: expected an array, found a string",
            assertThrows(IllegalArgumentException.class, () -> JsonReader.array("x")).getMessage());
        assertEquals("JSON: expected an array, found Long 3",
            assertThrows(IllegalArgumentException.class, () -> JsonReader.array(3L)).getMessage());
        assertEquals("JSON: expected an object, found null",
            assertThrows(IllegalArgumentException.class, () -> JsonReader.object(null)).getMessage());
    }

    private static void assertError(final String message, final String text) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> JsonReader.parse(text),
            text).getMessage(), text);
    }
}
