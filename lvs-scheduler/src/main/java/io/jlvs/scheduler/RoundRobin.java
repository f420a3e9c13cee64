package io.jlvs.scheduler;

import io.jlvs.core.sched.Flow;
import io.jlvs.core.sched.SchedulerContext;
import io.jlvs.core.sched.ServerView;
import io.jlvs.core.sched.ServerListView;

import java.util.concurrent.atomic.AtomicLong;

/**
 * IPVS {@code rr}: walks the list circularly from the last pick and takes the next server with weight above 0 that
 * is not overloaded; other weights are ignored. The cursor is the last picked server (or the list head); removing
 * the cursor's server moves it to the server before, so the walk continues with its successor. A new server (at
 * the front) is reached when the walk wraps.
 *
 * <p>The cursor is a counter whose value modulo n is the index of the last pick (the head is n - 1: walking on from
 * the last element starts at the first, as from the head). When every server has a weight and none is overloaded,
 * a pick is one atomic increment; otherwise the walk runs and moves the counter by compare-and-set.
 *
 * <p>Thread-safe, lock-free, allocation-free.
 */
final class RoundRobin extends BaseScheduler {
    private static final class State {
        final ServerListView list;
        final boolean allWeighted;
        final AtomicLong cursor;

        State(final ServerListView list, final int cursorIndex) {
            this.list = list;
            boolean all = list.size() > 0;
            for (int i = 0; i < list.size(); i++) {
                all &= list.get(i).weight() > 0;
            }
            this.allWeighted = all;
            this.cursor = new AtomicLong(cursorIndex < 0 ? Math.max(0, list.size() - 1) : cursorIndex);
        }

        int index() {
            final int n = list.size();
            return n == 0 ? -1 : (int) Math.floorMod(cursor.get(), (long) n);
        }
    }

    private volatile State state = new State(ServerListView.EMPTY, -1);

    RoundRobin(final SchedulerContext context) {
        super("rr", context);
    }

    @Override
    public void init(final ServerListView list) {
        super.init(list);
        state = new State(list, -1);
    }

    @Override
    public void onServerAdded(final ServerListView list, final ServerView server) {
        super.onServerAdded(list, server);
        // the cursor keeps pointing at the same server, now one further down (the head, being the last element,
        // stays the last element)
        state = new State(list, state.index() + 1);
    }

    @Override
    public void onServerRemoved(final ServerListView list, final ServerView server, final int formerIndex) {
        super.onServerRemoved(list, server, formerIndex);
        final int c = state.index();
        final int next;
        if (c == formerIndex) {
            next = formerIndex - 1; // the previous element, or the head
        } else if (c > formerIndex) {
            next = c - 1;
        } else {
            next = c;
        }
        state = new State(list, next);
    }

    @Override
    public void onServerUpdated(final ServerListView list, final ServerView server) {
        super.onServerUpdated(list, server);
        state = new State(list, state.index());
    }

    @Override
    public ServerView schedule(final Flow flow) {
        final State st = state;
        final ServerListView list = st.list;
        final int n = list.size();
        if (n == 0) {
            return null;
        }
        if (st.allWeighted && list.overloaded() == 0) {
            final ServerView d = list.get((int) Math.floorMod(st.cursor.incrementAndGet(), (long) n));
            if (!d.isOverloaded()) {
                return d;
            }
        }
        while (true) {
            final long c = st.cursor.get();
            final int start = (int) Math.floorMod(c, (long) n);
            for (int k = 1; k <= n; k++) {
                int i = start + k;
                if (i >= n) {
                    i -= n;
                }
                final ServerView d = list.get(i);
                if (!d.isOverloaded() && d.weight() > 0) {
                    if (st.cursor.compareAndSet(c, c + k)) {
                        return d;
                    }
                    break;
                }
                if (k == n) {
                    return null;
                }
            }
        }
    }
}
