package io.jlvs.scheduler;

import io.jlvs.core.sched.Flow;
import io.jlvs.core.sched.SchedulerContext;
import io.jlvs.core.sched.ServerView;
import io.jlvs.core.sched.ServerListView;

/**
 * {@code p2c}: power of two choices on active connections, weighted the way Envoy's least-request balancer is
 * with {@code active_request_bias}: two distinct eligible servers are drawn uniformly at random and the one with
 * the larger {@code weight / (active + 1)^bias} wins (the first drawn on a tie). With bias 1 (the default) the
 * comparison is exact integer cross-multiplication; with bias 0 it prefers the heavier server regardless of load.
 * With equal weights this is classic P2C least-connections (Mitzenmacher 2001).
 *
 * <p>Thread-safe, lock-free, allocation-free; randomness comes from the injected source.
 */
final class PowerOfTwoChoices extends RebuildingScheduler {
    private final double bias;
    /** The list and the indices of its servers with weight above 0, as of the last hook, published together. */
    private static final class State {
        final ServerListView list;
        final int[] weighted;

        State(final ServerListView list, final int[] weighted) {
            this.list = list;
            this.weighted = weighted;
        }
    }

    private volatile State state = new State(ServerListView.EMPTY, new int[0]);

    PowerOfTwoChoices(final SchedulerContext context, final double bias) {
        super("p2c", context);
        if (!(bias >= 0.0) || Double.isInfinite(bias)) {
            throw new IllegalArgumentException("bias: " + bias + " (expected: >= 0)");
        }
        this.bias = bias;
    }

    private static boolean eligible(final ServerView d) {
        return d.weight() > 0 && !d.isOverloaded();
    }

    @Override
    void rebuild(final ServerListView list) {
        int n = 0;
        for (int i = 0; i < list.size(); i++) {
            n += list.get(i).weight() > 0 ? 1 : 0;
        }
        final int[] w = new int[n];
        int k = 0;
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i).weight() > 0) {
                w[k++] = i;
            }
        }
        state = new State(list, w);
    }

    /**
     * O(1) when no server of the service is overloaded (the eligible servers are then exactly those with weight
     * above 0, known from the last hook); otherwise the draws are made over a scan of the eligible servers. Both ways
     * draw the same two servers for the same random numbers.
     */
    @Override
    public ServerView schedule(final Flow flow) {
        final State st = state;
        final ServerListView wl = st.list;
        final int[] w = st.weighted;
        if (wl.overloaded() == 0 && w.length > 0) {
            if (w.length == 1) {
                final ServerView only = wl.get(w[0]);
                if (eligible(only)) {
                    return only;
                }
            } else {
                final int r1 = context.random().nextInt(w.length);
                int r2 = context.random().nextInt(w.length - 1);
                if (r2 >= r1) {
                    r2++;
                }
                final ServerView a = wl.get(w[r1]);
                final ServerView b = wl.get(w[r2]);
                if (eligible(a) && eligible(b)) {
                    return better(b, a) ? b : a;
                }
            }
        }
        return scan(servers);
    }

    private ServerView scan(final ServerListView list) {
        final int n = list.size();
        int eligible = 0;
        for (int i = 0; i < n; i++) {
            if (eligible(list.get(i))) {
                eligible++;
            }
        }
        if (eligible == 0) {
            return null;
        }
        if (eligible == 1) {
            for (int i = 0; i < n; i++) {
                if (eligible(list.get(i))) {
                    return list.get(i);
                }
            }
        }
        final int r1 = context.random().nextInt(eligible);
        int r2 = context.random().nextInt(eligible - 1);
        if (r2 >= r1) {
            r2++;
        }
        final ServerView a = nth(list, r1);
        final ServerView b = nth(list, r2);
        if (a == null || b == null) {
            return a != null ? a : b; // the list changed under us: settle for what we found
        }
        return better(b, a) ? b : a;
    }

    private static ServerView nth(final ServerListView list, final int k) {
        int seen = 0;
        for (int i = 0; i < list.size(); i++) {
            final ServerView d = list.get(i);
            if (eligible(d)) {
                if (seen++ == k) {
                    return d;
                }
            }
        }
        return null;
    }

    /** Whether b is strictly better than a. */
    private boolean better(final ServerView b, final ServerView a) {
        if (bias == 1.0) {
            return (long) b.weight() * (a.activeConns() + 1) > (long) a.weight() * (b.activeConns() + 1);
        }
        final double sb = b.weight() / Math.pow(b.activeConns() + 1, bias);
        final double sa = a.weight() / Math.pow(a.activeConns() + 1, bias);
        return sb > sa;
    }
}
