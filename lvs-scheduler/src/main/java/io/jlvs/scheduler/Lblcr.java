package io.jlvs.scheduler;

import io.jlvs.core.sched.Flow;
import io.jlvs.core.sched.SchedulerContext;
import io.jlvs.core.sched.ServerView;
import io.jlvs.core.sched.ServerListView;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetAddress;

/**
 * IPVS {@code lblcr} (locality-based least connection with replication): the cache maps each destination address
 * to a set of servers (most recently added first). A hit takes the set's least loaded member (per weight, skipping
 * overloaded, weight-0 and unavailable members); when the set has more than one member and has not changed for the
 * expiration time, its most loaded member is dropped. If the chosen member is lblc-overloaded or none is usable,
 * the wlc pick is used and added to the set. A miss caches a new one-member set.
 *
 * <p>Thread-safe and lock-free: a set is an immutable snapshot replaced by compare-and-set.
 */
final class Lblcr extends BaseScheduler {
    /** An immutable server set with the time it last changed. */
    static final class DestSet {
        final ServerView[] members;
        final long lastMod;

        DestSet(final ServerView[] members, final long lastMod) {
            this.members = members;
            this.lastMod = lastMod;
        }
    }

    static final class CacheEntry extends LocalityTable.Entry {
        private static final VarHandle SET;

        static {
            try {
                SET = MethodHandles.lookup().findVarHandle(CacheEntry.class, "set", DestSet.class);
            } catch (final ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        volatile DestSet set;

        CacheEntry(final int fold, final InetAddress address, final long now, final ServerView first) {
            super(fold, address, now);
            this.set = new DestSet(new ServerView[] {first}, now);
        }

        boolean casSet(final DestSet expect, final DestSet update) {
            return SET.compareAndSet(this, expect, update);
        }

        void insert(final ServerView d, final long now) {
            while (true) {
                final DestSet s = set;
                for (final ServerView m : s.members) {
                    if (m == d) {
                        return;
                    }
                }
                final ServerView[] n = new ServerView[s.members.length + 1];
                n[0] = d;
                System.arraycopy(s.members, 0, n, 1, s.members.length);
                if (casSet(s, new DestSet(n, now))) {
                    return;
                }
            }
        }
    }

    private final LocalityTable<CacheEntry> cache;

    Lblcr(final SchedulerContext context, final long expirationNs) {
        super("lblcr", context);
        this.cache = new LocalityTable<>(context.clock().nanoTime(), expirationNs);
    }

    LocalityTable<CacheEntry> cache() {
        return cache;
    }

    static ServerView setMin(final ServerView[] set) {
        int i = 0;
        ServerView least = null;
        int loh = 0;
        for (; i < set.length; i++) {
            final ServerView d = set[i];
            if (d.isOverloaded()) {
                continue;
            }
            if (d.weight() > 0 && d.isAvailable()) {
                least = d;
                loh = d.overhead();
                break;
            }
        }
        if (least == null) {
            return null;
        }
        for (i++; i < set.length; i++) {
            final ServerView d = set[i];
            if (d.isOverloaded()) {
                continue;
            }
            final int doh = d.overhead();
            if ((long) loh * d.weight() > (long) doh * least.weight() && d.isAvailable()) {
                least = d;
                loh = doh;
            }
        }
        return least;
    }

    static ServerView setMax(final ServerView[] set) {
        int i = 0;
        ServerView most = null;
        int moh = 0;
        for (; i < set.length; i++) {
            if (set[i].weight() > 0) {
                most = set[i];
                moh = most.overhead();
                break;
            }
        }
        if (most == null) {
            return null;
        }
        for (i++; i < set.length; i++) {
            final ServerView d = set[i];
            final int doh = d.overhead();
            if ((long) moh * d.weight() < (long) doh * most.weight() && d.weight() > 0) {
                most = d;
                moh = doh;
            }
        }
        return most;
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
            ServerView d = setMin(en.set.members);
            shrink(en, now);
            if (d != null && !Lblc.overloaded(d, list)) {
                return d;
            }
            d = LeastConnection.wlc(list);
            if (d == null) {
                return null;
            }
            en.insert(d, now);
            return d;
        }
        final ServerView d = LeastConnection.wlc(list);
        if (d == null) {
            return null;
        }
        final CacheEntry added = cache.add(new CacheEntry(fold, key, now, d));
        if (added != null) {
            added.insert(d, now);
        }
        return d;
    }

    private void shrink(final CacheEntry en, final long now) {
        while (true) {
            final DestSet s = en.set;
            if (s.members.length <= 1 || now - (s.lastMod + cache.expirationNs()) <= 0) {
                return;
            }
            final ServerView m = setMax(s.members);
            if (m == null) {
                return;
            }
            final ServerView[] n = new ServerView[s.members.length - 1];
            int w = 0;
            boolean removed = false;
            for (final ServerView x : s.members) {
                if (x == m && !removed) {
                    removed = true;
                } else {
                    n[w++] = x;
                }
            }
            if (en.casSet(s, new DestSet(n, now))) {
                return;
            }
        }
    }
}
