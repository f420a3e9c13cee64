package io.jlvs.scheduler;

import io.jlvs.core.sched.Flow;
import io.jlvs.core.sched.SchedulerContext;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.ServerList;

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
        final RealServer[] members;
        final long lastMod;

        DestSet(final RealServer[] members, final long lastMod) {
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

        CacheEntry(final int fold, final InetAddress address, final long now, final RealServer first) {
            super(fold, address, now);
            this.set = new DestSet(new RealServer[] {first}, now);
        }

        boolean casSet(final DestSet expect, final DestSet update) {
            return SET.compareAndSet(this, expect, update);
        }

        void insert(final RealServer d, final long now) {
            while (true) {
                final DestSet s = set;
                for (final RealServer m : s.members) {
                    if (m == d) {
                        return;
                    }
                }
                final RealServer[] n = new RealServer[s.members.length + 1];
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

    static RealServer setMin(final RealServer[] set) {
        int i = 0;
        RealServer least = null;
        int loh = 0;
        for (; i < set.length; i++) {
            final RealServer d = set[i];
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
            final RealServer d = set[i];
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

    static RealServer setMax(final RealServer[] set) {
        int i = 0;
        RealServer most = null;
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
            final RealServer d = set[i];
            final int doh = d.overhead();
            if ((long) moh * d.weight() < (long) doh * most.weight() && d.weight() > 0) {
                most = d;
                moh = doh;
            }
        }
        return most;
    }

    @Override
    public RealServer schedule(final Flow flow) {
        final long now = context.clock().nanoTime();
        cache.maybeCollect(now);
        final ServerList list = servers;
        final int fold = flow.virtualAddressFold();
        final InetAddress key = LocalityTable.keyAddress(flow);
        final CacheEntry en = cache.get(fold, key);
        if (en != null) {
            en.lastUse = now;
            RealServer d = setMin(en.set.members);
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
        final RealServer d = LeastConnection.wlc(list);
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
            final RealServer m = setMax(s.members);
            if (m == null) {
                return;
            }
            final RealServer[] n = new RealServer[s.members.length - 1];
            int w = 0;
            boolean removed = false;
            for (final RealServer x : s.members) {
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
