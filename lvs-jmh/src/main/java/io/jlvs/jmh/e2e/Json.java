package io.jlvs.jmh.e2e;

import io.jlvs.core.internal.json.JsonReader;

/**
 * The reports of the load tools ({@code iperf3 --json}), read by the JLVS JSON reader of lvs-core: objects become
 * maps, arrays lists, numbers {@link Double}s, and {@code true}/{@code false}/{@code null} their Java values.
 * Malformed input fails with the offset and what was expected. Stateless.
 */
final class Json {
    private Json() {
    }

    /**
     * Parses one JSON document.
     *
     * @param text the document
     * @return its value
     * @throws IllegalArgumentException if the text is not one JSON value
     */
    static Object parse(final String text) {
        return JsonReader.parseDoubles(text);
    }

    /**
     * Follows a path of object keys.
     *
     * @param root a parsed document
     * @param keys the keys, outermost first
     * @return the value there, or null if any key is missing or a step is not an object
     */
    static Object at(final Object root, final String... keys) {
        return JsonReader.at(root, keys);
    }
}
