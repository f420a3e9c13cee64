package io.jlvs.scheduler;

import io.jlvs.core.sched.Flow;
import io.jlvs.core.sched.SchedulerContext;
import io.jlvs.core.sched.ServerView;
import io.jlvs.core.sched.ServerListView;

import org.agrona.collections.Long2LongHashMap;

import java.util.concurrent.atomic.AtomicLong;

/**
 * IPVS {@code wrr}: passes over the list with a falling weight threshold {@code cw} = mw, mw-di, ..., 1, where di
 * is the gcd of the positive weights and mw the largest weight minus (di - 1); in each pass every server whose
 * weight reaches the threshold is picked once, in list order. Every hook (add, remove, update) sends the cursor
 * back to the list head, recomputes di and mw, and keeps cw unless it is now above mw or 0 (then cw = mw), else
 * aligns it with {@code (cw / di) * di + 1}. Overloaded servers are skipped; when every server is overloaded the
 * pick fails after a last pass with threshold 1.
 *
 * <p>Worked example, weights A=4, B=3, C=2 in list order A, B, C right after init: A, A, B, A, B, C, A, B, C.
 *
 * <p>Thread-safe, lock-free. While no server is overloaded the picks follow a trajectory precomputed by the hooks
 * (at most {@value #MAX_TRAJECTORY} picks; longer ones use the kernel's loop), and a pick is one atomic increment;
 * otherwise the cursor and cw, one 64-bit word, advance by compare-and-set.
 */
final class WeightedRoundRobin extends BaseScheduler {
    private static final int HEAD = -1;

    /** The most picks precomputed for the fast path (about 12 MiB of arrays at the limit). */
    static final int MAX_TRAJECTORY = 1 << 20;

    private static final class State {
        final ServerListView list;
        final int mw;
        final int di;
        /** The kernel state for the slow path: (cursor + 1) << 32 | cw. Authoritative only in slow mode. */
        final AtomicLong mark;
        /** Picks made since the hook, while in fast mode. */
        final AtomicLong ticket = new AtomicLong();
        final long start;
        final int[] picks;
        final long[] after;
        final int prefix;
        final int cycle;
        final Long2LongHashMap position;
        volatile boolean slow;

        State(final ServerListView list, final int mw, final int di, final int cursor, final int cw) {
            this.list = list;
            this.mw = mw;
            this.di = di;
            this.start = pack(cursor, cw);
            this.mark = new AtomicLong(start);
            // the trajectory of picks while no server is overloaded: a prefix, then a cycle
            final Long2LongHashMap seen = new Long2LongHashMap(-1);
            int[] p = new int[16];
            long[] a = new long[16];
            int n = 0;
            long state = start;
            int pre = -1;
            if (mw > 0) {
                while (n < MAX_TRAJECTORY) {
                    final long firstSeen = seen.get(state);
                    if (firstSeen >= 0) {
                        pre = (int) firstSeen;
                        break;
                    }
                    seen.put(state, n);
                    final long step = step(list, mw, di, state);
                    if (n == p.length) {
                        p = java.util.Arrays.copyOf(p, n * 2);
                        a = java.util.Arrays.copyOf(a, n * 2);
                    }
                    p[n] = (int) (step >>> 48) - 1;
                    state = step & 0xFFFF_FFFF_FFFFL;
                    a[n] = state;
                    n++;
                }
            }
            if (pre < 0 || n == 0) {
                this.picks = null;
                this.after = null;
                this.prefix = 0;
                this.cycle = 0;
                this.position = null;
                this.slow = true;
            } else {
                this.picks = java.util.Arrays.copyOf(p, n);
                this.after = java.util.Arrays.copyOf(a, n);
                this.prefix = pre;
                this.cycle = n - pre;
                // position of each state as the state after a pick; the start state is "after pick -1"
                final Long2LongHashMap pos = new Long2LongHashMap(Long.MIN_VALUE);
                for (int i = n - 1; i >= 0; i--) {
                    pos.put(after[i], i);
                }
                this.position = pos;
            }
        }

        int positionOf(final long t) {
            return t < prefix ? (int) t : prefix + (int) ((t - prefix) % cycle);
        }

        long stateAt(final long t) {
            return t == 0 ? start : after[positionOf(t - 1)];
        }

        /** The kernel state now, whichever mode holds it. */
        long stateCurrent() {
            return slow ? mark.get() : stateAt(ticket.get());
        }
    }

    /**
     * One pick of the kernel algorithm from a state with no server overloaded.
     *
     * @return (pick index + 1) &lt;&lt; 48 | new packed state (pick index -1 for none)
     */
    private static long step(final ServerListView list, final int mw, final int di, final long packed) {
        final int n = list.size();
        final int cl = (int) (packed >>> 32) - 1;
        int cw = (int) packed;
        int d = cl;
        while (true) {
            for (int e = d + 1; e < n; e++) {
                if (list.get(e).weight() >= cw) {
                    return (long) (e + 1) << 48 | pack(e, cw);
                }
            }
            d = HEAD;
            cw -= di;
            if (cw <= 0) {
                cw = mw;
            }
        }
    }

    private volatile State state = new State(ServerListView.EMPTY, 0, 1, HEAD, 0);

    WeightedRoundRobin(final SchedulerContext context) {
        super("wrr", context);
    }

    static long pack(final int cursor, final int cw) {
        return (long) (cursor + 1) << 32 | (cw & 0xffffffffL);
    }

    static int gcdWeight(final ServerListView list) {
        int g = 0;
        for (int i = 0; i < list.size(); i++) {
            final int w = list.get(i).weight();
            if (w > 0) {
                g = g > 0 ? gcd(w, g) : w;
            }
        }
        return g > 0 ? g : 1;
    }

    static int gcd(final int a, final int b) {
        int x = a;
        int y = b;
        while (y != 0) {
            final int t = x % y;
            x = y;
            y = t;
        }
        return x;
    }

    private static int maxWeight(final ServerListView list) {
        int m = 0;
        for (int i = 0; i < list.size(); i++) {
            m = Math.max(m, list.get(i).weight());
        }
        return m;
    }

    @Override
    public void init(final ServerListView list) {
        super.init(list);
        final int di = gcdWeight(list);
        final int mw = maxWeight(list) - (di - 1);
        state = new State(list, mw, di, HEAD, mw);
    }

    private void changed(final ServerListView list) {
        final int di = gcdWeight(list);
        final int mw = maxWeight(list) - (di - 1);
        int cw = (int) state.stateCurrent();
        if (cw > mw || cw == 0) {
            cw = mw;
        } else if (di > 1) {
            cw = (cw / di) * di + 1;
        }
        state = new State(list, mw, di, HEAD, cw);
    }

    @Override
    public void onServerAdded(final ServerListView list, final ServerView server) {
        super.onServerAdded(list, server);
        changed(list);
    }

    @Override
    public void onServerRemoved(final ServerListView list, final ServerView server, final int formerIndex) {
        super.onServerRemoved(list, server, formerIndex);
        changed(list);
    }

    @Override
    public void onServerUpdated(final ServerListView list, final ServerView server) {
        super.onServerUpdated(list, server);
        changed(list);
    }

    /**
     * While no server is overloaded, a pick replays the precomputed trajectory with one atomic increment; otherwise
     * the kernel's loop runs from the current state (and the result is mapped back onto the trajectory, or the
     * scheduler stays on the kernel's loop until the next hook).
     */
    @Override
    public ServerView schedule(final Flow flow) {
        final State st = state;
        if (st.mw == 0) {
            return null;
        }
        if (!st.slow) {
            if (st.list.overloaded() == 0) {
                final ServerView d = st.list.get(st.picks[st.positionOf(st.ticket.getAndIncrement())]);
                if (!d.isOverloaded()) {
                    return d;
                }
            }
            while (!st.slow) {
                final long t = st.ticket.get();
                final long from = st.stateAt(t);
                final long result = kernel(st, from);
                final long to = result & 0xFFFF_FFFF_FFFFL;
                final long p = st.position.get(to);
                if (p == Long.MIN_VALUE) {
                    // a state off the trajectory (every server overloaded): continue with the kernel's loop alone
                    st.mark.set(to);
                    st.slow = true;
                    final int pick = (int) (result >>> 48) - 1;
                    return pick < 0 ? null : st.list.get(pick);
                }
                if (st.ticket.compareAndSet(t, p + 1)) {
                    final int pick = (int) (result >>> 48) - 1;
                    return pick < 0 ? null : st.list.get(pick);
                }
            }
        }
        while (true) {
            final long packed = st.mark.get();
            final long result = kernel(st, packed);
            if (st.mark.compareAndSet(packed, result & 0xFFFF_FFFF_FFFFL)) {
                final int pick = (int) (result >>> 48) - 1;
                return pick < 0 ? null : st.list.get(pick);
            }
        }
    }

    /**
     * The kernel's loop, overload checks included, from a state.
     *
     * @return (pick index + 1) &lt;&lt; 48 | new packed state (pick index -1 for none)
     */
    private static long kernel(final State st, final long packed) {
        final ServerListView list = st.list;
        final int n = list.size();
        final int cl = (int) (packed >>> 32) - 1;
        int cw = (int) packed;
        int d = cl;
        final int last = cl;
        int stop = Integer.MIN_VALUE;
        boolean lastPass = false;
        boolean restarted = false;
        while (true) {
            for (int e = d + 1; e < n; e++) {
                final ServerView s = list.get(e);
                if (!s.isOverloaded() && s.weight() >= cw) {
                    return (long) (e + 1) << 48 | pack(e, cw);
                }
                if (e == stop) {
                    return pack(e, cw);
                }
            }
            d = HEAD;
            cw -= st.di;
            if (cw <= 0) {
                cw = st.mw;
                if (lastPass || last == HEAD) {
                    return pack(HEAD, cw);
                }
                restarted = true;
            }
            lastPass = cw <= st.di;
            if (lastPass && restarted && last != HEAD) {
                stop = last;
            }
        }
    }
}
