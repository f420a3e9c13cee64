package io.jlvs.core.listing;

import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.VirtualService;

import java.util.Locale;

/**
 * What a real server is doing, in one word, as a status page or a metric shows it. When several apply, the first
 * in this order wins: DOWN, INHIBITED, OVERLOADED, DRAINING, UP.
 *
 * <p>Immutable.
 */
public enum ServerState {
    /** In rotation and taking new connections. */
    UP,
    /** Out of rotation: health checking took it out (or it was removed from its service). */
    DOWN,
    /** Configured weight 0: no new connections, live ones continue. */
    DRAINING,
    /** Reached its upper connection threshold: no new connections until it falls below the lower one. */
    OVERLOADED,
    /** Health checking failed it with {@code on-down inhibit}: weight 0 for schedulers, still listed. */
    INHIBITED;

    /**
     * Reads a live server's state.
     *
     * @param service its service
     * @param server the server
     * @return the state
     */
    public static ServerState of(final VirtualService service, final RealServer server) {
        if (!server.isAvailable() || service.servers().indexOf(server) < 0) {
            return DOWN;
        }
        if (server.isInhibited()) {
            return INHIBITED;
        }
        if (server.isOverloaded()) {
            return OVERLOADED;
        }
        if (server.config().weight() == 0) {
            return DRAINING;
        }
        return UP;
    }

    /**
     * Whether health checking has the server up (every state but DOWN and INHIBITED): what {@code jlvs_server_up}
     * reports.
     *
     * @return true if up
     */
    public boolean healthy() {
        return this != DOWN && this != INHIBITED;
    }

    /**
     * The state in lower case, for JSON and labels.
     *
     * @return for example {@code draining}
     */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
