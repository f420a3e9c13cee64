package io.jlvs.scheduler;

import io.jlvs.core.config.SchedulerFlags;
import io.jlvs.core.sched.Flow;
import io.jlvs.core.sched.SchedulerContext;
import io.jlvs.core.sched.ServerView;
import io.jlvs.core.sched.ServerListView;

/**
 * IPVS {@code sh}: a 256-bucket table filled by walking the list cyclically, each server taking as many
 * consecutive buckets as its weight (a weight-0 server still takes one per round); rebuilt on init, add, remove and
 * update. The bucket is {@code (offset + hash_32(port + source address, 8)) & 255} with port 0 unless
 * {@code sh-port}. A bucket whose server has weight 0 or is overloaded gives no server, or with
 * {@code sh-fallback} the walk tries offsets 0..255 from the original bucket until a usable server (an empty
 * bucket ends the search).
 *
 * <p>Thread-safe, lock-free, allocation-free.
 */
final class SourceHashing extends RebuildingScheduler {
    static final int BITS = 8;
    static final int SIZE = 1 << BITS;
    static final int MASK = SIZE - 1;

    private volatile ServerView[] buckets = new ServerView[SIZE];

    SourceHashing(final SchedulerContext context) {
        super("sh", context);
    }

    static ServerView[] fill(final ServerListView list) {
        final ServerView[] b = new ServerView[SIZE];
        final int n = list.size();
        if (n == 0) {
            return b;
        }
        int p = 0;
        int count = 0;
        for (int i = 0; i < SIZE; i++) {
            final ServerView d = list.get(p);
            b[i] = d;
            if (++count >= d.weight()) {
                p = p + 1 == n ? 0 : p + 1;
                count = 0;
            }
        }
        return b;
    }

    @Override
    void rebuild(final ServerListView list) {
        buckets = fill(list);
    }

    /** The bucket table, for tests. */
    ServerView[] buckets() {
        return buckets.clone();
    }

    static int key(final int addr, final int port, final int offset) {
        return (offset + hash32(port + addr, BITS)) & MASK;
    }

    private static boolean unavailable(final ServerView d) {
        return d.weight() <= 0 || d.isOverloaded();
    }

    @Override
    public ServerView schedule(final Flow flow) {
        final int flags = context.schedulerFlags();
        final int port = (flags & SchedulerFlags.SH_PORT) != 0 ? flow.clientPort() : 0;
        final int addr = flow.clientAddressFold();
        final ServerView[] b = buckets;
        final int ih = key(addr, port, 0);
        ServerView d = b[ih];
        if ((flags & SchedulerFlags.SH_FALLBACK) == 0) {
            return d == null || unavailable(d) ? null : d;
        }
        if (d == null) {
            return null;
        }
        if (!unavailable(d)) {
            return d;
        }
        for (int off = 0; off < SIZE; off++) {
            final int r = (off + ih) % SIZE;
            d = b[key(addr, port, r)];
            if (d == null) {
                return null;
            }
            if (!unavailable(d)) {
                return d;
            }
        }
        return null;
    }
}
