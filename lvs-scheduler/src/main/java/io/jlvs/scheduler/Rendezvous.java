package io.jlvs.scheduler;

import io.jlvs.core.sched.Flow;
import io.jlvs.core.sched.Flows;
import io.jlvs.core.sched.SchedulerContext;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.ServerList;

/**
 * {@code rendezvous}: highest-random-weight hashing (Thaler and Ravishankar, 1998) over the flow's key, weighted
 * as Schindelhauer and Schomaker describe: each eligible server scores {@code weight / -ln(u)} with u in (0, 1)
 * hashed from the key and the server, and the highest score wins. Removing a server moves only its own keys;
 * weights are honoured exactly in expectation. A pick costs one hash per server.
 *
 * <p>Thread-safe, lock-free, allocation-free.
 */
final class Rendezvous extends RebuildingScheduler {
    private volatile long[] serverHashes = new long[0];
    private volatile ServerList hashed = ServerList.EMPTY;

    Rendezvous(final SchedulerContext context) {
        super("rendezvous", context);
    }

    @Override
    void rebuild(final ServerList list) {
        final long[] h = new long[list.size()];
        for (int i = 0; i < h.length; i++) {
            h[i] = HashRing.serverHash(list.get(i));
        }
        serverHashes = h;
        hashed = list;
    }

    @Override
    public RealServer schedule(final Flow flow) {
        final ServerList list = hashed;
        final long[] h = serverHashes;
        final long key = flow.key();
        RealServer best = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < h.length; i++) {
            final RealServer d = list.get(i);
            final int w = d.weight();
            if (w <= 0 || d.isOverloaded()) {
                continue;
            }
            final long x = Flows.mix64(key ^ h[i]);
            final double u = ((x >>> 11) + 0.5) * 0x1.0p-53; // strictly inside (0, 1)
            final double score = w / -Math.log(u);
            if (score > bestScore) {
                bestScore = score;
                best = d;
            }
        }
        return best;
    }
}
