package io.jlvs.core.sched;

/**
 * Picks a real server for each new connection (or, with one-packet scheduling, each datagram) of one service.
 *
 * <p>Life cycle, as IPVS's scheduler modules have it: {@link #init} with the service's current server list, then
 * picks, with {@link #onServerAdded}, {@link #onServerRemoved} and {@link #onServerUpdated} after every change of
 * the list or of a server's weight or thresholds, and finally {@link #done}. A scheduler whose IPVS counterpart has
 * no hook for an event leaves its decision state alone for that event (for example {@code dh} keeps its bucket
 * table when a weight changes), but always sees the new list.
 *
 * <p>A scheduler sees servers only through the read-only {@link ServerView} and {@link ServerListView}: it picks,
 * it does not account. What it returns from {@link #schedule} is one of the servers of the list it was last given.
 *
 * <p>Threading: the hooks are called by one thread at a time (the control plane). {@link #schedule} is thread-safe,
 * lock-free and allocation-free: many event loops and application threads call it at once.
 *
 * <pre>{@code
 * ServerView s = scheduler.schedule(flow);
 * if (s == null) {
 *     // "no destination available": no eligible server
 * }
 * }</pre>
 */
public interface Scheduler {
    /**
     * The name this scheduler is registered under, for example {@code wlc}.
     *
     * @return the name
     */
    String name();

    /**
     * Called once, before any pick, with the service's servers.
     *
     * @param servers the current list, most recently added first
     */
    void init(ServerListView servers);

    /**
     * Picks a real server.
     *
     * @param flow the connection or datagram to place
     * @return the server, or null when none is eligible ("no destination available")
     */
    ServerView schedule(Flow flow);

    /**
     * A server was added (at the front of the list).
     *
     * @param servers the new list
     * @param server the added server
     */
    void onServerAdded(ServerListView servers, ServerView server);

    /**
     * A server was removed.
     *
     * @param servers the new list
     * @param server the removed server
     * @param formerIndex where it was in the old list
     */
    void onServerRemoved(ServerListView servers, ServerView server, int formerIndex);

    /**
     * A server's weight or thresholds changed; the list holds the same servers.
     *
     * @param servers the list (the same servers)
     * @param server the changed server
     */
    void onServerUpdated(ServerListView servers, ServerView server);

    /**
     * The scheduler is no longer used (the service was removed or switched to another scheduler).
     */
    default void done() {
    }

    /**
     * Feedback for latency-aware schedulers: how long a connect (or a request) to a server took. Others ignore
     * it. Thread-safe and allocation-free.
     *
     * @param server the server
     * @param latencyNanos the measured latency
     */
    default void observeLatency(final ServerView server, final long latencyNanos) {
    }

    /**
     * Makes a pick (it advances a stateful scheduler like any pick) and explains it: every server with whether it
     * was a candidate and, if not, why. For debugging, off the hot path: it allocates.
     *
     * @param flow the flow
     * @return the explanation
     */
    default Explanation explain(final Flow flow) {
        return Explanation.of(this, flow);
    }

    /**
     * The server list this scheduler last saw.
     *
     * @return the list
     */
    ServerListView servers();
}
