package io.jlvs.scheduler;

import io.jlvs.core.sched.Flow;
import io.jlvs.core.sched.SchedulerContext;
import io.jlvs.core.sched.ServerView;
import io.jlvs.core.sched.ServerListView;

import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code swrr}, smooth weighted round robin (nginx's algorithm): at each step every server's current value grows by
 * its weight, the largest current value wins (the first in list order on a tie) and loses the total weight. The
 * picks spread each server's share evenly: weights 5, 1, 1 give A A B A C A A instead of wrr's A A A A A B C.
 *
 * <p>The cycle (total weight long, after dividing weights by their gcd) is computed by the hooks and replayed by an
 * atomic counter, so a pick is one atomic increment. Weights whose reduced total exceeds {@value #MAX_CYCLE} are
 * scaled down proportionally first (each positive weight keeps at least 1). A server that is overloaded when its
 * turn comes is skipped for the next entry of the cycle.
 *
 * <p>Thread-safe, lock-free, allocation-free picks.
 */
final class SmoothWeightedRoundRobin extends RebuildingScheduler {
    /** The longest cycle kept: about 4 MiB of indices. */
    static final int MAX_CYCLE = 1 << 20;

    private static final class State {
        final ServerListView list;
        final int[] cycle;
        final AtomicLong next = new AtomicLong();

        State(final ServerListView list, final int[] cycle) {
            this.list = list;
            this.cycle = cycle;
        }
    }

    private volatile State state = new State(ServerListView.EMPTY, new int[0]);

    SmoothWeightedRoundRobin(final SchedulerContext context) {
        super("swrr", context);
    }

    static int[] cycle(final ServerListView list) {
        final int n = list.size();
        final long[] w = new long[n];
        long total = 0;
        int g = 0;
        for (int i = 0; i < n; i++) {
            w[i] = Math.max(0, list.get(i).weight());
            if (w[i] > 0) {
                g = g == 0 ? (int) w[i] : WeightedRoundRobin.gcd((int) w[i], g);
            }
        }
        if (g == 0) {
            return new int[0];
        }
        for (int i = 0; i < n; i++) {
            w[i] /= g;
            total += w[i];
        }
        if (total > MAX_CYCLE) {
            final double scale = (double) MAX_CYCLE / total / 2;
            total = 0;
            for (int i = 0; i < n; i++) {
                if (w[i] > 0) {
                    w[i] = Math.max(1, Math.round(w[i] * scale));
                    total += w[i];
                }
            }
        }
        final int[] out = new int[(int) total];
        final long[] current = new long[n];
        for (int k = 0; k < out.length; k++) {
            int best = -1;
            for (int i = 0; i < n; i++) {
                if (w[i] == 0) {
                    continue;
                }
                current[i] += w[i];
                if (best < 0 || current[i] > current[best]) {
                    best = i;
                }
            }
            current[best] -= total;
            out[k] = best;
        }
        return out;
    }

    @Override
    void rebuild(final ServerListView list) {
        state = new State(list, cycle(list));
    }


    @Override
    public ServerView schedule(final Flow flow) {
        final State st = state;
        final int len = st.cycle.length;
        if (len == 0) {
            return null;
        }
        for (int tries = 0; tries < len; tries++) {
            final long k = st.next.getAndIncrement();
            final ServerView d = st.list.get(st.cycle[(int) Long.remainderUnsigned(k, len)]);
            if (!d.isOverloaded() && d.weight() > 0) {
                return d;
            }
        }
        return null;
    }
}
