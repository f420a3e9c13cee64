package io.jlvs.scheduler;

import io.jlvs.core.sched.Flow;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The cache of {@code lblc} and {@code lblcr}: entries keyed by destination address in 1024 buckets
 * ({@code hash_32(address, 10)}), at most 16384 of them, with IPVS's garbage collection: a check every 60 s that
 * every 30th time drops every entry unused for the expiration time (24 h by default), and otherwise, only when the
 * table holds more than 16384 entries, drops entries unused for 6 minutes from a rotating bucket until
 * min((entries - 16384) * 4 / 3, 8192) are gone.
 *
 * <p>Thread-safe and lock-free: a bucket is an immutable array replaced by compare-and-set; entries keep their
 * mutable fields (server, last use) across copies. The collection runs inside a pick when it is due, claimed by
 * one thread with a compare-and-set on the next check time.
 *
 * @param <E> the entry type
 */
final class LocalityTable<E extends LocalityTable.Entry> {
    static final int BITS = 10;
    static final int SIZE = 1 << BITS;
    static final int MAX_SIZE = SIZE * 16;
    static final long CHECK_INTERVAL_NS = TimeUnit.SECONDS.toNanos(60);
    static final long ENTRY_TIMEOUT_NS = TimeUnit.MINUTES.toNanos(6);
    static final int COUNT_FOR_FULL_EXPIRATION = 30;
    /** IPVS's {@code lblc_expiration} / {@code lblcr_expiration} default: 24 hours. */
    static final long DEFAULT_EXPIRATION_NS = TimeUnit.HOURS.toNanos(24);

    /** A cache entry: the destination address it is for and when it was last used. */
    abstract static class Entry {
        final int fold;
        final InetAddress address;
        volatile long lastUse;

        Entry(final int fold, final InetAddress address, final long now) {
            this.fold = fold;
            this.address = address;
            this.lastUse = now;
        }

        boolean matches(final int f, final InetAddress a) {
            return fold == f && (address == null || address.equals(a));
        }
    }

    private static final Entry[] EMPTY = new Entry[0];

    private final AtomicReferenceArray<Entry[]> buckets = new AtomicReferenceArray<>(SIZE);
    private final AtomicInteger entries = new AtomicInteger();
    private final AtomicLong nextCheck;
    private final long expirationNs;
    private int counter = 1; // written only by the thread that claimed the check
    private int rover;

    LocalityTable(final long nowNs, final long expirationNs) {
        for (int i = 0; i < SIZE; i++) {
            buckets.set(i, EMPTY);
        }
        this.nextCheck = new AtomicLong(nowNs + CHECK_INTERVAL_NS);
        this.expirationNs = expirationNs;
    }

    long expirationNs() {
        return expirationNs;
    }

    /** The address part of the key: only IPv6 needs the object, IPv4 is exactly its fold. */
    static InetAddress keyAddress(final Flow flow) {
        final InetAddress a = flow.virtualAddress();
        return a instanceof Inet6Address ? a : null;
    }

    static int bucket(final int fold) {
        return BaseScheduler.hash32(fold, BITS);
    }

    @SuppressWarnings("unchecked")
    E get(final int fold, final InetAddress address) {
        final Entry[] b = buckets.get(bucket(fold));
        for (final Entry e : b) {
            if (e.matches(fold, address)) {
                return (E) e;
            }
        }
        return null;
    }

    /** The entry count as IPVS keeps it (see {@link #replace}). */
    int entries() {
        return entries.get();
    }

    /**
     * Adds an entry for a key that has none, unless the table is over its maximum size.
     *
     * @return the entry now in the table for that key (a concurrent insert may have won), or null if full
     */
    @SuppressWarnings("unchecked")
    E add(final E entry) {
        final int i = bucket(entry.fold);
        while (true) {
            final Entry[] b = buckets.get(i);
            for (final Entry e : b) {
                if (e.matches(entry.fold, entry.address)) {
                    return (E) e;
                }
            }
            if (entries.get() > MAX_SIZE) {
                return null;
            }
            final Entry[] n = new Entry[b.length + 1];
            n[0] = entry; // IPVS adds at the head of the bucket
            System.arraycopy(b, 0, n, 1, b.length);
            if (buckets.compareAndSet(i, b, n)) {
                entries.incrementAndGet();
                return entry;
            }
        }
    }

    /**
     * Replaces an entry with a new one for the same key. As in the kernel's {@code ip_vs_lblc_new}, the count is
     * incremented for the new entry but not decremented for the old one (a quirk kept so the collection triggers
     * exactly when IPVS's would); when the table is over its maximum size the old entry is dropped and none added.
     */
    void replace(final E old, final E entry) {
        final int i = bucket(entry.fold);
        while (true) {
            final Entry[] b = buckets.get(i);
            int at = -1;
            for (int k = 0; k < b.length; k++) {
                if (b[k] == old) {
                    at = k;
                }
            }
            final boolean full = entries.get() > MAX_SIZE;
            final Entry[] n = new Entry[b.length - (at >= 0 ? 1 : 0) + (full ? 0 : 1)];
            int w = 0;
            if (!full) {
                n[w++] = entry;
            }
            for (int k = 0; k < b.length; k++) {
                if (k != at) {
                    n[w++] = b[k];
                }
            }
            if (buckets.compareAndSet(i, b, n)) {
                if (!full) {
                    entries.incrementAndGet();
                }
                return;
            }
        }
    }

    /** Runs the periodic check when it is due; at most one thread runs it. */
    void maybeCollect(final long now) {
        final long due = nextCheck.get();
        if (now - due < 0 || !nextCheck.compareAndSet(due, now + CHECK_INTERVAL_NS)) {
            return;
        }
        collect(now);
    }

    /** One periodic check (the kernel's {@code check_expire}). */
    void collect(final long now) {
        if (counter % COUNT_FOR_FULL_EXPIRATION == 0) {
            int j = rover;
            for (int i = 0; i < SIZE; i++) {
                j = (j + 1) & (SIZE - 1);
                drop(j, now, expirationNs);
            }
            rover = j;
            counter = 1;
            return;
        }
        if (entries.get() <= MAX_SIZE) {
            counter++;
            return;
        }
        int goal = Math.min((entries.get() - MAX_SIZE) * 4 / 3, MAX_SIZE / 2);
        int j = rover;
        for (int i = 0; i < SIZE; i++) {
            j = (j + 1) & (SIZE - 1);
            goal -= drop(j, now, ENTRY_TIMEOUT_NS);
            if (goal <= 0) {
                break;
            }
        }
        rover = j;
    }

    /** Drops the entries of a bucket unused for at least idleNs; returns how many. */
    private int drop(final int bucket, final long now, final long idleNs) {
        while (true) {
            final Entry[] b = buckets.get(bucket);
            int keep = 0;
            for (final Entry e : b) {
                if (now - (e.lastUse + idleNs) < 0) {
                    keep++;
                }
            }
            if (keep == b.length) {
                return 0;
            }
            final Entry[] n = keep == 0 ? EMPTY : new Entry[keep];
            int w = 0;
            for (final Entry e : b) {
                if (now - (e.lastUse + idleNs) < 0) {
                    n[w++] = e;
                }
            }
            if (buckets.compareAndSet(bucket, b, n)) {
                entries.addAndGet(keep - b.length);
                return b.length - keep;
            }
        }
    }

    /** How many entries a bucket holds, for tests. */
    int bucketSize(final int bucket) {
        return buckets.get(bucket).length;
    }

    /** The next due check time, for tests. */
    long nextCheckNs() {
        return nextCheck.get();
    }
}
