package io.jlvs.scheduler;

import io.jlvs.core.sched.Flow;
import io.jlvs.core.sched.SchedulerContext;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.ServerList;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * IPVS {@code rr}: walks the list circularly from the last pick and takes the next server with weight above 0 that
 * is not overloaded; other weights are ignored. The cursor is the last picked server (or the list head); removing
 * the cursor's server moves it to the server before, so the walk continues with its successor. A new server (at
 * the front) is reached when the walk wraps.
 *
 * <p>Thread-safe, lock-free: the cursor advances by compare-and-set.
 */
final class RoundRobin extends BaseScheduler {
    private static final int HEAD = -1;

    private static final class State {
        final ServerList list;
        final AtomicInteger cursor;

        State(final ServerList list, final int cursor) {
            this.list = list;
            this.cursor = new AtomicInteger(cursor);
        }
    }

    private volatile State state = new State(ServerList.EMPTY, HEAD);

    RoundRobin(final SchedulerContext context) {
        super("rr", context);
    }

    @Override
    public void init(final ServerList list) {
        super.init(list);
        state = new State(list, HEAD);
    }

    @Override
    public void onServerAdded(final ServerList list, final RealServer server) {
        super.onServerAdded(list, server);
        final int c = state.cursor.get();
        state = new State(list, c == HEAD ? HEAD : c + 1); // the cursor keeps pointing at the same server
    }

    @Override
    public void onServerRemoved(final ServerList list, final RealServer server, final int formerIndex) {
        super.onServerRemoved(list, server, formerIndex);
        final int c = state.cursor.get();
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
    public void onServerUpdated(final ServerList list, final RealServer server) {
        super.onServerUpdated(list, server);
        final State s = state;
        state = new State(list, s.cursor.get());
    }

    @Override
    public RealServer schedule(final Flow flow) {
        final State st = state;
        final ServerList list = st.list;
        final int n = list.size();
        if (n == 0) {
            return null;
        }
        while (true) {
            final int start = st.cursor.get();
            int hit = -1;
            for (int k = 1; k <= n; k++) {
                int i = start + k;
                if (i >= n) {
                    i -= n;
                }
                final RealServer d = list.get(i);
                if (!d.isOverloaded() && d.weight() > 0) {
                    hit = i;
                    break;
                }
            }
            if (hit < 0) {
                return null;
            }
            if (st.cursor.compareAndSet(start, hit)) {
                return list.get(hit);
            }
        }
    }
}
