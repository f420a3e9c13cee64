package io.jlvs.jmh.e2e;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON reader for the reports of the load tools ({@code iperf3 --json}): objects become {@link Map}s,
 * arrays {@link List}s, numbers {@link Double}s, and {@code true}/{@code false}/{@code null} their Java values.
 * Malformed input fails with the offset and what was expected. Used by one thread at a time.
 */
final class Json {
    private final String s;
    private int i;

    private Json(final String s) {
        this.s = s;
    }

    /**
     * Parses one JSON document.
     *
     * @param text the document
     * @return its value
     * @throws IllegalArgumentException if the text is not one JSON value
     */
    static Object parse(final String text) {
        final Json j = new Json(text);
        final Object v = j.value();
        j.ws();
        if (j.i != text.length()) {
            throw j.error("end of input");
        }
        return v;
    }

    /**
     * Follows a path of object keys.
     *
     * @param root a parsed document
     * @param keys the keys, outermost first
     * @return the value there, or null if any key is missing or a step is not an object
     */
    static Object at(final Object root, final String... keys) {
        Object o = root;
        for (final String k : keys) {
            if (!(o instanceof Map)) {
                return null;
            }
            o = ((Map<?, ?>) o).get(k);
        }
        return o;
    }

    private IllegalArgumentException error(final String expected) {
        return new IllegalArgumentException("JSON: expected " + expected + " at offset " + i + " (found "
            + (i < s.length() ? "'" + s.charAt(i) + "'" : "end of input") + ")");
    }

    private void ws() {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
    }

    private Object value() {
        ws();
        if (i >= s.length()) {
            throw error("a value");
        }
        final char c = s.charAt(i);
        if (c == '{') {
            return object();
        }
        if (c == '[') {
            return array();
        }
        if (c == '"') {
            return string();
        }
        if (s.startsWith("true", i)) {
            i += 4;
            return Boolean.TRUE;
        }
        if (s.startsWith("false", i)) {
            i += 5;
            return Boolean.FALSE;
        }
        if (s.startsWith("null", i)) {
            i += 4;
            return null;
        }
        final int start = i;
        while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
            i++;
        }
        if (start == i) {
            throw error("a value");
        }
        try {
            return Double.parseDouble(s.substring(start, i));
        } catch (final NumberFormatException e) {
            i = start;
            throw error("a number");
        }
    }

    private Map<String, Object> object() {
        final Map<String, Object> m = new LinkedHashMap<>();
        i++;
        ws();
        if (i < s.length() && s.charAt(i) == '}') {
            i++;
            return m;
        }
        while (true) {
            ws();
            if (i >= s.length() || s.charAt(i) != '"') {
                throw error("a string key");
            }
            final String k = string();
            ws();
            if (i >= s.length() || s.charAt(i) != ':') {
                throw error("':'");
            }
            i++;
            m.put(k, value());
            ws();
            if (i < s.length() && s.charAt(i) == ',') {
                i++;
            } else if (i < s.length() && s.charAt(i) == '}') {
                i++;
                return m;
            } else {
                throw error("',' or '}'");
            }
        }
    }

    private List<Object> array() {
        final List<Object> l = new ArrayList<>();
        i++;
        ws();
        if (i < s.length() && s.charAt(i) == ']') {
            i++;
            return l;
        }
        while (true) {
            l.add(value());
            ws();
            if (i < s.length() && s.charAt(i) == ',') {
                i++;
            } else if (i < s.length() && s.charAt(i) == ']') {
                i++;
                return l;
            } else {
                throw error("',' or ']'");
            }
        }
    }

    private String string() {
        final StringBuilder b = new StringBuilder();
        i++;
        while (true) {
            if (i >= s.length()) {
                throw error("'\"'");
            }
            final char c = s.charAt(i++);
            if (c == '"') {
                return b.toString();
            }
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (i >= s.length()) {
                throw error("an escape");
            }
            final char e = s.charAt(i++);
            switch (e) {
                case 'n' -> b.append('\n');
                case 't' -> b.append('\t');
                case 'r' -> b.append('\r');
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'u' -> {
                    if (i + 4 > s.length()) {
                        throw error("4 hex digits");
                    }
                    b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                    i += 4;
                }
                default -> b.append(e);
            }
        }
    }
}
