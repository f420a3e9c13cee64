package io.jlvs.core.config;

import java.util.Objects;
import java.util.function.Function;

/**
 * An option the rules format has beyond ipvsadm's, written {@code --name value} (or {@code --name} for a switch)
 * on a service line ({@code -A}/{@code -E}) or a server line ({@code -a}/{@code -e}). Its value is validated when
 * the line is parsed and stored in the configuration's options, so it is saved back unchanged.
 *
 * <p>Immutable.
 *
 * @param name the long name, without the dashes
 * @param scope where it may appear
 * @param takesValue whether it takes a value (a switch stores {@code "true"})
 * @param validator returns null for a good value, else what is wrong with it
 * @param description one line for help texts
 */
public record RuleExtension(String name, Scope scope, boolean takesValue, Function<String, String> validator,
    String description) {
    /**
     * Where an extension option may appear.
     */
    public enum Scope {
        /** On {@code -A} and {@code -E} lines. */
        SERVICE,
        /** On {@code -a} and {@code -e} lines. */
        SERVER,
        /** On service and server lines. */
        BOTH
    }

    /**
     * Checks the fields.
     *
     * @param name the long name
     * @param scope the scope
     * @param takesValue whether it takes a value
     * @param validator the validator
     * @param description the description
     */
    public RuleExtension {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(validator, "validator");
        Objects.requireNonNull(description, "description");
        if (!name.matches("[a-z][a-z0-9-]*")) {
            throw new IllegalArgumentException("name: '" + name + "' (expected: lower-case letters, digits, dashes)");
        }
    }
}
