package io.jlvs.transport.nio;

import io.jlvs.core.session.SessionCounters;
import io.jlvs.core.session.TransportCounters;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The engine's counters, shared by its loops: the transport's own, and the sessions' ({@link SessionCounters}).
 *
 * <p>Thread-safe.
 */
final class Counters extends TransportCounters {
    final AtomicLong bufferWaits = new AtomicLong();
    final AtomicLong loopRestarts = new AtomicLong();

    Map<String, Long> snapshot() {
        final Map<String, Long> m = new LinkedHashMap<>();
        putConnectionCounters(m);
        putUdpCounters(m);
        m.put("duplicate_connections", session.duplicateConnections());
        m.put("buffer_waits", bufferWaits.get());
        m.put("loop_restarts", loopRestarts.get());
        return m;
    }
}
