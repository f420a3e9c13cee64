package io.jlvs.core.session;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the sessions of one engine decided, counted: connect failures and timeouts, redispatches, connections with no
 * destination, sorry answers, bad or late PROXY headers, resets, refused duplicates.
 *
 * <p>Thread-safe (atomic counters; every event loop adds to them).
 */
public final class SessionCounters {
    final AtomicLong connectFailures = new AtomicLong();
    final AtomicLong connectTimeouts = new AtomicLong();
    final AtomicLong redispatches = new AtomicLong();
    final AtomicLong noDestination = new AtomicLong();
    final AtomicLong sorryServer = new AtomicLong();
    final AtomicLong sorryFile = new AtomicLong();
    final AtomicLong proxyHeaderErrors = new AtomicLong();
    final AtomicLong proxyHeaderTimeouts = new AtomicLong();
    final AtomicLong resets = new AtomicLong();
    final AtomicLong duplicateConnections = new AtomicLong();
    final AtomicLong localPortsExhausted = new AtomicLong();
    final AtomicLong[] idleTimeouts = {new AtomicLong(), new AtomicLong(), new AtomicLong(), new AtomicLong()};

    /**
     * Makes zeroed counters.
     */
    public SessionCounters() {
    }

    /**
     * Counts a reset the transport saw outside a session (for example a UDP port-unreachable).
     */
    public void countReset() {
        resets.incrementAndGet();
    }

    /**
     * Adds the counters under their engine names, in a fixed order, between the transport's own.
     *
     * @param out where to put them
     * @param first which group: true for the ones listed before the transport's PROXY-header counters
     */
    public void putInto(final Map<String, Long> out, final boolean first) {
        if (first) {
            out.put("connect_failures", connectFailures.get());
            out.put("connect_timeouts", connectTimeouts.get());
            out.put("redispatches", redispatches.get());
            out.put("no_destination", noDestination.get());
            out.put("sorry_server", sorryServer.get());
            out.put("sorry_file", sorryFile.get());
            out.put("proxy_header_errors", proxyHeaderErrors.get());
            out.put("proxy_header_timeouts", proxyHeaderTimeouts.get());
            out.put("local_port_exhausted", localPortsExhausted.get());
            for (final Session.IdleTimeout t : Session.IdleTimeout.values()) {
                out.put(t.counter(), idleTimeouts[t.ordinal()].get());
            }
        } else {
            out.put("resets", resets.get());
        }
    }

    /**
     * Connections to real servers that found no local address and port to connect from (the ephemeral range of
     * every source address was in use), since the director started.
     *
     * @return the count
     */
    public long localPortsExhausted() {
        return localPortsExhausted.get();
    }

    /**
     * Refused duplicates (a trusted PROXY header naming a live connection's client).
     *
     * @return the count
     */
    public long duplicateConnections() {
        return duplicateConnections.get();
    }
}
