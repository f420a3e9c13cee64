package io.jlvs.scheduler;

import io.jlvs.core.sched.Flow;
import io.jlvs.core.sched.SchedulerContext;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.ServerList;

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
 * <p>Thread-safe, lock-free: the cursor and cw are one 64-bit word advanced by compare-and-set.
 */
final class WeightedRoundRobin extends BaseScheduler {
    private static final int HEAD = -1;

    private static final class State {
        final ServerList list;
        final int mw;
        final int di;
        final AtomicLong mark; // (cursor + 1) << 32 | cw

        State(final ServerList list, final int mw, final int di, final int cursor, final int cw) {
            this.list = list;
            this.mw = mw;
            this.di = di;
            this.mark = new AtomicLong(pack(cursor, cw));
        }
    }

    private volatile State state = new State(ServerList.EMPTY, 0, 1, HEAD, 0);

    WeightedRoundRobin(final SchedulerContext context) {
        super("wrr", context);
    }

    static long pack(final int cursor, final int cw) {
        return (long) (cursor + 1) << 32 | (cw & 0xffffffffL);
    }

    static int gcdWeight(final ServerList list) {
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

    private static int maxWeight(final ServerList list) {
        int m = 0;
        for (int i = 0; i < list.size(); i++) {
            m = Math.max(m, list.get(i).weight());
        }
        return m;
    }

    @Override
    public void init(final ServerList list) {
        super.init(list);
        final int di = gcdWeight(list);
        final int mw = maxWeight(list) - (di - 1);
        state = new State(list, mw, di, HEAD, mw);
    }

    private void changed(final ServerList list) {
        final int di = gcdWeight(list);
        final int mw = maxWeight(list) - (di - 1);
        int cw = (int) state.mark.get();
        if (cw > mw || cw == 0) {
            cw = mw;
        } else if (di > 1) {
            cw = (cw / di) * di + 1;
        }
        state = new State(list, mw, di, HEAD, cw);
    }

    @Override
    public void onServerAdded(final ServerList list, final RealServer server) {
        super.onServerAdded(list, server);
        changed(list);
    }

    @Override
    public void onServerRemoved(final ServerList list, final RealServer server, final int formerIndex) {
        super.onServerRemoved(list, server, formerIndex);
        changed(list);
    }

    @Override
    public void onServerUpdated(final ServerList list, final RealServer server) {
        super.onServerUpdated(list, server);
        changed(list);
    }

    @Override
    public RealServer schedule(final Flow flow) {
        final State st = state;
        final ServerList list = st.list;
        final int n = list.size();
        while (true) {
            final long packed = st.mark.get();
            final int cl = (int) (packed >>> 32) - 1;
            int cw = (int) packed;
            if (st.mw == 0) {
                return null; // no server with weight: the cursor stays
            }
            int d = cl;
            final int last = cl;
            int stop = Integer.MIN_VALUE;
            boolean lastPass = false;
            boolean restarted = false;
            int result = -1;
            int newCursor;
            search:
            while (true) {
                for (int e = d + 1; e < n; e++) {
                    final RealServer s = list.get(e);
                    if (!s.isOverloaded() && s.weight() >= cw) {
                        result = e;
                        newCursor = e;
                        break search;
                    }
                    if (e == stop) {
                        newCursor = e;
                        break search;
                    }
                }
                d = HEAD;
                cw -= st.di;
                if (cw <= 0) {
                    cw = st.mw;
                    if (lastPass || last == HEAD) {
                        newCursor = HEAD;
                        break;
                    }
                    restarted = true;
                }
                lastPass = cw <= st.di;
                if (lastPass && restarted && last != HEAD) {
                    stop = last;
                }
            }
            if (st.mark.compareAndSet(packed, pack(newCursor, cw))) {
                return result < 0 ? null : list.get(result);
            }
        }
    }
}
