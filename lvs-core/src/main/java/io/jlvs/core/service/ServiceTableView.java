package io.jlvs.core.service;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.config.DirectorConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.Timeouts;
import io.jlvs.core.stats.StatsCounters;

import java.net.InetAddress;
import java.util.Collection;

/**
 * A read-only view of a director's service table: which services exist, how a destination finds its service, the
 * timeouts, the director-wide statistics, and change notifications. What {@code LoadBalancer.services()} returns:
 * the table cannot be changed through it (services and servers are added, edited and removed through the
 * {@code LoadBalancer}, which binds and unbinds listeners and rolls a change back when that fails).
 *
 * <p>The services it returns are the live ones: their counters move as traffic flows.
 *
 * <p>Thread-safe: reads see the latest published snapshot without locking.
 */
public interface ServiceTableView {
    /**
     * The services, in the order they were added.
     *
     * @return an unmodifiable view of the current snapshot
     */
    Collection<VirtualService> services();

    /**
     * Finds a service.
     *
     * @param key its key
     * @return the service or null
     */
    VirtualService service(ServiceKey key);

    /**
     * Finds the service for a packet or connection as IPVS does: the exact (protocol, address, port), else a
     * port-0 service on that address.
     *
     * @param protocol the protocol
     * @param address the destination address
     * @param port the destination port
     * @return the service or null
     */
    VirtualService lookup(Protocol protocol, InetAddress address, int port);

    /**
     * The timeouts.
     *
     * @return the current timeouts
     */
    Timeouts timeouts();

    /**
     * The director-wide statistics.
     *
     * @return the counters
     */
    StatsCounters totals();

    /**
     * The configuration the live table holds now.
     *
     * @return an immutable configuration
     */
    DirectorConfig config();

    /**
     * Adds a listener that hears of every later change, on the thread that made it.
     *
     * @param listener the listener
     */
    void addListener(ServiceTable.Listener listener);

    /**
     * Removes a listener.
     *
     * @param listener the listener
     */
    void removeListener(ServiceTable.Listener listener);
}
