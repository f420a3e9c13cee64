package io.jlvs.core.health;

/**
 * A real server's health.
 *
 * <p>Immutable.
 */
public enum HealthState {
    /** In rotation. */
    UP,
    /** Out of rotation (or inhibited). */
    DOWN
}
