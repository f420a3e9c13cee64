package io.jlvs.core.sched;

import java.net.InetAddress;

/**
 * What a scheduler may know of a real server: its address, the weight it should use, its connection counters and
 * its AVAILABLE and OVERLOAD flags. Read-only: a scheduler sees the server through this view and cannot bind or
 * unbind connections, edit the server or report connect failures (those belong to the engine). The one thing a
 * scheduler may change, the slow-start scaling of the weight, is offered separately by {@link WeightScaling}.
 *
 * <p>Implementations are thread-safe: counters and flags are read lock-free by any thread, and every method is
 * allocation-free except {@link #addressAndPort()}. A scheduler returns from {@link Scheduler#schedule} one of the
 * views its list holds, never a view of its own making.
 */
public interface ServerView {
    /**
     * The address.
     *
     * @return the address
     */
    InetAddress address();

    /**
     * The port.
     *
     * @return the port
     */
    int port();

    /**
     * The address folded to 32 bits as IPVS hashes it.
     *
     * @return the number
     */
    int addressFold();

    /**
     * {@code address:port} as ipvsadm prints it (allocates; not for the pick path).
     *
     * @return the text
     */
    String addressAndPort();

    /**
     * The weight schedulers use: the configured weight, scaled during slow start, 0 while inhibited.
     *
     * @return the weight
     */
    int weight();

    /**
     * The weight the server is configured with, before slow start or inhibition.
     *
     * @return the configured weight
     */
    int configuredWeight();

    /**
     * The most recent non-zero configured weight (what {@code mh} builds its table from), 0 if the server never
     * had one.
     *
     * @return the weight
     */
    int lastWeight();

    /**
     * The slow-start factor currently applied, 1.0 when none.
     *
     * @return the factor
     */
    double weightFactor();

    /**
     * The upper connection threshold.
     *
     * @return 0 for none
     */
    int upperThreshold();

    /**
     * The lower connection threshold.
     *
     * @return 0 for none
     */
    int lowerThreshold();

    /**
     * Active connections (ActiveConn).
     *
     * @return the count
     */
    int activeConns();

    /**
     * Inactive connections (InActConn).
     *
     * @return the count
     */
    int inactiveConns();

    /**
     * Persistence templates pointing at this server (PersistConn).
     *
     * @return the count
     */
    int persistConns();

    /**
     * IPVS's load figure for the lc family: {@code active * 256 + inactive}.
     *
     * @return the overhead
     */
    int overhead();

    /**
     * Whether the server is in its service and not marked down.
     *
     * @return true if AVAILABLE
     */
    boolean isAvailable();

    /**
     * Whether the server is over its upper threshold.
     *
     * @return true if OVERLOAD
     */
    boolean isOverloaded();
}
