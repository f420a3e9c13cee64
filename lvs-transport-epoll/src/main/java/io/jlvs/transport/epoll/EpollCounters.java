package io.jlvs.transport.epoll;

import io.jlvs.core.session.SessionCounters;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The epoll engine's counters, shared by its loops, under the same names as the NIO engine's.
 *
 * <p>Thread-safe (atomic counters).
 */
final class EpollCounters {
    final SessionCounters session = new SessionCounters();
    final AtomicLong accepted = new AtomicLong();
    final AtomicLong acceptPauses = new AtomicLong();
    final AtomicLong maxConnsPauses = new AtomicLong();
    final AtomicLong idleExpired = new AtomicLong();
    final AtomicLong handlerErrors = new AtomicLong();
    final AtomicLong pipeFailures = new AtomicLong();
    final AtomicLong udpFlowsDropped = new AtomicLong();
    final AtomicLong udpTruncated = new AtomicLong();
    final AtomicLong udpPortUnreachable = new AtomicLong();
    final AtomicLong udpNoDestination = new AtomicLong();

    Map<String, Long> snapshot() {
        final Map<String, Long> m = new LinkedHashMap<>();
        m.put("accepted", accepted.get());
        m.put("accept_pauses", acceptPauses.get());
        session.putInto(m, true);
        m.put("max_conns_pauses", maxConnsPauses.get());
        session.putInto(m, false);
        m.put("idle_expired", idleExpired.get());
        m.put("handler_errors", handlerErrors.get());
        m.put("duplicate_connections", session.duplicateConnections());
        m.put("pipe_failures", pipeFailures.get());
        m.put("udp_flows_dropped", udpFlowsDropped.get());
        m.put("udp_truncated", udpTruncated.get());
        m.put("udp_port_unreachable", udpPortUnreachable.get());
        m.put("udp_no_destination", udpNoDestination.get());
        return m;
    }
}
