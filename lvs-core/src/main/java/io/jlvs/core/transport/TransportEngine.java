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

    /**
     * Installs flows another director placed (its sync master's UDP flows, at takeover) into this engine's own flow
     * tables, each bound to the real server it had, with its remaining timeout, and listed by {@link #connections()};
     * the client's next datagram continues to that server whichever event loop receives it. A flow whose service
     * this engine does not serve, or whose real server is gone or down, is dropped and counted. An entry the engine
     * created for the same flow meanwhile (a datagram that arrived between binding and the import) is replaced.
     *
     * <p>This default is for engines that cannot import flows: it imports nothing and counts every flow as
     * {@link FlowImportResult#unsupported}; the caller then knows such flows are scheduled afresh.
     *
     * @param flows the flows to import
     * @return what happened to them, each counted once
     */
    default FlowImportResult importFlows(final List<FlowImport> flows) {
        return FlowImportResult.unsupported(flows.size());
    }
}
