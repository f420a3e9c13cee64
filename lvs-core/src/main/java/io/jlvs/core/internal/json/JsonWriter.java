package io.jlvs.core.internal.json;

/**
 * Writes one JSON document (RFC 8259) into a string: objects, arrays, strings, integers, doubles, booleans and
 * null, with the commas placed by the writer. Strings are escaped so that the output can also stand inside an HTML
 * {@code <script>} element ({@code <}, {@code >}, {@code &}, U+2028 and U+2029 are written as {@code \}{@code u}
 * escapes). Non-finite doubles are written as {@code null}.
 *
 * <p>The writer trusts its caller to nest correctly (a name before each member of an object, every container
 * closed): it does not check.
 *
 * <p>Not thread-safe: one writer per document, used by one thread.
 */
public final class JsonWriter {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final StringBuilder sb = new StringBuilder(256);
    /** Decimal places doubles are rounded to, or -1 for Java's shortest exact representation. */
    private final int decimals;
    private final double scale;
    /** Whether the next value in the current container needs a comma before it. */
    private boolean comma;

    /** A writer that writes doubles as Java's shortest representation that reads back to the same value. */
    public JsonWriter() {
        this.decimals = -1;
        this.scale = 1;
    }

    /**
     * A writer that rounds doubles (half up) to at most the given number of decimal places.
     *
     * @param decimals 0 to 9
     * @throws IllegalArgumentException if decimals is outside 0 to 9
     */
    public JsonWriter(final int decimals) {
        if (decimals < 0 || decimals > 9) {
            throw new IllegalArgumentException("decimals " + decimals + ": expected 0 to 9");
        }
        this.decimals = decimals;
        this.scale = Math.pow(10, decimals);
    }

    /** {@return this writer, after opening an object} */
    public JsonWriter beginObject() {
        return open('{');
    }

    /** {@return this writer, after closing the innermost object} */
    public JsonWriter endObject() {
        return close('}');
    }

    /** {@return this writer, after opening an array} */
    public JsonWriter beginArray() {
        return open('[');
    }

    /** {@return this writer, after closing the innermost array} */
    public JsonWriter endArray() {
        return close(']');
    }

    private JsonWriter open(final char bracket) {
        next().append(bracket);
        comma = false;
        return this;
    }

    private JsonWriter close(final char bracket) {
        sb.append(bracket);
        comma = true;
        return this;
    }

    /**
     * Writes a member name; the next call writes its value.
     *
     * @param name the name
     * @return this writer
     */
    public JsonWriter name(final String name) {
        next();
        string(name);
        sb.append(':');
        comma = false;
        return this;
    }

    /**
     * Writes a string value.
     *
     * @param s the string, or null for {@code null}
     * @return this writer
     */
    public JsonWriter value(final String s) {
        if (s == null) {
            return nullValue();
        }
        next();
        string(s);
        return this;
    }

    /**
     * Writes an integer value.
     *
     * @param n the number
     * @return this writer
     */
    public JsonWriter value(final long n) {
        next().append(n);
        return this;
    }

    /**
     * Writes a double value, rounded if this writer was made with a number of decimals.
     *
     * @param d the number; NaN and the infinities are written as {@code null}
     * @return this writer
     */
    public JsonWriter value(final double d) {
        if (!Double.isFinite(d)) {
            return nullValue();
        }
        // beyond 2^62 / scale the number has no decimals to round (and Math.round would saturate)
        next().append(decimals < 0 || Math.abs(d) * scale >= 0x1p62 ? d : Math.round(d * scale) / scale);
        return this;
    }

    /**
     * Writes a boolean value.
     *
     * @param b the value
     * @return this writer
     */
    public JsonWriter value(final boolean b) {
        next().append(b);
        return this;
    }

    /** {@return this writer, after writing {@code null}} */
    public JsonWriter nullValue() {
        next().append("null");
        return this;
    }

    /**
     * Writes a member with a string value.
     *
     * @param name the member name
     * @param v the value, or null
     * @return this writer
     */
    public JsonWriter field(final String name, final String v) {
        return name(name).value(v);
    }

    /**
     * Writes a member with an integer value.
     *
     * @param name the member name
     * @param v the value
     * @return this writer
     */
    public JsonWriter field(final String name, final long v) {
        return name(name).value(v);
    }

    /**
     * Writes a member with a double value.
     *
     * @param name the member name
     * @param v the value
     * @return this writer
     */
    public JsonWriter field(final String name, final double v) {
        return name(name).value(v);
    }

    /**
     * Writes a member with a boolean value.
     *
     * @param name the member name
     * @param v the value
     * @return this writer
     */
    public JsonWriter field(final String name, final boolean v) {
        return name(name).value(v);
    }

    /** Starts a value or a name: the comma if one is due; whatever comes next in this container needs one. */
    private StringBuilder next() {
        if (comma) {
            sb.append(',');
        }
        comma = true;
        return sb;
    }

    private void string(final String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x2028 || c == 0x2029) {
                        sb.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xf]).append(HEX[(c >> 4) & 0xf])
                            .append(HEX[c & 0xf]);
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    /** {@return the document written so far} */
    @Override
    public String toString() {
        return sb.toString();
    }
}
