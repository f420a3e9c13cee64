package io.jlvs.transport.epoll;

import io.jlvs.core.session.TransportCounters;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The epoll engine's counters, shared by its loops, under the same names as the NIO engine's.
 *
 * <p>Thread-safe (atomic counters).
 */
final class EpollCounters extends TransportCounters {
    final AtomicLong pipeFailures = new AtomicLong();

    Map<String, Long> snapshot() {
        final Map<String, Long> m = new LinkedHashMap<>();
        putConnectionCounters(m);
        m.put("duplicate_connections", session.duplicateConnections());
        m.put("pipe_failures", pipeFailures.get());
        putUdpCounters(m);
        return m;
    }
}
