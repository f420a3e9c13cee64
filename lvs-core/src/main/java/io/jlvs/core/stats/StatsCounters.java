package io.jlvs.core.stats;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The statistics of one real server, service or director: connections, in/out packets and in/out bytes, with a
 * {@link RateEstimator} and a zero point.
 *
 * <p>The counters are striped: each writer thread (an event loop) adds to its own cache-line-sized stripe, so
 * event loops never contend on a shared line; readers sum the stripes. {@code add*} methods are atomic, so any thread
 * may add to any stripe; the {@code *Owned} variants are plain read-then-write with release semantics, for a
 * stripe that only one thread ever writes (an event loop's own), which saves the locked instruction of an atomic add.
 * Displayed values are raw values minus the zero point set by {@link #zero()}, as in IPVS.
 *
 * <p>Thread-safe. {@code add*} methods are lock-free and allocation-free; {@link #estimate()}, {@link #zero()} and
 * {@link #snapshot()} synchronize on this object (control plane only).
 */
public final class StatsCounters {
    private static final VarHandle CELLS = MethodHandles.arrayElementVarHandle(long[].class);
    /** Longs per stripe: 16 (128 bytes) keep two stripes off one cache line pair even with adjacent prefetch. */
    private static final int STRIDE = 16;
    private static final int CONNS = 0;
    private static final int IN_PKTS = 1;
    private static final int OUT_PKTS = 2;
    private static final int IN_BYTES = 3;
    private static final int OUT_BYTES = 4;

    private final long[] cells;
    private final int stripeMask;
    private final RateEstimator estimator = new RateEstimator();
    private long zeroConns;
    private long zeroInPkts;
    private long zeroOutPkts;
    private long zeroInBytes;
    private long zeroOutBytes;

    /**
     * Makes counters with one stripe per available processor plus one shared stripe (stripe 0, for writers that
     * are not event loops), rounded up to a power of two, at most 64.
     */
    public StatsCounters() {
        this(Runtime.getRuntime().availableProcessors() + 1);
    }

    /**
     * Makes counters with a given number of stripes.
     *
     * @param stripes wanted stripes, rounded up to a power of two in 1..64
     */
    public StatsCounters(final int stripes) {
        int n = 1;
        while (n < Math.min(64, Math.max(1, stripes))) {
            n <<= 1;
        }
        this.cells = new long[(n + 1) * STRIDE]; // one extra stride of padding at the front
        this.stripeMask = n - 1;
    }

    private int base(final int stripe) {
        return ((stripe & stripeMask) + 1) * STRIDE;
    }

    /**
     * Counts a scheduled connection.
     *
     * @param stripe the writer's stripe (its event-loop index)
     */
    public void addConnection(final int stripe) {
        CELLS.getAndAdd(cells, base(stripe) + CONNS, 1L);
    }

    /**
     * Counts client-to-server traffic.
     *
     * @param stripe the writer's stripe
     * @param packets packets (reads)
     * @param bytes bytes
     */
    public void addIn(final int stripe, final long packets, final long bytes) {
        final int b = base(stripe);
        CELLS.getAndAdd(cells, b + IN_PKTS, packets);
        CELLS.getAndAdd(cells, b + IN_BYTES, bytes);
    }

    /**
     * Counts server-to-client traffic.
     *
     * @param stripe the writer's stripe
     * @param packets packets (reads)
     * @param bytes bytes
     */
    public void addOut(final int stripe, final long packets, final long bytes) {
        final int b = base(stripe);
        CELLS.getAndAdd(cells, b + OUT_PKTS, packets);
        CELLS.getAndAdd(cells, b + OUT_BYTES, bytes);
    }

    /**
     * {@link #addIn} for a stripe that only the calling thread ever writes.
     *
     * @param stripe the caller's own stripe
     * @param packets packets
     * @param bytes bytes
     */
    public void addInOwned(final int stripe, final long packets, final long bytes) {
        final int b = base(stripe);
        CELLS.setRelease(cells, b + IN_PKTS, (long) CELLS.getOpaque(cells, b + IN_PKTS) + packets);
        CELLS.setRelease(cells, b + IN_BYTES, (long) CELLS.getOpaque(cells, b + IN_BYTES) + bytes);
    }

    /**
     * {@link #addOut} for a stripe that only the calling thread ever writes.
     *
     * @param stripe the caller's own stripe
     * @param packets packets
     * @param bytes bytes
     */
    public void addOutOwned(final int stripe, final long packets, final long bytes) {
        final int b = base(stripe);
        CELLS.setRelease(cells, b + OUT_PKTS, (long) CELLS.getOpaque(cells, b + OUT_PKTS) + packets);
        CELLS.setRelease(cells, b + OUT_BYTES, (long) CELLS.getOpaque(cells, b + OUT_BYTES) + bytes);
    }

    /**
     * The number of stripes (a power of two); stripe indexes wrap modulo it.
     *
     * @return the count
     */
    public int stripes() {
        return stripeMask + 1;
    }

    private long raw(final int field) {
        long sum = 0;
        for (int s = 0; s <= stripeMask; s++) {
            sum += (long) CELLS.getVolatile(cells, base(s) + field);
        }
        return sum;
    }

    /**
     * Connections counted since the last zeroing.
     *
     * @return the count
     */
    public synchronized long conns() {
        return raw(CONNS) - zeroConns;
    }

    /**
     * Runs one estimator step; call every {@link RateEstimator#PERIOD_NS}.
     */
    public synchronized void estimate() {
        estimator.update(raw(CONNS), raw(IN_PKTS), raw(OUT_PKTS), raw(IN_BYTES), raw(OUT_BYTES));
    }

    /**
     * Zeroes the displayed counters and the rates ({@code ipvsadm -Z}).
     */
    public synchronized void zero() {
        zeroConns = raw(CONNS);
        zeroInPkts = raw(IN_PKTS);
        zeroOutPkts = raw(OUT_PKTS);
        zeroInBytes = raw(IN_BYTES);
        zeroOutBytes = raw(OUT_BYTES);
        estimator.zero(zeroConns, zeroInPkts, zeroOutPkts, zeroInBytes, zeroOutBytes);
    }

    /**
     * The counters since zeroing and the current rates.
     *
     * @return a snapshot
     */
    public synchronized StatsSnapshot snapshot() {
        return new StatsSnapshot(raw(CONNS) - zeroConns, raw(IN_PKTS) - zeroInPkts, raw(OUT_PKTS) - zeroOutPkts,
            raw(IN_BYTES) - zeroInBytes, raw(OUT_BYTES) - zeroOutBytes, estimator.cps(), estimator.inPps(),
            estimator.outPps(), estimator.inBps(), estimator.outBps());
    }
}
