package io.jlvs.core.stats;

/**
 * Counters and rates of one statistics object at one moment, as {@code ipvsadm --stats} and {@code --rate} show
 * them (counters since the last zeroing).
 *
 * <p>Immutable.
 *
 * @param conns connections scheduled
 * @param inPackets client-to-server packets (reads, for a proxy)
 * @param outPackets server-to-client packets
 * @param inBytes client-to-server bytes
 * @param outBytes server-to-client bytes
 * @param cps connections per second
 * @param inPps incoming packets per second
 * @param outPps outgoing packets per second
 * @param inBps incoming bytes per second
 * @param outBps outgoing bytes per second
 */
public record StatsSnapshot(long conns, long inPackets, long outPackets, long inBytes, long outBytes, long cps,
    long inPps, long outPps, long inBps, long outBps) {
    /** All zero. */
    public static final StatsSnapshot ZERO = new StatsSnapshot(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}
