package io.jlvs.core.rules;

import java.util.List;

/**
 * Rules that cannot be loaded: one message per error, each of the form {@code line 7: -w 70000: weight must be
 * 0..65535}.
 *
 * <p>Immutable.
 */
public final class RulesException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient List<String> errors;

    /**
     * Makes an exception.
     *
     * @param errors the messages, at least one
     */
    public RulesException(final List<String> errors) {
        super(String.join("\n", errors));
        this.errors = List.copyOf(errors);
    }

    /**
     * Makes an exception for one error.
     *
     * @param line the line number (1-based)
     * @param token the token at fault
     * @param message what is wrong
     */
    public RulesException(final int line, final String token, final String message) {
        this(List.of(format(line, token, message)));
    }

    /**
     * Formats one error.
     *
     * @param line the line number (1-based)
     * @param token the token at fault
     * @param message what is wrong
     * @return {@code line N: TOKEN: message}
     */
    public static String format(final int line, final String token, final String message) {
        return "line " + line + ": " + token + ": " + message;
    }

    /**
     * The messages.
     *
     * @return one per error, in line order
     */
    public List<String> errors() {
        return errors;
    }
}
