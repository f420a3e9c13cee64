package io.jlvs.scheduler;

import io.jlvs.core.sched.Flow;
import io.jlvs.core.sched.SchedulerContext;
import io.jlvs.core.sched.ServerView;
import io.jlvs.core.sched.ServerListView;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code peak-ewma}: latency-aware selection after Finagle's "peak EWMA" balancer. Each server keeps a moving
 * average of reported latencies that jumps to any sample above it (peak-sensitive) and otherwise decays towards
 * new samples with time constant tau ({@code w = exp(-elapsed / tau)}); its cost is that average times
 * (active connections + 1). Two distinct eligible servers are drawn at random and the cheaper wins. A server with
 * no sample yet costs 0 while idle and a large penalty once it has connections, so new servers are tried but not
 * flooded. Latency comes from {@link #observeLatency} (the transport reports connect times; an application
 * reports its own request times).
 *
 * <p>Thread-safe and lock-free; picks and observations allocate nothing (the average is a double in an atomic).
 */
final class PeakEwma extends RebuildingScheduler {
    /** The cost of a busy server with no latency sample: 1 second. */
    static final double PENALTY_NS = 1e9;

    static final class Ewma {
        final AtomicLong costBits = new AtomicLong(Double.doubleToRawLongBits(0.0));
        final AtomicLong stampNs;

        Ewma(final long now) {
            stampNs = new AtomicLong(now);
        }
    }

    private static final class State {
        final ServerListView list;
        final Ewma[] ewma;
        final Map<ServerView, Ewma> byServer;
        /** Positions of the servers with weight above 0 as of the last hook. */
        final int[] weighted;

        State(final ServerListView list, final Ewma[] ewma, final Map<ServerView, Ewma> byServer) {
            this.list = list;
            this.ewma = ewma;
            this.byServer = byServer;
            int n = 0;
            for (int i = 0; i < list.size(); i++) {
                n += list.get(i).weight() > 0 ? 1 : 0;
            }
            weighted = new int[n];
            int k = 0;
            for (int i = 0; i < list.size(); i++) {
                if (list.get(i).weight() > 0) {
                    weighted[k++] = i;
                }
            }
        }
    }

    private final double tauNs;
    private volatile State state = new State(ServerListView.EMPTY, new Ewma[0], new IdentityHashMap<>());

    PeakEwma(final SchedulerContext context, final long tauNs) {
        super("peak-ewma", context);
        if (tauNs <= 0) {
            throw new IllegalArgumentException("tau: " + tauNs + " ns (expected: > 0)");
        }
        this.tauNs = tauNs;
    }

    @Override
    void rebuild(final ServerListView list) {
        final State old = state;
        final long now = context.clock().nanoTime();
        final Ewma[] e = new Ewma[list.size()];
        final Map<ServerView, Ewma> m = new IdentityHashMap<>();
        for (int i = 0; i < e.length; i++) {
            final Ewma prev = old.byServer.get(list.get(i));
            e[i] = prev != null ? prev : new Ewma(now);
            m.put(list.get(i), e[i]);
        }
        state = new State(list, e, m);
    }


    @Override
    public void observeLatency(final ServerView server, final long latencyNanos) {
        final Ewma e = state.byServer.get(server);
        if (e == null || latencyNanos < 0) {
            return;
        }
        final long now = context.clock().nanoTime();
        final long last = e.stampNs.getAndSet(now);
        final double w = Math.exp(-Math.max(0, now - last) / tauNs);
        while (true) {
            final long bits = e.costBits.get();
            final double cost = Double.longBitsToDouble(bits);
            final double next = latencyNanos > cost ? latencyNanos : cost * w + latencyNanos * (1.0 - w);
            if (e.costBits.compareAndSet(bits, Double.doubleToRawLongBits(next))) {
                return;
            }
        }
    }

    /** The decayed average for a server now, for tests and explanations. */
    double averageNanos(final ServerView server) {
        final Ewma e = state.byServer.get(server);
        return e == null ? Double.NaN : Double.longBitsToDouble(e.costBits.get());
    }

    private double cost(final ServerView d, final Ewma e) {
        final double avg = Double.longBitsToDouble(e.costBits.get());
        final int active = d.activeConns();
        if (avg == 0.0) {
            return active == 0 ? 0.0 : PENALTY_NS + active;
        }
        return avg * (active + 1);
    }

    private static boolean eligible(final ServerView d) {
        return d.weight() > 0 && !d.isOverloaded();
    }

    /**
     * O(1) when no server of the service is overloaded and at least two have weight: the eligible servers are then
     * those with weight above 0 as of the last hook, so the two draws index them directly. Otherwise the draws are
     * made over a scan of the servers eligible now. Both ways pick the same servers for the same random numbers.
     */
    @Override
    public ServerView schedule(final Flow flow) {
        final State st = state;
        final int[] w = st.weighted;
        if (st.list.overloaded() == 0 && w.length > 1) {
            final int r1 = context.random().nextInt(w.length);
            int r2 = context.random().nextInt(w.length - 1);
            if (r2 >= r1) {
                r2++;
            }
            final int a = w[r1];
            final int b = w[r2];
            final ServerView da = st.list.get(a);
            final ServerView db = st.list.get(b);
            if (eligible(da) && eligible(db)) {
                return cost(db, st.ewma[b]) < cost(da, st.ewma[a]) ? db : da;
            }
        }
        return scan(st);
    }

    private ServerView scan(final State st) {
        final int n = st.list.size();
        int eligible = 0;
        for (int i = 0; i < n; i++) {
            if (eligible(st.list.get(i))) {
                eligible++;
            }
        }
        if (eligible == 0) {
            return null;
        }
        int a = -1;
        int b = -1;
        final int r1 = context.random().nextInt(eligible);
        final int r2raw = eligible > 1 ? context.random().nextInt(eligible - 1) : -1;
        final int r2 = r2raw >= r1 ? r2raw + 1 : r2raw;
        int seen = 0;
        int first = -1;
        for (int i = 0; i < n; i++) {
            if (eligible(st.list.get(i))) {
                if (first < 0) {
                    first = i;
                }
                if (seen == r1) {
                    a = i;
                }
                if (seen == r2) {
                    b = i;
                }
                seen++;
            }
        }
        if (a < 0) { // weights or flags changed between the two passes: fall back to what is eligible now
            a = b >= 0 ? b : first;
            if (a < 0) {
                return null;
            }
            return st.list.get(a);
        }
        if (b < 0) {
            return st.list.get(a);
        }
        final double ca = cost(st.list.get(a), st.ewma[a]);
        final double cb = cost(st.list.get(b), st.ewma[b]);
        return cb < ca ? st.list.get(b) : st.list.get(a);
    }
}
