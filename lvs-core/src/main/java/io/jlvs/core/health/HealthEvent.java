package io.jlvs.core.health;

import io.jlvs.core.config.ServiceKey;

/**
 * A transition: a server going UP or DOWN, or a service losing or regaining quorum.
 *
 * <p>Immutable.
 *
 * @param service the service
 * @param server the server's {@code address:port}, or null for a quorum event
 * @param state the new state (for a quorum event: DOWN = quorum lost, sorry response on)
 * @param check the check that decided (for example {@code http}, {@code passive}, {@code quorum})
 * @param reason what was seen last
 * @param atNanos the clock's time
 */
public record HealthEvent(ServiceKey service, String server, HealthState state, String check, String reason,
    long atNanos) {
    @Override
    public String toString() {
        if (server == null) {
            return service + ": " + (state == HealthState.DOWN ? "quorum lost, sorry response on" : "quorum back")
                + " (" + reason + ")";
        }
        return service + ": real server " + server + " is " + state + " (" + check + ": " + reason + ")";
    }
}
