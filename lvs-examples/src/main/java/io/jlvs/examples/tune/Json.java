package io.jlvs.examples.tune;

/**
 * A minimal JSON writer: objects, arrays, strings (escaped per RFC 8259), integers and booleans, with commas placed
 * by the writer. Misuse (a value where a name is due) is not detected; the callers in this package are fixed.
 *
 * <p>Not thread-safe.
 */
final class Json {
    private final StringBuilder sb = new StringBuilder();
    private boolean first = true;

    Json begin() {
        comma();
        sb.append('{');
        first = true;
        return this;
    }

    Json end() {
        sb.append('}');
        first = false;
        return this;
    }

    Json beginArray() {
        comma();
        sb.append('[');
        first = true;
        return this;
    }

    Json endArray() {
        sb.append(']');
        first = false;
        return this;
    }

    /** A member name; the next call writes its value. */
    Json name(final String name) {
        comma();
        quote(name);
        sb.append(':');
        first = true;
        return this;
    }

    Json value(final String s) {
        comma();
        if (s == null) {
            sb.append("null");
        } else {
            quote(s);
        }
        return this;
    }

    Json value(final long v) {
        comma();
        sb.append(v);
        return this;
    }

    Json value(final boolean v) {
        comma();
        sb.append(v);
        return this;
    }

    private void comma() {
        if (!first) {
            sb.append(',');
        }
        first = false;
    }

    private void quote(final String s) {
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
                    if (c < 0x20) {
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
