package io.jlvs.core.stats;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

class RateEstimatorTest {
    @Test
    void shouldRampTowardsSteadyConnectionRateAsIpvsDoes() {
        final RateEstimator e = new RateEstimator();
        final long[] seen = new long[10];
        long conns = 0;
        for (int i = 0; i < 10; i++) {
            conns += 200; // 100 per second over the 2 s period
            e.update(conns, 0, 0, 0, 0);
            seen[i] = e.cps();
        }
        assertArrayEquals(new long[] {25, 44, 58, 68, 76, 82, 87, 90, 92, 94}, seen);
    }

    @Test
    void shouldDecayAfterTrafficStops() {
        final RateEstimator e = new RateEstimator();
        long conns = 0;
        for (int i = 0; i < 200; i++) {
            conns += 200;
            e.update(conns, 0, 0, 0, 0);
        }
        assertEquals(100, e.cps());
        final long[] seen = new long[7];
        for (int i = 0; i < 7; i++) {
            e.update(conns, 0, 0, 0, 0);
            seen[i] = e.cps();
        }
        assertArrayEquals(new long[] {75, 56, 42, 32, 24, 18, 13}, seen);
    }

    @Test
    void shouldEstimateBytesPerSecondWithByteScaling() {
        final RateEstimator e = new RateEstimator();
        final long[] seen = new long[3];
        long bytes = 0;
        for (int i = 0; i < 3; i++) {
            bytes += 2_000_000; // 1 MB/s
            e.update(0, 0, 0, bytes, bytes);
            seen[i] = e.inBps();
            assertEquals(e.inBps(), e.outBps());
        }
        assertArrayEquals(new long[] {250000, 437500, 578125}, seen);
    }

    @Test
    void shouldUsePacketFormulaForPacketRates() {
        final RateEstimator e = new RateEstimator();
        e.update(0, 200, 400, 0, 0);
        assertEquals(25, e.inPps());
        assertEquals(50, e.outPps());
    }

    @Test
    void shouldZeroRatesAndRestartFromCurrentCounters() {
        final StatsCounters c = new StatsCounters(2);
        for (int i = 0; i < 200; i++) {
            c.addConnection(i);
        }
        c.addIn(0, 3, 300);
        c.addOut(1, 2, 200);
        c.estimate();
        assertEquals(25, c.snapshot().cps()); // 100 per second: the first sample reads 25
        c.zero();
        StatsSnapshot s = c.snapshot();
        assertEquals(StatsSnapshot.ZERO, s);
        c.addConnection(0);
        c.addIn(1, 1, 10);
        c.estimate();
        s = c.snapshot();
        assertEquals(1, s.conns());
        assertEquals(1, s.inPackets());
        assertEquals(10, s.inBytes());
        assertEquals(0, s.outBytes());
        assertEquals(0, s.cps()); // (1<<9)>>2 = 128; (128 + 511) >> 10 = 0
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldSumStripesFromManyThreads() throws Exception {
        // fails if an add is lost (non-atomic read-modify-write on a shared stripe) or a stripe is not summed
        final StatsCounters c = new StatsCounters(4);
        final Thread[] ts = new Thread[4];
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int t = 0; t < ts.length; t++) {
            final int stripe = t;
            ts[t] = new Thread(() -> {
                try {
                    for (int i = 0; i < 100_000; i++) {
                        c.addIn(stripe, 1, 3);
                        c.addOut(stripe + 1, 1, 5); // another thread's stripe on purpose: adds stay atomic
                    }
                } catch (final Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            ts[t].start();
        }
        for (final Thread t : ts) {
            t.join(30_000);
            assertFalse(t.isAlive(), t.getName() + " still adding after 30 s");
        }
        assertNull(failure.get());
        final StatsSnapshot s = c.snapshot();
        assertEquals(400_000, s.inPackets());
        assertEquals(1_200_000, s.inBytes());
        assertEquals(400_000, s.outPackets());
        assertEquals(2_000_000, s.outBytes());
    }
}
