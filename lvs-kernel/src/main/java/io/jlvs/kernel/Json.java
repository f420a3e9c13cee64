package io.jlvs.kernel;

import io.jlvs.core.internal.json.JsonReader;

/** nft's JSON answers, read by the JLVS JSON reader of lvs-core. Stateless. */
final class Json {
    private Json() {
    }

    /**
     * Parses one answer: objects as maps, arrays as lists, integers as Long, other numbers as Double.
     *
     * @param text what {@code nft -j} printed
     * @return its value
     * @throws IllegalArgumentException if it is not one JSON value (the message names the offset)
     */
    static Object parse(final String text) {
        return JsonReader.parse(text);
    }
}
