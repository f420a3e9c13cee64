package io.jlvs.scheduler;

import io.jlvs.core.sched.Flow;
import io.jlvs.core.sched.SchedulerContext;
import io.jlvs.core.sched.ServerView;
import io.jlvs.core.sched.ServerListView;

/**
 * The IPVS least-connection family, stateless scans of the list in IPVS order:
 * <ul>
 *   <li>{@code lc}: least {@code overhead = active * 256 + inactive} among servers with weight above 0 that are not
 *   overloaded; ties keep the earlier server;</li>
 *   <li>{@code wlc}: least overhead / weight, by cross-multiplication in 64 bits; the first eligible server starts,
 *   a later one replaces it only when strictly better (a later weight-0 server never wins);</li>
 *   <li>{@code sed}: as wlc with {@code active + 1} as the load (inactive connections ignored);</li>
 *   <li>{@code nq}: the first idle server (no active connection) in list order, else as sed.</li>
 * </ul>
 * With every server at 0 connections the most recently added eligible server wins, as in IPVS.
 *
 * <p>Thread-safe, lock-free, allocation-free.
 */
final class LeastConnection extends BaseScheduler {
    enum Kind { LC, WLC, SED, NQ }

    private final Kind kind;

    LeastConnection(final Kind kind, final SchedulerContext context) {
        super(kind.name().toLowerCase(java.util.Locale.ROOT), context);
        this.kind = kind;
    }

    @Override
    public ServerView schedule(final Flow flow) {
        final ServerListView list = servers;
        switch (kind) {
            case LC:
                return lc(list);
            case WLC:
                return wlc(list);
            case SED:
                return sed(list);
            default:
                return nq(list);
        }
    }

    private static ServerView lc(final ServerListView list) {
        ServerView best = null;
        int bestOh = 0;
        for (int i = 0; i < list.size(); i++) {
            final ServerView d = list.get(i);
            if (d.isOverloaded() || d.weight() == 0) {
                continue;
            }
            final int oh = d.overhead();
            if (best == null || oh < bestOh) {
                best = d;
                bestOh = oh;
            }
        }
        return best;
    }

    /** The wlc loop of IPVS, also used by lblc and lblcr. */
    static ServerView wlc(final ServerListView list) {
        final int n = list.size();
        int i = 0;
        ServerView least = null;
        int loh = 0;
        for (; i < n; i++) {
            final ServerView d = list.get(i);
            if (!d.isOverloaded() && d.weight() > 0) {
                least = d;
                loh = d.overhead();
                break;
            }
        }
        if (least == null) {
            return null;
        }
        int lw = least.weight();
        for (i++; i < n; i++) {
            final ServerView d = list.get(i);
            if (d.isOverloaded()) {
                continue;
            }
            final int doh = d.overhead();
            final int dw = d.weight();
            if ((long) loh * dw > (long) doh * lw) {
                least = d;
                loh = doh;
                lw = dw;
            }
        }
        return least;
    }

    private static ServerView sed(final ServerListView list) {
        final int n = list.size();
        int i = 0;
        ServerView least = null;
        int loh = 0;
        for (; i < n; i++) {
            final ServerView d = list.get(i);
            if (!d.isOverloaded() && d.weight() > 0) {
                least = d;
                loh = d.activeConns() + 1;
                break;
            }
        }
        if (least == null) {
            return null;
        }
        int lw = least.weight();
        for (i++; i < n; i++) {
            final ServerView d = list.get(i);
            if (d.isOverloaded()) {
                continue;
            }
            final int doh = d.activeConns() + 1;
            final int dw = d.weight();
            if ((long) loh * dw > (long) doh * lw) {
                least = d;
                loh = doh;
                lw = dw;
            }
        }
        return least;
    }

    private static ServerView nq(final ServerListView list) {
        ServerView least = null;
        int loh = 0;
        int lw = 0;
        for (int i = 0; i < list.size(); i++) {
            final ServerView d = list.get(i);
            final int dw = d.weight();
            if (d.isOverloaded() || dw == 0) {
                continue;
            }
            final int active = d.activeConns();
            if (active == 0) {
                return d;
            }
            final int doh = active + 1;
            if (least == null || (long) loh * dw > (long) doh * lw) {
                least = d;
                loh = doh;
                lw = dw;
            }
        }
        return least;
    }
}
