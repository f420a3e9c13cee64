package io.jlvs.core.transport;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Whether a director (or its engine) can do its work: healthy, or the list of problems, each naming the thread or
 * part that failed (for example {@code jlvs-loop-1 died: java.lang.OutOfMemoryError ...}).
 *
 * <p>Immutable.
 *
 * @param healthy true when nothing is wrong
 * @param problems what is wrong, one line each; empty when healthy
 */
public record Health(boolean healthy, List<String> problems) {
    /** Nothing wrong. */
    public static final Health OK = new Health(true, List.of());

    /**
     * Checks and copies.
     *
     * @param healthy true when nothing is wrong
     * @param problems what is wrong
     * @throws IllegalArgumentException if {@code healthy} disagrees with {@code problems}
     */
    public Health {
        problems = List.copyOf(Objects.requireNonNull(problems, "problems"));
        if (healthy != problems.isEmpty()) {
            throw new IllegalArgumentException("healthy=" + healthy + " with problems " + problems);
        }
    }

    /**
     * The health for a list of problems: healthy when it is empty.
     *
     * @param problems what is wrong
     * @return the health
     */
    public static Health of(final List<String> problems) {
        return problems.isEmpty() ? OK : new Health(false, problems);
    }

    /**
     * Both healths together: healthy when both are, with the problems of both.
     *
     * @param other the other health
     * @return the combination
     */
    public Health and(final Health other) {
        if (other.healthy) {
            return this;
        }
        if (healthy) {
            return other;
        }
        final List<String> all = new ArrayList<>(problems);
        all.addAll(other.problems);
        return new Health(false, all);
    }
}
