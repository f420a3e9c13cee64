package io.jlvs.examples.ops;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.ServerList;
import io.jlvs.core.service.VirtualService;
import io.jlvs.core.stats.StatsSnapshot;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The last minutes of each real server's connection and byte rates, sampled every {@link #INTERVAL_SECONDS}
 * seconds (the rate estimator's period) for the status page's charts. Servers that left their service are
 * forgotten at the next sample.
 *
 * <p>Thread-safe: {@link #sample()} (the sampler thread) and the readers (HTTP threads) synchronise on this object.
 */
final class RateHistory {
    /** Seconds between samples. */
    static final int INTERVAL_SECONDS = 2;
    /** Samples kept per server: five minutes. */
    static final int SAMPLES = 150;

    /** One server's ring of samples. */
    private static final class Ring {
        final long[] cps = new long[SAMPLES];
        final long[] bps = new long[SAMPLES];
        int next;
        int size;

        void add(final long c, final long b) {
            cps[next] = c;
            bps[next] = b;
            next = (next + 1) % SAMPLES;
            size = Math.min(SAMPLES, size + 1);
        }

        long[] ordered(final long[] ring) {
            final long[] out = new long[size];
            final int start = (next - size + SAMPLES) % SAMPLES;
            for (int i = 0; i < size; i++) {
                out[i] = ring[(start + i) % SAMPLES];
            }
            return out;
        }
    }

    private final LoadBalancer lb;
    private final Map<RealServer, Ring> rings = new IdentityHashMap<>();

    RateHistory(final LoadBalancer lb) {
        this.lb = lb;
    }

    /** Takes one sample of every member of every service. */
    synchronized void sample() {
        final Map<RealServer, Ring> seen = new IdentityHashMap<>();
        for (final VirtualService s : lb.services().services()) {
            final ServerList members = s.members();
            for (int i = 0; i < members.size(); i++) {
                final RealServer r = members.get(i);
                Ring ring = rings.get(r);
                if (ring == null) {
                    ring = new Ring();
                }
                final StatsSnapshot st = r.stats().snapshot();
                ring.add(st.cps(), st.inBps() + st.outBps());
                seen.put(r, ring);
            }
        }
        rings.clear();
        rings.putAll(seen);
    }

    /**
     * A server's connection rates, oldest first.
     *
     * @param r the server
     * @return the samples, empty if none yet
     */
    synchronized long[] cps(final RealServer r) {
        final Ring ring = rings.get(r);
        return ring == null ? new long[0] : ring.ordered(ring.cps);
    }

    /**
     * A server's byte rates (both directions), oldest first.
     *
     * @param r the server
     * @return the samples, empty if none yet
     */
    synchronized long[] bps(final RealServer r) {
        final Ring ring = rings.get(r);
        return ring == null ? new long[0] : ring.ordered(ring.bps);
    }
}
