package io.jlvs.examples;

import java.util.Locale;

/**
 * What an admin socket lets its clients do, after HAProxy's stats socket levels: each level includes the ones
 * before it.
 *
 * <p>Immutable.
 */
public enum AdminLevel {
    /** Listings only: {@code -L}, {@code -S}, {@code -v}, {@code -h}. */
    READ,
    /**
     * Also weights ({@code -e} that changes nothing but {@code -w}), {@code drain}, {@code disable}, {@code enable}
     * and zeroing counters ({@code -Z}).
     */
    OPERATOR,
    /** Everything: adding, editing and deleting services and servers, timeouts, files under the allowed folder. */
    ADMIN;

    /**
     * Whether this level includes another.
     *
     * @param needed the level a command needs
     * @return true if a client at this level may run it
     */
    public boolean allows(final AdminLevel needed) {
        return compareTo(needed) >= 0;
    }

    /**
     * The level's name as the command line spells it.
     *
     * @return {@code read}, {@code operator} or {@code admin}
     */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a level name.
     *
     * @param s {@code read}, {@code operator} or {@code admin}
     * @return the level
     * @throws IllegalArgumentException naming the value and what is expected
     */
    public static AdminLevel parse(final String s) {
        for (final AdminLevel l : values()) {
            if (l.label().equals(s)) {
                return l;
            }
        }
        throw new IllegalArgumentException("admin level '" + s + "' (expected: read, operator or admin)");
    }
}
