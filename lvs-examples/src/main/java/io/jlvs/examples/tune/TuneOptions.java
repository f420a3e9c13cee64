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
 * @param transport the transport to plan for: {@code nio}, {@code epoll} or {@code auto} (what a director started
 *     in this JVM would pick for the rules' protocols)
 */
public record TuneOptions(long connections, Path rules, boolean json, String transport) {
    /** The fewest connections to plan for. */
    public static final long MIN_CONNECTIONS = 1;
    /** The most connections to plan for (the kernel's {@code fs.nr_open} ceiling is about 2^30 descriptors). */
    public static final long MAX_CONNECTIONS = 100_000_000;

    /** The transports {@code --transport} takes. */
    public static final java.util.List<String> TRANSPORTS = java.util.List.of("nio", "epoll", "auto");

    /**
     * Checks the count and the transport.
     *
     * @param connections concurrent proxied connections to plan for
     * @param rules a rules file, or null
     * @param json print JSON instead of the table
     * @param transport {@code nio}, {@code epoll} or {@code auto} (case-insensitive; null for {@code auto})
     * @throws IllegalArgumentException naming the option and the value when the count is out of range or the
     *     transport is none of those
     */
    public TuneOptions {
        if (connections < MIN_CONNECTIONS || connections > MAX_CONNECTIONS) {
            throw new IllegalArgumentException("--connections " + connections + ": expected " + MIN_CONNECTIONS
                + ".." + MAX_CONNECTIONS);
        }
        final String t = transport == null ? "auto" : transport.trim().toLowerCase(java.util.Locale.ROOT);
        if (!TRANSPORTS.contains(t)) {
            throw new IllegalArgumentException("--transport " + transport + ": expected nio, epoll or auto");
        }
        transport = t;
    }

    /**
     * Options that plan for {@code auto}.
     *
     * @param connections concurrent proxied connections to plan for
     * @param rules a rules file, or null
     * @param json print JSON instead of the table
     * @throws IllegalArgumentException naming the option and the value when the count is out of range
     */
    public TuneOptions(final long connections, final Path rules, final boolean json) {
        this(connections, rules, json, "auto");
    }
}
