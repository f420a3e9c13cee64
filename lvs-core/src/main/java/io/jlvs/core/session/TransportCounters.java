package io.jlvs.core.session;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The counters every socket transport's engine keeps beside its sessions' ({@link SessionCounters}), under the names
 * its {@code counters()} map shows; a transport extends this with its own. An engine internal for transports, not
 * an API for applications.
 *
 * <p>Thread-safe: atomic counters, added to by every event loop of the engine and read by any thread.
 */
public class TransportCounters {
    /** What the engine's sessions decided. */
    public final SessionCounters session = new SessionCounters();
    /** Connections accepted. */
    public final AtomicLong accepted = new AtomicLong();
    /** Times a listener stopped accepting for a while (out of descriptors). */
    public final AtomicLong acceptPauses = new AtomicLong();
    /** Times a listener stopped accepting because its service reached its connection limit. */
    public final AtomicLong maxConnsPauses = new AtomicLong();
    /** Connection-table entries that expired idle. */
    public final AtomicLong idleExpired = new AtomicLong();
    /** Handlers or loop commands that threw (each cost only its connection). */
    public final AtomicLong handlerErrors = new AtomicLong();
    /** UDP flows not made because the flow limit was reached. */
    public final AtomicLong udpFlowsDropped = new AtomicLong();
    /** UDP datagrams cut to the receive buffer. */
    public final AtomicLong udpTruncated = new AtomicLong();
    /** ICMP port-unreachable answers a UDP flow's server socket reported. */
    public final AtomicLong udpPortUnreachable = new AtomicLong();
    /** UDP datagrams dropped because no server could take them. */
    public final AtomicLong udpNoDestination = new AtomicLong();

    /** Makes zeroed counters. */
    public TransportCounters() {
    }

    /**
     * Puts the connection counters, the sessions' among them, first in a transport's map, in their fixed order
     * ({@code accepted} to {@code handler_errors}).
     *
     * @param m the map being filled, in insertion order
     */
    protected final void putConnectionCounters(final Map<String, Long> m) {
        m.put("accepted", accepted.get());
        m.put("accept_pauses", acceptPauses.get());
        session.putInto(m, true);
        m.put("max_conns_pauses", maxConnsPauses.get());
        session.putInto(m, false);
        m.put("idle_expired", idleExpired.get());
        m.put("handler_errors", handlerErrors.get());
    }

    /**
     * Puts the UDP counters ({@code udp_flows_dropped} to {@code udp_no_destination}).
     *
     * @param m the map being filled, in insertion order
     */
    protected final void putUdpCounters(final Map<String, Long> m) {
        m.put("udp_flows_dropped", udpFlowsDropped.get());
        m.put("udp_truncated", udpTruncated.get());
        m.put("udp_port_unreachable", udpPortUnreachable.get());
        m.put("udp_no_destination", udpNoDestination.get());
    }
}
