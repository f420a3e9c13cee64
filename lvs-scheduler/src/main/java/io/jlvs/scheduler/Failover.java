package io.jlvs.scheduler;

import io.jlvs.core.sched.Flow;
import io.jlvs.core.sched.SchedulerContext;
import io.jlvs.core.sched.ServerView;
import io.jlvs.core.sched.ServerListView;

/**
 * IPVS {@code fo} (weighted failover): the server with the highest weight among those not overloaded with weight
 * above 0, the first in list order on a tie; and IPVS {@code ovf} (weighted overflow): the same among servers
 * whose active connections do not exceed their weight, so traffic overflows to the next server once the heaviest
 * one holds as many active connections as its weight.
 *
 * <p>Thread-safe, lock-free, allocation-free.
 */
final class Failover extends BaseScheduler {
    private final boolean overflow;

    Failover(final boolean overflow, final SchedulerContext context) {
        super(overflow ? "ovf" : "fo", context);
        this.overflow = overflow;
    }

    @Override
    public ServerView schedule(final Flow flow) {
        final ServerListView list = servers;
        ServerView best = null;
        int bestWeight = 0;
        for (int i = 0; i < list.size(); i++) {
            final ServerView d = list.get(i);
            final int w = d.weight();
            if (d.isOverloaded() || w <= 0 || overflow && d.activeConns() > w) {
                continue;
            }
            if (best == null || w > bestWeight) {
                best = d;
                bestWeight = w;
            }
        }
        return best;
    }
}
