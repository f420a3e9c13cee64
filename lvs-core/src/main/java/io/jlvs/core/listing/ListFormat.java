package io.jlvs.core.listing;

/**
 * The service listing modes of {@code ipvsadm -L}.
 *
 * <p>Immutable.
 */
public enum ListFormat {
    /** {@code -Ln}: scheduler, flags, forwarding, weight, ActiveConn, InActConn. */
    DEFAULT,
    /** {@code -Ln --stats}: connections, packets and bytes. */
    STATS,
    /** {@code -Ln --rate}: connections, packets and bytes per second. */
    RATE,
    /** {@code -Ln --thresholds}: upper and lower thresholds with the connection counts. */
    THRESHOLDS,
    /** {@code -Ln --persistent-conn}: weight, persistent, active and inactive connections. */
    PERSISTENT_CONN
}
