package io.jlvs.scheduler;

import io.jlvs.core.sched.Flow;
import io.jlvs.core.sched.SchedulerContext;
import io.jlvs.core.sched.ServerView;
import io.jlvs.core.sched.ServerListView;

/**
 * IPVS {@code dh}: a 256-bucket table where bucket i holds list element {@code i mod n} (weights ignored), built
 * at init and on add and remove but not on weight changes; the bucket is {@code hash_32(destination address, 8)}.
 * A bucket whose server is unavailable, has weight 0 or is overloaded gives no server (no fallback). With a single
 * virtual address every connection hashes to the same bucket: dh is meant for transparent cache clusters.
 *
 * <p>Thread-safe, lock-free, allocation-free.
 */
final class DestinationHashing extends BaseScheduler {
    static final int BITS = 8;
    static final int SIZE = 1 << BITS;

    private volatile ServerView[] buckets = new ServerView[SIZE];

    DestinationHashing(final SchedulerContext context) {
        super("dh", context);
    }

    private void assign(final ServerListView list) {
        final ServerView[] b = new ServerView[SIZE];
        final int n = list.size();
        if (n > 0) {
            for (int i = 0; i < SIZE; i++) {
                b[i] = list.get(i % n);
            }
        }
        buckets = b;
    }

    @Override
    public void init(final ServerListView list) {
        super.init(list);
        assign(list);
    }

    @Override
    public void onServerAdded(final ServerListView list, final ServerView server) {
        super.onServerAdded(list, server);
        assign(list);
    }

    @Override
    public void onServerRemoved(final ServerListView list, final ServerView server, final int formerIndex) {
        super.onServerRemoved(list, server, formerIndex);
        assign(list);
    }

    /** The bucket table, for tests. */
    ServerView[] buckets() {
        return buckets.clone();
    }

    @Override
    public ServerView schedule(final Flow flow) {
        final ServerView d = buckets[hash32(flow.virtualAddressFold(), BITS)];
        if (d == null || !d.isAvailable() || d.weight() <= 0 || d.isOverloaded()) {
            return null;
        }
        return d;
    }
}
