package io.jlvs.examples.tune;

import java.nio.file.Path;

/**
 * The options of {@code jlvs tune}.
 *
 * <p>Immutable.
 *
 * @param connections concurrent proxied connections to plan for, {@value #MIN_CONNECTIONS}..{@value
 *     #MAX_CONNECTIONS}
 * @param rules a rules file (ipvsadm-save format with JLVS's options) whose real servers share the connections, or
 *     null for the worst case of one real server taking them all
 * @param json print JSON instead of the table
 */
public record TuneOptions(long connections, Path rules, boolean json) {
    /** The fewest connections to plan for. */
    public static final long MIN_CONNECTIONS = 1;
    /** The most connections to plan for (the kernel's {@code fs.nr_open} ceiling is about 2^30 descriptors). */
    public static final long MAX_CONNECTIONS = 100_000_000;

    /**
     * Checks the count.
     *
     * @param connections concurrent proxied connections to plan for
     * @param rules a rules file, or null
     * @param json print JSON instead of the table
     * @throws IllegalArgumentException naming the option and the value when the count is out of range
     */
    public TuneOptions {
        if (connections < MIN_CONNECTIONS || connections > MAX_CONNECTIONS) {
            throw new IllegalArgumentException("--connections " + connections + ": expected " + MIN_CONNECTIONS
                + ".." + MAX_CONNECTIONS);
        }
    }
}
