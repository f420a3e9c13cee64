package io.jlvs.core.internal.json;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads one JSON document (RFC 8259, strictly): objects become {@link LinkedHashMap}s in document order, arrays
 * {@link ArrayList}s, strings {@link String}s, {@code true}/{@code false} {@link Boolean}s and {@code null} null.
 * Numbers become {@link Long} (integers that fit) or {@link Double} ({@link #parse}), or always {@link Double}
 * ({@link #parseDoubles}). White space may stand between tokens.
 *
 * <p>Malformed input fails with an {@link IllegalArgumentException} that names what was expected, the offset (in
 * chars from the start) and what was found there, for example
 * {@code JSON: expected ':' at offset 5 (found '1')}. Rejected: a raw control character inside a string,
 * an unknown escape, {@code \}{@code u} without four hex digits, numbers outside the JSON grammar ({@code 01},
 * {@code 1.}, {@code +1}, {@code .5}), trailing text.
 *
 * <p>Each parse uses its own reader: thread-safe.
 */
public final class JsonReader {
    private final String s;
    private final boolean integersAsLong;
    private int i;

    private JsonReader(final String s, final boolean integersAsLong) {
        this.s = s;
        this.integersAsLong = integersAsLong;
    }

    /**
     * Parses one document; integers that fit in a {@code long} become {@link Long}, other numbers {@link Double}.
     *
     * @param text the document
     * @return its value
     * @throws IllegalArgumentException if the text is not exactly one JSON value
     */
    public static Object parse(final String text) {
        return new JsonReader(text, true).document();
    }

    /**
     * Parses one document; every number becomes a {@link Double}.
     *
     * @param text the document
     * @return its value
     * @throws IllegalArgumentException if the text is not exactly one JSON value
     */
    public static Object parseDoubles(final String text) {
        return new JsonReader(text, false).document();
    }

    /**
     * Follows a path of object keys.
     *
     * @param root a parsed document
     * @param keys the keys, outermost first
     * @return the value there, or null if a key is missing or a step is not an object
     */
    public static Object at(final Object root, final String... keys) {
        Object o = root;
        for (final String k : keys) {
            if (!(o instanceof Map<?, ?> m)) {
                return null;
            }
            o = m.get(k);
        }
        return o;
    }

    /**
     * A parsed value known to be an object.
     *
     * @param value a parsed value
     * @return it, as a map
     * @throws IllegalArgumentException if it is not an object (the message names what it is)
     */
    @SuppressWarnings("unchecked") // this reader makes every object a Map<String, Object>
    public static Map<String, Object> object(final Object value) {
        if (value instanceof Map<?, ?>) {
            return (Map<String, Object>) value;
        }
        throw new IllegalArgumentException("JSON: expected an object, found " + describe(value));
    }

    /**
     * A parsed value known to be an array.
     *
     * @param value a parsed value
     * @return it, as a list
     * @throws IllegalArgumentException if it is not an array (the message names what it is)
     */
    @SuppressWarnings("unchecked") // this reader makes every array a List<Object>
    public static List<Object> array(final Object value) {
        if (value instanceof List<?>) {
            return (List<Object>) value;
        }
        throw new IllegalArgumentException("JSON: expected an array, found " + describe(value));
    }

    private static String describe(final Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof Map) {
            return "an object";
        }
        if (value instanceof List) {
            return "an array";
        }
        return value instanceof String ? "a string" : value.getClass().getSimpleName() + " " + value;
    }

    private Object document() {
        final Object v = value();
        ws();
        if (i != s.length()) {
            throw error("end of input");
        }
        return v;
    }

    private IllegalArgumentException error(final String expected) {
        return new IllegalArgumentException("JSON: expected " + expected + " at offset " + i + " (found "
            + (i < s.length() ? "'" + s.charAt(i) + "'" : "end of input") + ")");
    }

    private void ws() {
        while (i < s.length()) {
            final char c = s.charAt(i);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            i++;
        }
    }

    private boolean at(final char c) {
        return i < s.length() && s.charAt(i) == c;
    }

    /** Steps over {@code c} if it stands here. */
    private boolean skip(final char c) {
        if (at(c)) {
            i++;
            return true;
        }
        return false;
    }

    private Object value() {
        ws();
        if (i >= s.length()) {
            throw error("a value");
        }
        final char c = s.charAt(i);
        switch (c) {
            case '{':
                return object();
            case '[':
                return array();
            case '"':
                return string();
            case 't':
                return literal("true", Boolean.TRUE);
            case 'f':
                return literal("false", Boolean.FALSE);
            case 'n':
                return literal("null", null);
            default:
                if (c == '-' || (c >= '0' && c <= '9')) {
                    return number();
                }
                throw error("a value");
        }
    }

    private Object literal(final String word, final Object v) {
        if (!s.startsWith(word, i)) {
            throw error(word);
        }
        i += word.length();
        return v;
    }

    private Map<String, Object> object() {
        final Map<String, Object> m = new LinkedHashMap<>();
        if (opensEmpty('}')) {
            return m;
        }
        do {
            ws();
            if (!at('"')) {
                throw error("a string key");
            }
            final String k = string();
            ws();
            if (!skip(':')) {
                throw error("':'");
            }
            m.put(k, value());
        } while (more('}'));
        return m;
    }

    private List<Object> array() {
        final List<Object> l = new ArrayList<>();
        if (opensEmpty(']')) {
            return l;
        }
        do {
            l.add(value());
        } while (more(']'));
        return l;
    }

    /** At '{' or '[': steps over it; true (and past {@code close} too) if the container is empty. */
    private boolean opensEmpty(final char close) {
        i++;
        ws();
        return skip(close);
    }

    /** After a member or element: true past a ',' (another follows), false past {@code close} (the end). */
    private boolean more(final char close) {
        ws();
        if (skip(',')) {
            return true;
        }
        if (skip(close)) {
            return false;
        }
        throw error("',' or '" + close + "'");
    }

    /** At a digit or '-': -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
    private Object number() {
        final int start = i;
        skip('-');
        if (!skip('0') && !digits()) {
            i = start;
            throw error("a number");
        }
        boolean integer = true;
        if (skip('.')) {
            integer = false;
            if (!digits()) {
                throw error("a digit after '.'");
            }
        }
        if (skip('e') || skip('E')) {
            integer = false;
            if (!skip('+')) {
                skip('-');
            }
            if (!digits()) {
                throw error("a digit in the exponent");
            }
        }
        final String n = s.substring(start, i);
        if (integer && integersAsLong) {
            try {
                return Long.valueOf(n);
            } catch (final NumberFormatException tooLarge) {
                return Double.valueOf(n);
            }
        }
        return Double.valueOf(n);
    }

    private boolean digits() {
        final int start = i;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            i++;
        }
        return i > start;
    }

    private String string() {
        final StringBuilder b = new StringBuilder();
        i++;
        while (true) {
            if (i >= s.length()) {
                throw error("'\"'");
            }
            final char c = s.charAt(i);
            if (c == '"') {
                i++;
                return b.toString();
            }
            if (c < 0x20) {
                throw error("a string character (control characters must be escaped)");
            }
            i++;
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (i >= s.length()) {
                throw error("an escape");
            }
            final char e = s.charAt(i);
            switch (e) {
                case '"', '\\', '/' -> b.append(e);
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'u' -> {
                    i++;
                    b.append(hex4());
                    continue;
                }
                default -> throw error("an escape (one of \" \\ / b f n r t u)");
            }
            i++;
        }
    }

    private char hex4() {
        int v = 0;
        for (int k = 0; k < 4; k++) {
            final int d = i < s.length() ? hexDigit(s.charAt(i)) : -1;
            if (d < 0) {
                throw error("4 hex digits after \\u");
            }
            v = v << 4 | d;
            i++;
        }
        return (char) v;
    }

    private static int hexDigit(final char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        final char lower = (char) (c | 0x20);
        return lower >= 'a' && lower <= 'f' ? lower - 'a' + 10 : -1;
    }
}
