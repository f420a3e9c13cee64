package io.jlvs.core.internal.json;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class JsonWriterTest {
    @Test
    void placesCommasAcrossNesting() {
        final JsonWriter j = new JsonWriter().beginObject();
        j.field("a", 1).name("b").beginArray().value(2).beginObject().endObject().beginArray().endArray()
            .beginArray().value("x").nullValue().value(true).endArray().endArray();
        j.name("c").beginObject().field("d", false).name("e").nullValue().endObject().field("f", (String) null);
        assertEquals("{\"a\":1,\"b\":[2,{},[],[\"x\",null,true]],\"c\":{\"d\":false,\"e\":null},\"f\":null}",
            j.endObject().toString());
        assertEquals("[]", new JsonWriter().beginArray().endArray().toString());
        assertEquals("-9223372036854775808", new JsonWriter().value(Long.MIN_VALUE).toString());
    }

    @Test
    void escapesQuotesControlsAndHtmlSensitiveCharacters() {
        assertEquals("\"q\\\" b\\\\ \\n\\r\\t \\u0000\\u001f\\u0008 / \\u003c/script\\u003e \\u0026 \\u2028\\u2029\"",
            new JsonWriter().value("q\" b\\ \n\r\t \u0000\u001f\b / </script> & \u2028\u2029").toString());
        // other non-ASCII characters stand as themselves (the document is a Java string; its bytes are the caller's)
        assertEquals("{\"caf\u00e9\":\"\uD83D\uDE00 \u4e2d \u007f\"}",
            new JsonWriter().beginObject().field("caf\u00e9", "\uD83D\uDE00 \u4e2d \u007f").endObject().toString());
    }

    @Test
    void doublesAreShortestOrRoundedAndNonFiniteIsNull() {
        assertEquals("[0.1,1.0E21,-2.5,null,null,null]", new JsonWriter().beginArray().value(0.1).value(1e21)
            .value(-2.5).value(Double.NaN).value(Double.POSITIVE_INFINITY).value(Double.NEGATIVE_INFINITY).endArray()
            .toString());
        assertEquals("[1.235,-1.235,0.0,2.0,1.0E21,null]", new JsonWriter(3).beginArray().value(1.2345)
            .value(-1.2346).value(0.0001).value(2.0).value(1e21).value(Double.NaN).endArray().toString());
        assertEquals("{\"ms\":3.0}", new JsonWriter(0).beginObject().field("ms", 2.5).endObject().toString());
        assertEquals("decimals 10: expected 0 to 9",
            assertThrows(IllegalArgumentException.class, () -> new JsonWriter(10)).getMessage());
        assertEquals("decimals -1: expected 0 to 9",
            assertThrows(IllegalArgumentException.class, () -> new JsonWriter(-1)).getMessage());
    }

    @Test
    void everyStringReadsBackUnchanged() {
        final SplittableRandom random = new SplittableRandom(13);
        final List<String> strings = new ArrayList<>();
        for (int n = 0; n < 2000; n++) {
            final char[] cs = new char[random.nextInt(12)];
            for (int k = 0; k < cs.length; k++) {
                // half from the low range (controls, quotes, backslash, HTML), half from all of UTF-16
                cs[k] = (char) (random.nextBoolean() ? random.nextInt(0x80) : random.nextInt(0x10000));
            }
            strings.add(new String(cs));
        }
        final JsonWriter j = new JsonWriter().beginObject();
        for (int n = 0; n < strings.size(); n++) {
            j.field("k" + n + strings.get(n), strings.get(n));
        }
        final Map<String, Object> back = JsonReader.object(JsonReader.parse(j.endObject().toString()));
        assertEquals(strings.size(), back.size());
        int n = 0;
        for (final Map.Entry<String, Object> e : back.entrySet()) {
            assertEquals("k" + n + strings.get(n), e.getKey());
            assertEquals(strings.get(n), e.getValue(), "string " + n);
            n++;
        }
    }

    @Test
    void numbersAndNestingReadBack() {
        final String doc = new JsonWriter().beginObject().field("long", Long.MAX_VALUE).field("neg", -3)
            .field("d", 0.1).field("big", 1e300).name("list").beginArray().value(1).beginArray().value(2).endArray()
            .endArray().endObject().toString();
        final Map<String, Object> m = JsonReader.object(JsonReader.parse(doc));
        assertEquals(Long.MAX_VALUE, m.get("long"));
        assertEquals(-3L, m.get("neg"));
        assertEquals(0.1, m.get("d"));
        assertEquals(1e300, m.get("big"));
        assertEquals(Arrays.asList(1L, List.of(2L)), m.get("list"));
    }
}
