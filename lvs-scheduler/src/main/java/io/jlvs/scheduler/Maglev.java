package io.jlvs.scheduler;

import io.jlvs.core.config.SchedulerFlags;
import io.jlvs.core.sched.Flow;
import io.jlvs.core.sched.SchedulerContext;
import io.jlvs.core.sched.ServerView;
import io.jlvs.core.sched.ServerListView;

/**
 * IPVS {@code mh}: Maglev hashing (Eisenbud et al., NSDI 2016, section 3.4) exactly as the kernel builds it, so a
 * JLVS director and a kernel director with the same servers map every client to the same server.
 *
 * <p>Table size M = 4093 (the kernel's default {@code CONFIG_IP_VS_MH_TAB_INDEX} 12). Hashes are the kernel's
 * 64-bit {@code hsiphash} (SipHash-1-3) of a 32-bit value with the fixed keys (2654435761, 2654435761) and
 * (2654446892, 2654446892). Each server, in list order, gets offset = h1(addr + port) mod M and
 * skip = h2(addr + port) mod (M - 1) + 1; turns = (last weight / gcd) &gt;&gt; shift (at least 1 for a server that
 * ever had a weight), shift keeping weight/gcd within 6 bits. The table fills round-robin over the servers, each
 * claiming its next free preferred slot {@code turns} times before the next server claims. The lookup slot is
 * h1(source address + port) mod M (port 0 unless {@code mh-port}). A slot whose server has weight 0 or is
 * overloaded gives no server, or with {@code mh-fallback} the lookup tries h1(address + port + offset) for offsets
 * from the slot onwards. Because slots follow the last non-zero weight, quiescing a server (weight 0) keeps its
 * slots. The table is rebuilt on every add, remove and update; with more servers than slots the rebuild is refused
 * and the old table stays, as in the kernel.
 *
 * <p>Thread-safe, lock-free, allocation-free picks.
 */
final class Maglev extends RebuildingScheduler {
    /** The kernel's default table size. */
    static final int DEFAULT_TABLE_SIZE = 4093;
    static final long KEY1 = 2654435761L;
    static final long KEY2 = 2654446892L;
    private static final int WEIGHT_BITS = 12 / 2;

    private final int size;
    private volatile ServerView[] table;

    Maglev(final SchedulerContext context, final int size) {
        super("mh", context);
        this.size = size;
        this.table = new ServerView[size];
    }

    static int hash(final long key, final int addr, final int port, final int offset) {
        return SipHash.hsiphash32(key, key, offset + port + addr);
    }

    private int mod(final int h, final int m) {
        return (int) ((h & 0xffffffffL) % m);
    }

    /** Builds the table for a list, or returns null when the list has more servers than slots. */
    ServerView[] build(final ServerListView list) {
        final int n = list.size();
        if (n > size) {
            return null;
        }
        final ServerView[] t = new ServerView[size];
        int g = 0;
        int maxW = 0;
        for (int i = 0; i < n; i++) {
            final int w = list.get(i).lastWeight();
            if (w > 0) {
                g = g > 0 ? WeightedRoundRobin.gcd(w, g) : w;
                maxW = Math.max(maxW, w);
            }
        }
        if (g < 1) {
            return t; // every last weight is 0: an empty table
        }
        final int mw = maxW / g;
        final int shift = Math.max(0, (32 - Integer.numberOfLeadingZeros(mw)) - WEIGHT_BITS);
        final int[] skip = new int[n];
        final int[] perm = new int[n];
        final int[] turns = new int[n];
        for (int i = 0; i < n; i++) {
            final ServerView d = list.get(i);
            perm[i] = mod(hash(KEY1, d.addressFold(), d.port(), 0), size);
            skip[i] = mod(hash(KEY2, d.addressFold(), d.port(), 0), size - 1) + 1;
            final int lw = d.lastWeight();
            final int reduced = (lw / g) >> shift;
            turns[i] = reduced != 0 ? reduced : (lw != 0 ? 1 : 0);
        }
        final boolean[] filled = new boolean[size];
        int filledCount = 0;
        int dt = 0;
        outer:
        while (true) {
            int i = 0;
            while (i < n) {
                if (turns[i] < 1) {
                    i++;
                    continue;
                }
                int c = perm[i];
                while (filled[c]) {
                    perm[i] += skip[i];
                    if (perm[i] >= size) {
                        perm[i] -= size;
                    }
                    c = perm[i];
                }
                filled[c] = true;
                t[c] = list.get(i);
                if (++filledCount == size) {
                    break outer;
                }
                if (++dt >= turns[i]) {
                    dt = 0;
                    i++;
                }
            }
        }
        return t;
    }

    @Override
    void rebuild(final ServerListView list) {
        final ServerView[] t = build(list);
        if (t != null) {
            table = t;
        }
    }

    @Override
    public void init(final ServerListView list) {
        if (list.size() > size) {
            throw new IllegalArgumentException("servers: " + list.size() + " (expected: at most " + size
                + " for mh)");
        }
        super.init(list);
    }

    /** The lookup table, for tests and the disruption measurement. */
    ServerView[] table() {
        return table.clone();
    }

    private static boolean unavailable(final ServerView d) {
        return d.weight() <= 0 || d.isOverloaded();
    }

    @Override
    public ServerView schedule(final Flow flow) {
        final int flags = context.schedulerFlags();
        final int port = (flags & SchedulerFlags.MH_PORT) != 0 ? flow.clientPort() : 0;
        final int addr = flow.clientAddressFold();
        final ServerView[] t = table;
        final int ih = mod(hash(KEY1, addr, port, 0), size);
        ServerView d = t[ih];
        if ((flags & SchedulerFlags.MH_FALLBACK) == 0) {
            return d == null || unavailable(d) ? null : d;
        }
        if (d == null) {
            return null;
        }
        if (!unavailable(d)) {
            return d;
        }
        for (int off = 0; off < size; off++) {
            final int r = (off + ih) % size;
            d = t[mod(hash(KEY1, addr, port, r), size)];
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
