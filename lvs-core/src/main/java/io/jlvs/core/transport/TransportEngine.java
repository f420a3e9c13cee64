package io.jlvs.core.transport;

import io.jlvs.core.listing.ConnectionSnapshot;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

/**
 * A running forwarding engine.
 *
 * <p>Implementations must be thread-safe.
 */
public interface TransportEngine {
    /**
     * Stops accepting, lets live connections finish until the deadline, then closes what is left and stops every
     * thread. Blocks until done.
     *
     * @param drainNanos how long live connections may take to finish
     */
    void close(long drainNanos);

    /**
     * Every tracked connection and template, for {@code ipvsadm -Lnc}; each event loop copies its table in small
     * chunks so no loop stalls.
     *
     * @return the rows
     */
    List<ConnectionSnapshot> connections();

    /**
     * The connection tables' total bucket count (printed as {@code size=} in listings).
     *
     * @return the count
     */
    int connectionTableSize();

    /**
     * Proxied connections that still hold sockets.
     *
     * @return the count
     */
    int liveConnections();

    /**
     * The addresses the engine listens on.
     *
     * @return the bound addresses
     */
    List<InetSocketAddress> listening();

    /**
     * Engine counters by name (accept pauses, malformed PROXY headers, connect failures, ...).
     *
     * @return a snapshot
     */
    Map<String, Long> counters();

    /**
     * Whether the engine's threads are all working: each event loop, health-check or other thread the engine depends
     * on that died is a problem naming it. An engine that runs no threads of its own has nothing to report and may
     * keep this default.
     *
     * @return the engine's health
     */
    default Health health() {
        return Health.OK;
    }
}
