package io.jlvs.scheduler;

import io.jlvs.core.sched.Flow;
import io.jlvs.core.sched.SchedulerContext;
import io.jlvs.core.sched.ServerView;
import io.jlvs.core.sched.ServerListView;

import java.net.InetAddress;

/**
 * IPVS {@code lblc} (locality-based least connection): a cache maps each destination address to a server. A hit
 * is used while that server is available with weight above 0 and not "lblc-overloaded" (more active connections
 * than its weight while some server of the service has fewer than half its weight active); note that the OVERLOAD
 * flag is not checked on a hit, as in IPVS. Otherwise the wlc pick is used and cached for that address. The cache
 * has IPVS's size and collection rules ({@link LocalityTable}).
 *
 * <p>Thread-safe and lock-free; a hit allocates nothing, a miss allocates one cache entry.
 */
final class Lblc extends BaseScheduler {
    static final class CacheEntry extends LocalityTable.Entry {
        volatile ServerView dest;

        CacheEntry(final int fold, final InetAddress address, final long now, final ServerView dest) {
            super(fold, address, now);
            this.dest = dest;
        }
    }

    private final LocalityTable<CacheEntry> cache;

    Lblc(final SchedulerContext context, final long expirationNs) {
        super("lblc", context);
        this.cache = new LocalityTable<>(context.clock().nanoTime(), expirationNs);
    }

    LocalityTable<CacheEntry> cache() {
        return cache;
    }

    /** IPVS's lblc/lblcr overload test. */
    static boolean overloaded(final ServerView d, final ServerListView list) {
        if (d.activeConns() > d.weight()) {
            for (int i = 0; i < list.size(); i++) {
                final ServerView m = list.get(i);
                if (m.activeConns() * 2 < m.weight()) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public ServerView schedule(final Flow flow) {
        final long now = context.clock().nanoTime();
        cache.maybeCollect(now);
        final ServerListView list = servers;
        final int fold = flow.virtualAddressFold();
        final InetAddress key = LocalityTable.keyAddress(flow);
        final CacheEntry en = cache.get(fold, key);
        if (en != null) {
            en.lastUse = now;
            final ServerView d = en.dest;
            if (d.isAvailable() && d.weight() > 0 && !overloaded(d, list)) {
                return d;
            }
        }
        final ServerView d = LeastConnection.wlc(list);
        if (d == null) {
            return null;
        }
        final CacheEntry current = cache.get(fold, key);
        if (current == null) {
            cache.add(new CacheEntry(fold, key, now, d));
        } else if (current.dest != d) {
            cache.replace(current, new CacheEntry(fold, key, now, d));
        }
        return d;
    }
}
