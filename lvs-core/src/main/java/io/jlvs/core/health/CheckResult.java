package io.jlvs.core.health;

/**
 * The outcome of one check.
 *
 * <p>Immutable.
 *
 * @param success whether the server passed
 * @param reason what was seen, for example {@code connected in 2 ms} or {@code HTTP 500}
 */
public record CheckResult(boolean success, String reason) {
    /**
     * A pass.
     *
     * @param reason what was seen
     * @return the result
     */
    public static CheckResult pass(final String reason) {
        return new CheckResult(true, reason);
    }

    /**
     * A failure.
     *
     * @param reason what went wrong
     * @return the result
     */
    public static CheckResult fail(final String reason) {
        return new CheckResult(false, reason);
    }
}
