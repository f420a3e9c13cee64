package io.jlvs.transport.nio;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The engine's counters, shared by its loops.
 *
 * <p>Thread-safe.
 */
final class Counters {
    final AtomicLong accepted = new AtomicLong();
    final AtomicLong acceptPauses = new AtomicLong();
    final AtomicLong connectFailures = new AtomicLong();
    final AtomicLong connectTimeouts = new AtomicLong();
    final AtomicLong redispatches = new AtomicLong();
    final AtomicLong noDestination = new AtomicLong();
    final AtomicLong sorryServer = new AtomicLong();
    final AtomicLong sorryFile = new AtomicLong();
    final AtomicLong proxyHeaderErrors = new AtomicLong();
    final AtomicLong proxyHeaderTimeouts = new AtomicLong();
    final AtomicLong maxConnsPauses = new AtomicLong();
    final AtomicLong resets = new AtomicLong();
    final AtomicLong idleExpired = new AtomicLong();
    final AtomicLong handlerErrors = new AtomicLong();
    final AtomicLong udpFlowsDropped = new AtomicLong();
    final AtomicLong udpTruncated = new AtomicLong();
    final AtomicLong udpPortUnreachable = new AtomicLong();
    final AtomicLong udpNoDestination = new AtomicLong();
    final AtomicLong duplicateConnections = new AtomicLong();
    final AtomicLong bufferWaits = new AtomicLong();
    final AtomicLong loopRestarts = new AtomicLong();

    Map<String, Long> snapshot() {
        final Map<String, Long> m = new LinkedHashMap<>();
        m.put("accepted", accepted.get());
        m.put("accept_pauses", acceptPauses.get());
        m.put("connect_failures", connectFailures.get());
        m.put("connect_timeouts", connectTimeouts.get());
        m.put("redispatches", redispatches.get());
        m.put("no_destination", noDestination.get());
        m.put("sorry_server", sorryServer.get());
        m.put("sorry_file", sorryFile.get());
        m.put("proxy_header_errors", proxyHeaderErrors.get());
        m.put("proxy_header_timeouts", proxyHeaderTimeouts.get());
        m.put("max_conns_pauses", maxConnsPauses.get());
        m.put("resets", resets.get());
        m.put("idle_expired", idleExpired.get());
        m.put("handler_errors", handlerErrors.get());
        m.put("udp_flows_dropped", udpFlowsDropped.get());
        m.put("udp_truncated", udpTruncated.get());
        m.put("udp_port_unreachable", udpPortUnreachable.get());
        m.put("udp_no_destination", udpNoDestination.get());
        m.put("duplicate_connections", duplicateConnections.get());
        m.put("buffer_waits", bufferWaits.get());
        m.put("loop_restarts", loopRestarts.get());
        return m;
    }
}
