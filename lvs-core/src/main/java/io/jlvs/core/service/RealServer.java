package io.jlvs.core.service;

import io.jlvs.core.config.ForwardingMethod;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.net.Addresses;
import io.jlvs.core.sched.ServerView;
import io.jlvs.core.sched.WeightScaling;
import io.jlvs.core.stats.LatencyStats;
import io.jlvs.core.stats.StatsCounters;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * A real server of one virtual service, live: its configuration, the weight schedulers see, its active, inactive
 * and persistent connection counters, and the AVAILABLE and OVERLOAD flags.
 *
 * <p>Counters move only at IPVS's points (IPVS.md 2.2): {@link #bindConnection()} when a connection is bound
 * (counted inactive), {@link #connectionActivated()} / {@link #connectionDeactivated()} when its state crosses
 * between the active states (SYN_SENT, SYN_RECV, ESTABLISHED, SYNACK) and the others, and
 * {@link #unbindConnection(boolean)} when it ends; templates use {@link #bindTemplate()} and
 * {@link #unbindTemplate()}. OVERLOAD is set and cleared exactly there (IPVS.md 2.3): set at a bind when the upper
 * threshold is non-zero and active plus inactive reach it; cleared at an unbind when they fall below the lower
 * threshold, or below three quarters of the upper threshold when there is no lower one, or at once when there are
 * no thresholds; and cleared by an edit that removes or raises the upper threshold.
 *
 * <p>Schedulers see it as a read-only {@link ServerView} (and, for slow start, {@link WeightScaling}); the
 * mutators here ({@link #bindConnection()}, {@link #update}, {@link #connectFailed()}, ...) are the engine's.
 *
 * <p>Thread-safe: counters and flags are atomics updated lock-free from any event loop; configuration fields are
 * volatile and written only by the control plane. The operational figures ({@link #connectFailuresTotal()},
 * {@link #connectLatency()}, {@link #checkLatency()}, {@link #lastCheck()}) are written by whoever observes them
 * (event loops, the health thread) and read by anyone.
 */
public final class RealServer implements ServerView, WeightScaling {
    /** Flag bit: the server is in its service (not deleted). */
    public static final int AVAILABLE = 0x1;
    /** Flag bit: the server reached its upper threshold. */
    public static final int OVERLOAD = 0x2;

    private static final VarHandle ACTIVE;
    private static final VarHandle INACTIVE;
    private static final VarHandle PERSIST;
    private static final VarHandle FLAGS;
    private static final VarHandle CONNECT_FAILURES;

    static {
        try {
            final MethodHandles.Lookup l = MethodHandles.lookup();
            ACTIVE = l.findVarHandle(RealServer.class, "activeConns", int.class);
            INACTIVE = l.findVarHandle(RealServer.class, "inactiveConns", int.class);
            PERSIST = l.findVarHandle(RealServer.class, "persistConns", int.class);
            FLAGS = l.findVarHandle(RealServer.class, "flags", int.class);
            CONNECT_FAILURES = l.findVarHandle(RealServer.class, "connectFailures", int.class);
        } catch (final ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final InetAddress address;
    private final int port;
    private final int addressFold;
    private final InetSocketAddress socketAddress;
    private final StatsCounters stats = new StatsCounters();
    private final java.util.concurrent.atomic.AtomicLong connectFailuresTotal =
        new java.util.concurrent.atomic.AtomicLong();
    private final LatencyStats connectLatency = new LatencyStats();
    private final LatencyStats checkLatency = new LatencyStats();
    private volatile LastCheck lastCheck;

    private volatile RealServerConfig config;
    private volatile int weight;
    private volatile int lastWeight;
    private volatile double weightFactor = 1.0;
    private volatile boolean inhibited;
    private volatile java.util.concurrent.atomic.AtomicInteger overloadCounter;
    private volatile int upperThreshold;
    private volatile int lowerThreshold;

    @SuppressWarnings("unused") // accessed through VarHandles
    private volatile int activeConns;
    @SuppressWarnings("unused")
    private volatile int inactiveConns;
    @SuppressWarnings("unused")
    private volatile int persistConns;
    @SuppressWarnings("unused")
    private volatile int flags;
    @SuppressWarnings("unused")
    private volatile int connectFailures;

    /**
     * Makes a server from its configuration, AVAILABLE and not overloaded. Services make their servers; a
     * scheduler test or an application balancing its own pool may make them directly.
     *
     * @param config the configuration
     */
    public RealServer(final RealServerConfig config) {
        this.address = config.address();
        this.port = config.port();
        this.addressFold = Addresses.fold(address);
        this.socketAddress = new InetSocketAddress(address, port);
        this.config = config;
        this.weight = config.weight();
        this.lastWeight = config.weight();
        this.upperThreshold = config.upperThreshold();
        this.lowerThreshold = config.lowerThreshold();
        this.flags = AVAILABLE;
    }

    /**
     * Makes a server with the given weight, for tests and client-side pools.
     *
     * @param address an address literal
     * @param port the port
     * @param weight the weight
     * @return the server
     */
    public static RealServer of(final String address, final int port, final int weight) {
        return new RealServer(RealServerConfig.builder(address, port).weight(weight).build());
    }

    /**
     * Applies an edit ({@code -e}): weight, thresholds, options. The OVERLOAD flag is cleared when the new upper
     * threshold is 0 or higher than the old one. Called by the control plane.
     *
     * @param newConfig the new configuration for the same address and port
     */
    public void update(final RealServerConfig newConfig) {
        if (!newConfig.sameEndpoint(address, port)) {
            throw new IllegalArgumentException("server: " + newConfig.addressAndPort() + " (expected: "
                + addressAndPort() + ")");
        }
        if (newConfig.upperThreshold() == 0 || newConfig.upperThreshold() > upperThreshold) {
            clearFlag(OVERLOAD);
        }
        this.config = newConfig;
        this.upperThreshold = newConfig.upperThreshold();
        this.lowerThreshold = newConfig.lowerThreshold();
        if (newConfig.weight() > 0) {
            this.lastWeight = newConfig.weight();
        }
        applyWeight();
    }

    /**
     * Scales the weight schedulers see (slow start). With a factor below 1 a server of non-zero weight keeps at
     * least weight 1.
     *
     * @param factor in (0, 1]
     */
    @Override
    public void weightFactor(final double factor) {
        if (!(factor > 0.0 && factor <= 1.0)) {
            throw new IllegalArgumentException("weightFactor: " + factor + " (expected: (0, 1])");
        }
        this.weightFactor = factor;
        applyWeight();
    }

    /**
     * keepalived's {@code inhibit_on_failure}: while inhibited the weight schedulers see is 0 (the configured
     * weight is kept for when it ends). Called by the control plane (health checking).
     *
     * @param on whether the server is inhibited
     */
    public void inhibited(final boolean on) {
        this.inhibited = on;
        applyWeight();
    }

    /**
     * Whether health checking inhibited the server (weight 0).
     *
     * @return true if inhibited
     */
    public boolean isInhibited() {
        return inhibited;
    }

    private void applyWeight() {
        final int w = inhibited ? 0 : config.weight();
        final double f = weightFactor;
        this.weight = f >= 1.0 || w == 0 ? w : Math.max(1, (int) Math.round(w * f));
    }

    /**
     * The configuration.
     *
     * @return the configuration
     */
    public RealServerConfig config() {
        return config;
    }

    /**
     * The address.
     *
     * @return the address
     */
    @Override
    public InetAddress address() {
        return address;
    }

    /**
     * The port.
     *
     * @return the port
     */
    @Override
    public int port() {
        return port;
    }

    /**
     * The address folded to 32 bits as IPVS hashes it.
     *
     * @return the number
     */
    @Override
    public int addressFold() {
        return addressFold;
    }

    /**
     * The address and port to connect to.
     *
     * @return the socket address
     */
    public InetSocketAddress socketAddress() {
        return socketAddress;
    }

    /**
     * {@code address:port} as ipvsadm prints it.
     *
     * @return the text
     */
    @Override
    public String addressAndPort() {
        return Addresses.formatWithPort(address, port);
    }

    /**
     * The forwarding method.
     *
     * @return always MASQ for a running JLVS server
     */
    public ForwardingMethod forwarding() {
        return config.forwarding();
    }

    /**
     * The weight schedulers use: the configured weight, scaled during slow start.
     *
     * @return the weight
     */
    @Override
    public int weight() {
        return weight;
    }

    @Override
    public int configuredWeight() {
        return config.weight();
    }

    /**
     * The most recent non-zero configured weight (what {@code mh} builds its table from), 0 if the server never
     * had one.
     *
     * @return the weight
     */
    @Override
    public int lastWeight() {
        return lastWeight;
    }

    /**
     * The slow-start factor currently applied, 1.0 when none.
     *
     * @return the factor
     */
    @Override
    public double weightFactor() {
        return weightFactor;
    }

    /**
     * The upper threshold.
     *
     * @return 0 for none
     */
    @Override
    public int upperThreshold() {
        return upperThreshold;
    }

    /**
     * The lower threshold.
     *
     * @return 0 for none
     */
    @Override
    public int lowerThreshold() {
        return lowerThreshold;
    }

    /**
     * Active connections (ActiveConn).
     *
     * @return the count
     */
    @Override
    public int activeConns() {
        return (int) ACTIVE.getVolatile(this);
    }

    /**
     * Inactive connections (InActConn).
     *
     * @return the count
     */
    @Override
    public int inactiveConns() {
        return (int) INACTIVE.getVolatile(this);
    }

    /**
     * Persistence templates pointing at this server (PersistConn).
     *
     * @return the count
     */
    @Override
    public int persistConns() {
        return (int) PERSIST.getVolatile(this);
    }

    /**
     * IPVS's load figure for the lc family: {@code active * 256 + inactive}.
     *
     * @return the overhead
     */
    @Override
    public int overhead() {
        return (activeConns() << 8) + inactiveConns();
    }

    /**
     * Whether the server is still in its service.
     *
     * @return true if AVAILABLE
     */
    @Override
    public boolean isAvailable() {
        return ((int) FLAGS.getVolatile(this) & AVAILABLE) != 0;
    }

    /**
     * Whether the server is over its upper threshold.
     *
     * @return true if OVERLOAD
     */
    @Override
    public boolean isOverloaded() {
        return ((int) FLAGS.getVolatile(this) & OVERLOAD) != 0;
    }

    /**
     * The flag bits.
     *
     * @return {@link #AVAILABLE} and {@link #OVERLOAD} bits
     */
    public int flags() {
        return (int) FLAGS.getVolatile(this);
    }

    /**
     * Sets or clears AVAILABLE. Called by the control plane when the server is removed, re-added, or marked
     * down and up by health checking.
     *
     * @param available the new state
     */
    public void available(final boolean available) {
        if (available) {
            setFlag(AVAILABLE);
        } else {
            clearFlag(AVAILABLE);
        }
    }

    /**
     * The server's statistics.
     *
     * @return the counters
     */
    public StatsCounters stats() {
        return stats;
    }

    /**
     * A connection was bound to this server: counted inactive, then OVERLOAD is set if the threshold is reached.
     */
    public void bindConnection() {
        INACTIVE.getAndAdd(this, 1);
        checkOverloadOnBind();
    }

    /**
     * A persistence template was bound to this server.
     */
    public void bindTemplate() {
        PERSIST.getAndAdd(this, 1);
        checkOverloadOnBind();
    }

    /**
     * A bound connection entered an active state.
     */
    public void connectionActivated() {
        ACTIVE.getAndAdd(this, 1);
        INACTIVE.getAndAdd(this, -1);
    }

    /**
     * A bound connection left the active states.
     */
    public void connectionDeactivated() {
        INACTIVE.getAndAdd(this, 1);
        ACTIVE.getAndAdd(this, -1);
    }

    /**
     * A connection ended.
     *
     * @param wasActive whether it was counted active
     */
    public void unbindConnection(final boolean wasActive) {
        if (wasActive) {
            ACTIVE.getAndAdd(this, -1);
        } else {
            INACTIVE.getAndAdd(this, -1);
        }
        checkOverloadOnUnbind();
    }

    /**
     * A persistence template ended.
     */
    public void unbindTemplate() {
        PERSIST.getAndAdd(this, -1);
        checkOverloadOnUnbind();
    }

    /**
     * Real traffic failed to connect to this server (passive health checking).
     *
     * @return consecutive failures so far
     */
    public int connectFailed() {
        connectFailuresTotal.getAndIncrement();
        return (int) CONNECT_FAILURES.getAndAdd(this, 1) + 1;
    }

    /**
     * Real traffic connected: the consecutive failure count restarts. Writes only when it was not 0, so the common
     * case does not dirty a shared cache line.
     */
    public void connectSucceeded() {
        if ((int) CONNECT_FAILURES.getOpaque(this) != 0) {
            CONNECT_FAILURES.setVolatile(this, 0);
        }
    }

    /**
     * Consecutive failed connects of real traffic.
     *
     * @return the count
     */
    public int consecutiveConnectFailures() {
        return (int) CONNECT_FAILURES.getVolatile(this);
    }

    /**
     * Failed connects of real traffic since the server was made (every call of {@link #connectFailed()}; unlike
     * the consecutive count it never restarts, and {@code -Z} does not zero it).
     *
     * @return the count
     */
    public long connectFailuresTotal() {
        return connectFailuresTotal.get();
    }

    /**
     * How long connects of real traffic to this server took, from the connect call to its completion; the
     * transport records into it when a connect completes.
     *
     * @return the summary
     */
    public LatencyStats connectLatency() {
        return connectLatency;
    }

    /**
     * How long health checks of this server took to give their result.
     *
     * @return the summary
     */
    public LatencyStats checkLatency() {
        return checkLatency;
    }

    /**
     * Records a health check's result (called by health checking).
     *
     * @param passed whether the server passed
     * @param check the check's name
     * @param reason what was seen
     * @param latencyNanos how long the check took, negative if unknown (then not added to {@link #checkLatency()})
     */
    public void checked(final boolean passed, final String check, final String reason, final long latencyNanos) {
        if (latencyNanos >= 0) {
            checkLatency.record(latencyNanos);
        }
        lastCheck = new LastCheck(passed, check, reason, latencyNanos < 0 ? -1 : latencyNanos,
            System.currentTimeMillis());
    }

    /**
     * The most recent health check's result.
     *
     * @return the result, or null if the server was never checked
     */
    public LastCheck lastCheck() {
        return lastCheck;
    }

    /**
     * One health check's result, as {@link #lastCheck()} keeps it.
     *
     * <p>Immutable.
     *
     * @param passed whether the server passed
     * @param check the check's name ({@code tcp}, {@code http}, ...)
     * @param reason what was seen, for example {@code connected in 2 ms}
     * @param latencyNanos how long the check took, -1 if unknown
     * @param atEpochMillis when the result came, wall-clock milliseconds
     */
    public record LastCheck(boolean passed, String check, String reason, long latencyNanos, long atEpochMillis) {
    }

    private void checkOverloadOnBind() {
        final int u = upperThreshold;
        if (u != 0 && activeConns() + inactiveConns() >= u) {
            setFlag(OVERLOAD);
        }
    }

    private void checkOverloadOnUnbind() {
        final int total = activeConns() + inactiveConns();
        final int l = lowerThreshold;
        final int u = upperThreshold;
        if (l != 0) {
            if (total < l) {
                clearFlag(OVERLOAD);
            }
        } else if (u != 0) {
            if ((long) total * 4 < (long) u * 3) {
                clearFlag(OVERLOAD);
            }
        } else {
            clearFlag(OVERLOAD);
        }
    }

    private void setFlag(final int bit) {
        int f;
        do {
            f = (int) FLAGS.getVolatile(this);
            if ((f & bit) != 0) {
                return;
            }
        } while (!FLAGS.compareAndSet(this, f, f | bit));
        final java.util.concurrent.atomic.AtomicInteger c = overloadCounter;
        if (bit == OVERLOAD && c != null) {
            c.incrementAndGet();
        }
    }

    private void clearFlag(final int bit) {
        int f;
        do {
            f = (int) FLAGS.getVolatile(this);
            if ((f & bit) == 0) {
                return;
            }
        } while (!FLAGS.compareAndSet(this, f, f & ~bit));
        final java.util.concurrent.atomic.AtomicInteger c = overloadCounter;
        if (bit == OVERLOAD && c != null) {
            c.decrementAndGet();
        }
    }

    /**
     * Joins a service's count of overloaded servers (see {@link ServerList#overloaded()}); once per server, by
     * its service.
     *
     * @param counter the service's counter
     */
    void trackOverload(final java.util.concurrent.atomic.AtomicInteger counter) {
        if (overloadCounter == null) {
            overloadCounter = counter;
            if (isOverloaded()) {
                counter.incrementAndGet();
            }
        }
    }

    @Override
    public String toString() {
        return addressAndPort() + " w=" + weight + " a=" + activeConns() + " i=" + inactiveConns()
            + (isOverloaded() ? " OVERLOAD" : "") + (isAvailable() ? "" : " UNAVAILABLE");
    }
}
