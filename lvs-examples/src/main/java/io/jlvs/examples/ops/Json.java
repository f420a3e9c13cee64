package io.jlvs.examples.ops;

/**
 * A minimal JSON writer: objects, arrays, strings, numbers, booleans and null, with commas placed automatically.
 *
 * <p>Not thread-safe: one writer per document.
 */
final class Json {
    private final StringBuilder sb = new StringBuilder(4096);
    /** Whether the next value in the current container needs a comma before it. */
    private boolean comma;

    Json beginObject() {
        value();
        sb.append('{');
        comma = false;
        return this;
    }

    Json endObject() {
        sb.append('}');
        comma = true;
        return this;
    }

    Json beginArray() {
        value();
        sb.append('[');
        comma = false;
        return this;
    }

    Json endArray() {
        sb.append(']');
        comma = true;
        return this;
    }

    Json name(final String name) {
        value();
        string(name);
        sb.append(':');
        comma = false;
        return this;
    }

    Json value(final String s) {
        value();
        if (s == null) {
            sb.append("null");
        } else {
            string(s);
        }
        comma = true;
        return this;
    }

    Json value(final long n) {
        value();
        sb.append(n);
        comma = true;
        return this;
    }

    Json value(final double d) {
        value();
        if (Double.isFinite(d)) {
            sb.append(Math.round(d * 1000.0) / 1000.0);
        } else {
            sb.append("null");
        }
        comma = true;
        return this;
    }

    Json value(final boolean b) {
        value();
        sb.append(b);
        comma = true;
        return this;
    }

    Json nullValue() {
        value();
        sb.append("null");
        comma = true;
        return this;
    }

    Json field(final String name, final String v) {
        return name(name).value(v);
    }

    Json field(final String name, final long v) {
        return name(name).value(v);
    }

    Json field(final String name, final double v) {
        return name(name).value(v);
    }

    Json field(final String name, final boolean v) {
        return name(name).value(v);
    }

    private void value() {
        if (comma) {
            sb.append(',');
        }
    }

    private void string(final String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            switch (c) {
                case '"':
                    sb.append("\\\"");
                    break;
                case '\\':
                    sb.append("\\\\");
                    break;
                case '\n':
                    sb.append("\\n");
                    break;
                case '\r':
                    sb.append("\\r");
                    break;
                case '\t':
                    sb.append("\\t");
                    break;
                default:
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x2028 || c == 0x2029) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
            }
        }
        sb.append('"');
    }

    @Override
    public String toString() {
        return sb.toString();
    }
}
