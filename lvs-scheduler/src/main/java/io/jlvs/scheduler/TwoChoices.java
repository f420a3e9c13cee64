package io.jlvs.scheduler;

import io.jlvs.core.sched.Flow;
import io.jlvs.core.sched.SchedulerContext;
import io.jlvs.core.sched.ServerView;
import io.jlvs.core.sched.ServerListView;

/**
 * IPVS {@code twos} (weighted power of two choices): with total = the sum of eligible weights, two independent
 * random numbers in [0, total] (inclusive, as the kernel draws below total + 1) each walk the eligible servers in
 * list order, subtracting weights, and stop at the first server that brings them to 0 or below; the second choice
 * wins only if its overhead per weight is strictly lower. The comparison multiplies in 32-bit ints as the kernel
 * does.
 *
 * <p>Thread-safe, lock-free, allocation-free; randomness comes from the injected source.
 */
final class TwoChoices extends RebuildingScheduler {
    /** Fixed-point shift of {@link State#reciprocal}. */
    private static final int SHIFT = 40;
    /** Most guide buckets (keeps {@code bucket << SHIFT} and {@code r * reciprocal} inside a long). */
    private static final int MAX_GUIDE = 1 << 20;

    /**
     * Servers with weight above 0, their weights and running sums, as of the last hook, and a guide table: for a draw
     * r, bucket {@code (r * reciprocal) >>> SHIFT} holds the position the walk reaches for the lowest draw in that
     * bucket, so the search starts there and seldom moves forward, with none of a binary search's mispredicted
     * branches.
     */
    private static final class State {
        final ServerListView list;
        final ServerView[] eligible;
        final int[] weight;
        final long[] prefix;
        final long total;
        final long reciprocal;
        final int[] guide;

        State(final ServerListView list) {
            this.list = list;
            int n = 0;
            for (int i = 0; i < list.size(); i++) {
                n += list.get(i).weight() > 0 ? 1 : 0;
            }
            eligible = new ServerView[n];
            weight = new int[n];
            prefix = new long[n];
            long sum = 0;
            int k = 0;
            for (int i = 0; i < list.size(); i++) {
                final int w = list.get(i).weight();
                if (w > 0) {
                    eligible[k] = list.get(i);
                    weight[k] = w;
                    sum += w;
                    prefix[k++] = sum;
                }
            }
            total = sum;
            if (n == 0 || sum >= Integer.MAX_VALUE) {
                reciprocal = 0;
                guide = new int[0];
                return;
            }
            // eight buckets per server (or one per draw if fewer): the forward scan then rarely moves, which keeps
            // its branch predictable
            final int perDraw = Integer.highestOneBit((int) Math.min(MAX_GUIDE, sum + 1) - 1) << 1;
            final int perServer = Integer.highestOneBit(Math.max(1, n - 1)) << 4;
            final int buckets = Math.max(1, Math.min(MAX_GUIDE, Math.min(perDraw, perServer)));
            reciprocal = ((long) buckets << SHIFT) / (sum + 1);
            guide = new int[buckets];
            for (int b = 0; b < buckets; b++) {
                // lowest draw whose bucket is at least b: ceil((b << SHIFT) / reciprocal)
                final long low = (((long) b << SHIFT) + reciprocal - 1) / reciprocal;
                guide[b] = low > sum ? n - 1 : find(prefix, low);
            }
        }

        /**
         * The position of the first server whose running weight sum reaches r.
         *
         * @param r a draw in [0, total]
         * @return its position in {@link #eligible}
         */
        int locate(final int r) {
            int k = guide[(int) ((r * reciprocal) >>> SHIFT)];
            while (prefix[k] < r) {
                k++;
            }
            return k;
        }
    }

    private volatile State state = new State(ServerListView.EMPTY);

    TwoChoices(final SchedulerContext context) {
        super("twos", context);
    }

    @Override
    void rebuild(final ServerListView list) {
        state = new State(list);
    }

    /**
     * The kernel's walk, in O(1) expected when no server of the service is overloaded: the first server whose running
     * weight sum reaches r is the one the walk stops at. The result is checked against the servers' live weights and
     * flags; on any difference the exact walk runs instead.
     */
    @Override
    public ServerView schedule(final Flow flow) {
        final State st = state;
        if (st.list.overloaded() == 0 && st.total > 0 && st.total < Integer.MAX_VALUE) {
            final int r1 = context.random().nextInt((int) st.total + 1);
            final int r2 = context.random().nextInt((int) st.total + 1);
            final int k1 = st.locate(r1);
            final int k2 = st.locate(r2);
            final ServerView c1 = st.eligible[k1];
            final ServerView c2 = st.eligible[k2];
            final int w1 = st.weight[k1];
            final int w2 = st.weight[k2];
            if (c1.weight() == w1 && c2.weight() == w2 && !c1.isOverloaded() && !c2.isOverloaded()) {
                return w2 * c1.overhead() > w1 * c2.overhead() ? c2 : c1;
            }
        }
        return walk(servers);
    }

    private static int find(final long[] prefix, final long r) {
        int lo = 0;
        int hi = prefix.length - 1;
        while (lo < hi) {
            final int mid = (lo + hi) >>> 1;
            if (prefix[mid] >= r) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    private ServerView walk(final ServerListView list) {
        final int n = list.size();
        int total = 0;
        ServerView choice1 = null;
        for (int i = 0; i < n; i++) {
            final ServerView d = list.get(i);
            if (!d.isOverloaded()) {
                final int w = d.weight();
                if (w > 0) {
                    total += w;
                    choice1 = d;
                }
            }
        }
        if (choice1 == null) {
            return null;
        }
        int r1 = context.random().nextInt(total + 1);
        int r2 = context.random().nextInt(total + 1);
        ServerView choice2 = null;
        int w1 = -1;
        int w2 = -1;
        int oh1 = 0;
        int oh2 = 0;
        for (int i = 0; i < n; i++) {
            final ServerView d = list.get(i);
            if (d.isOverloaded()) {
                continue;
            }
            final int w = d.weight();
            if (w <= 0) {
                continue;
            }
            r1 -= w;
            r2 -= w;
            if (r1 <= 0 && w1 == -1) {
                choice1 = d;
                w1 = w;
                oh1 = d.overhead();
            }
            if (r2 <= 0 && w2 == -1) {
                choice2 = d;
                w2 = w;
                oh2 = d.overhead();
            }
            if (w1 != -1 && w2 != -1) {
                break;
            }
        }
        if (choice2 != null && w2 * oh1 > w1 * oh2) {
            return choice2;
        }
        return choice1;
    }
}
