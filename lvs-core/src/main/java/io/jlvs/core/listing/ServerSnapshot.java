package io.jlvs.core.listing;

import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.stats.StatsSnapshot;

/**
 * A real server at one moment.
 *
 * <p>Immutable.
 *
 * @param config its configuration
 * @param weight the weight schedulers used (differs from the configured one during slow start)
 * @param activeConns ActiveConn
 * @param inactiveConns InActConn
 * @param persistConns PersistConn
 * @param flags {@link RealServer#AVAILABLE} and {@link RealServer#OVERLOAD} bits
 * @param stats statistics
 */
public record ServerSnapshot(RealServerConfig config, int weight, int activeConns, int inactiveConns,
    int persistConns, int flags, StatsSnapshot stats) {
    /**
     * Reads a live server.
     *
     * @param s the server
     * @return its snapshot
     */
    public static ServerSnapshot of(final RealServer s) {
        return new ServerSnapshot(s.config(), s.weight(), s.activeConns(), s.inactiveConns(), s.persistConns(),
            s.flags(), s.stats().snapshot());
    }
}
