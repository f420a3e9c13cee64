package io.jlvs.scheduler;

import io.jlvs.core.sched.Flow;
import io.jlvs.core.sched.Flows;
import io.jlvs.core.sched.SchedulerContext;
import io.jlvs.core.sched.ServerView;
import io.jlvs.core.sched.ServerListView;

/**
 * {@code rendezvous}: highest-random-weight hashing (Thaler and Ravishankar, 1998) over the flow's key, weighted
 * as Schindelhauer and Schomaker describe: each eligible server scores {@code weight / -ln(u)} with u in (0, 1)
 * hashed from the key and the server, and the highest score wins. Removing a server moves only its own keys;
 * weights are honoured exactly in expectation. A pick costs one hash per server.
 *
 * <p>Thread-safe, lock-free, allocation-free.
 */
final class Rendezvous extends RebuildingScheduler {
    /** The list and its servers' hashes, published together. */
    private static final class State {
        final ServerListView list;
        final long[] hashes;

        State(final ServerListView list, final long[] hashes) {
            this.list = list;
            this.hashes = hashes;
        }
    }

    private volatile State state = new State(ServerListView.EMPTY, new long[0]);

    Rendezvous(final SchedulerContext context) {
        super("rendezvous", context);
    }

    @Override
    void rebuild(final ServerListView list) {
        final long[] h = new long[list.size()];
        for (int i = 0; i < h.length; i++) {
            h[i] = HashRing.serverHash(list.get(i));
        }
        state = new State(list, h);
    }

    @Override
    public ServerView schedule(final Flow flow) {
        final State st = state;
        final ServerListView list = st.list;
        final long[] h = st.hashes;
        final long key = flow.key();
        ServerView best = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < h.length; i++) {
            final ServerView d = list.get(i);
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
