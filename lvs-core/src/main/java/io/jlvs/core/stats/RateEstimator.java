package io.jlvs.core.stats;

/**
 * IPVS's rate estimator: every 2 seconds, an exponentially weighted moving average (weight 1/4) of the change of
 * each counter, kept scaled and rounded exactly as the kernel does.
 *
 * <pre>
 *   cpsScaled += ((delta(conns) &lt;&lt; 9) - cpsScaled) &gt;&gt; 2     reported cps = (cpsScaled + 0x1FF) &gt;&gt; 10
 *   bpsScaled += ((delta(bytes) &lt;&lt; 4) - bpsScaled) &gt;&gt; 2     reported bps = (bpsScaled + 0xF) &gt;&gt; 5
 * </pre>
 * The scaling folds the division by the 2-second period into the shifts: {@code << 9} then {@code >> 10} is
 * {@code / 2}. Packet rates use the connection formula. Worked example: steady 100 connections per second from
 * zero read 25, 44, 58, 68, 76, ...
 *
 * <p>Not thread-safe: one thread (the estimation timer) calls {@link #update}; readers go through
 * {@link StatsCounters#snapshot()}, which synchronizes with it.
 */
public final class RateEstimator {
    /** The estimation period of IPVS, in nanoseconds (2 s). */
    public static final long PERIOD_NS = 2_000_000_000L;

    private long lastConns;
    private long lastInPkts;
    private long lastOutPkts;
    private long lastInBytes;
    private long lastOutBytes;
    private long cps;
    private long inPps;
    private long outPps;
    private long inBps;
    private long outBps;

    /**
     * Makes an estimator with every rate zero.
     */
    public RateEstimator() {
    }

    /**
     * Feeds the counters' current raw values; call once per {@link #PERIOD_NS}.
     *
     * @param conns connections
     * @param inPkts incoming packets
     * @param outPkts outgoing packets
     * @param inBytes incoming bytes
     * @param outBytes outgoing bytes
     */
    public void update(final long conns, final long inPkts, final long outPkts, final long inBytes,
        final long outBytes) {
        cps += ((conns - lastConns << 9) - cps) >> 2;
        inPps += ((inPkts - lastInPkts << 9) - inPps) >> 2;
        outPps += ((outPkts - lastOutPkts << 9) - outPps) >> 2;
        inBps += ((inBytes - lastInBytes << 4) - inBps) >> 2;
        outBps += ((outBytes - lastOutBytes << 4) - outBps) >> 2;
        lastConns = conns;
        lastInPkts = inPkts;
        lastOutPkts = outPkts;
        lastInBytes = inBytes;
        lastOutBytes = outBytes;
    }

    /**
     * Zeroing ({@code ipvsadm -Z}): the current values become the last sample and every rate becomes 0.
     *
     * @param conns connections
     * @param inPkts incoming packets
     * @param outPkts outgoing packets
     * @param inBytes incoming bytes
     * @param outBytes outgoing bytes
     */
    public void zero(final long conns, final long inPkts, final long outPkts, final long inBytes,
        final long outBytes) {
        lastConns = conns;
        lastInPkts = inPkts;
        lastOutPkts = outPkts;
        lastInBytes = inBytes;
        lastOutBytes = outBytes;
        cps = 0;
        inPps = 0;
        outPps = 0;
        inBps = 0;
        outBps = 0;
    }

    /**
     * Connections per second as reported.
     *
     * @return the rate
     */
    public long cps() {
        return (cps + 0x1FF) >> 10;
    }

    /**
     * Incoming packets per second as reported.
     *
     * @return the rate
     */
    public long inPps() {
        return (inPps + 0x1FF) >> 10;
    }

    /**
     * Outgoing packets per second as reported.
     *
     * @return the rate
     */
    public long outPps() {
        return (outPps + 0x1FF) >> 10;
    }

    /**
     * Incoming bytes per second as reported.
     *
     * @return the rate
     */
    public long inBps() {
        return (inBps + 0xF) >> 5;
    }

    /**
     * Outgoing bytes per second as reported.
     *
     * @return the rate
     */
    public long outBps() {
        return (outBps + 0xF) >> 5;
    }
}
