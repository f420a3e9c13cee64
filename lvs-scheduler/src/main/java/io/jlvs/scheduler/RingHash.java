package io.jlvs.scheduler;

import io.jlvs.core.sched.Flow;
import io.jlvs.core.sched.SchedulerContext;
import io.jlvs.core.sched.ServerView;
import io.jlvs.core.sched.ServerListView;

/**
 * {@code ring}: ketama consistent hashing over the flow's key ({@link Flow#key()}: derived from the client address,
 * or the caller's own key). Servers own points on a ring in proportion to their weight; a key goes to the owner of
 * the first point at or after its hash, walking on past servers that are overloaded or unavailable. Removing one of
 * n servers moves about 1/n of the keys; the others stay. A server drained to weight 0 leaves the ring.
 *
 * <p>With {@code bounded} set, this is consistent hashing with bounded loads (Mirrokni, Thorup and Zadimoghaddam,
 * 2018): the walk also passes servers whose active connections reach
 * {@code ceil(c * (total active + 1) * weight / total weight)}, so no server carries more than c times its share.
 *
 * <p>Thread-safe, lock-free, allocation-free picks; the ring is rebuilt by the hooks.
 */
final class RingHash extends RebuildingScheduler {
    private final int pointsPerServer;
    private final double balance; // 0 = unbounded
    private volatile HashRing ring;

    RingHash(final String name, final SchedulerContext context, final int pointsPerServer, final double balance) {
        super(name, context);
        if (pointsPerServer < 1) {
            throw new IllegalArgumentException("pointsPerServer: " + pointsPerServer + " (expected: >= 1)");
        }
        if (balance != 0 && !(balance >= 1.0)) {
            throw new IllegalArgumentException("balanceFactor: " + balance + " (expected: >= 1.0)");
        }
        this.pointsPerServer = pointsPerServer;
        this.balance = balance;
        this.ring = HashRing.build(ServerListView.EMPTY, pointsPerServer);
    }

    @Override
    void rebuild(final ServerListView list) {
        ring = HashRing.build(list, pointsPerServer);
    }


    @Override
    public ServerView schedule(final Flow flow) {
        final HashRing r = ring;
        final int len = r.points.length;
        if (len == 0) {
            return null;
        }
        long totalActive = 0;
        long totalWeight = 0;
        if (balance != 0) {
            for (int i = 0; i < r.list.size(); i++) {
                final ServerView d = r.list.get(i);
                if (d.weight() > 0 && !d.isOverloaded()) {
                    totalActive += d.activeConns();
                    totalWeight += d.weight();
                }
            }
            if (totalWeight == 0) {
                return null;
            }
        }
        final int start = r.locate(flow.key());
        for (int k = 0; k < len; k++) {
            int p = start + k;
            if (p >= len) {
                p -= len;
            }
            final ServerView d = r.list.get(r.owners[p]);
            if (d.weight() <= 0 || d.isOverloaded()) {
                continue;
            }
            if (balance != 0) {
                final double capacity = Math.ceil(balance * (totalActive + 1) * d.weight() / totalWeight);
                if (d.activeConns() >= capacity) {
                    continue;
                }
            }
            return d;
        }
        return null;
    }
}
