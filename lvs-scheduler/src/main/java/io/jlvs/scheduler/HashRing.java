package io.jlvs.scheduler;

import io.jlvs.core.sched.Flows;
import io.jlvs.core.sched.ServerView;
import io.jlvs.core.sched.ServerListView;

import java.util.Arrays;

/**
 * A ketama-style hash ring: each server with weight w above 0 owns {@code pointsPerServer * w} points (scaled down
 * only if the ring would exceed {@value #MAX_POINTS} points), placed by hashing its address and port with the
 * point's index, so a server's points depend only on itself and the ring is the same in every process. Used by
 * {@code ring} and {@code bounded}.
 *
 * <p>Immutable.
 */
final class HashRing {
    static final int MAX_POINTS = 1 << 20;

    final ServerListView list;
    /** Point hashes with the sign bit flipped, so signed order is unsigned order; sorted. */
    final long[] points;
    /** The server index of each point. */
    final int[] owners;
    /** 64 minus the number of top hash bits that pick a guide bucket. */
    private final int guideShift;
    /** For each bucket of the hash space (by top bits), the first point at or after the bucket's start. */
    private final int[] guide;

    private HashRing(final ServerListView list, final long[] points, final int[] owners) {
        this.list = list;
        this.points = points;
        this.owners = owners;
        // about one to two points per bucket, so a lookup reads one guide slot and a point or two instead of
        // walking twenty levels of a binary search
        final int buckets = Math.max(2, Integer.highestOneBit(Math.max(1, points.length)));
        guideShift = 64 - Integer.numberOfTrailingZeros(buckets);
        guide = new int[buckets];
        int i = 0;
        for (int b = 0; b < buckets; b++) {
            final long start = ((long) b << guideShift) ^ Long.MIN_VALUE;
            while (i < points.length && points[i] < start) {
                i++;
            }
            guide[b] = i;
        }
    }

    static long serverHash(final ServerView s) {
        return Flows.hash(s.addressAndPort());
    }

    static HashRing build(final ServerListView list, final int pointsPerServer) {
        final int n = list.size();
        long totalWeight = 0;
        int weighted = 0;
        for (int i = 0; i < n; i++) {
            final int w = list.get(i).weight();
            if (w > 0) {
                totalWeight += w;
                weighted++;
            }
        }
        if (weighted == 0) {
            return new HashRing(list, new long[0], new int[0]);
        }
        // points in proportion to weight, with no normalisation: another server's arrival or departure must not
        // move this server's points (only a ring over MAX_POINTS is scaled down, which does move them)
        double scale = 1.0;
        if ((double) pointsPerServer * totalWeight > MAX_POINTS) {
            scale = (double) MAX_POINTS / ((double) pointsPerServer * totalWeight);
        }
        final int[] count = new int[n];
        int total = 0;
        for (int i = 0; i < n; i++) {
            final int w = list.get(i).weight();
            if (w > 0) {
                count[i] = (int) Math.max(1, Math.round((double) pointsPerServer * w * scale));
                total += count[i];
            }
        }
        final long[] keyed = new long[total];
        final int[] tmpOwner = new int[total];
        int k = 0;
        for (int i = 0; i < n; i++) {
            final long base = serverHash(list.get(i));
            for (int r = 0; r < count[i]; r++) {
                keyed[k] = Flows.mix64(base + r * 0x9E3779B97F4A7C15L) ^ Long.MIN_VALUE;
                tmpOwner[k] = i;
                k++;
            }
        }
        // sort points with their owners: sort indices by point value
        final long[] packed = new long[total];
        final Integer[] order = new Integer[total];
        for (int i = 0; i < total; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> {
            final int c = Long.compare(keyed[x], keyed[y]);
            return c != 0 ? c : Integer.compare(tmpOwner[x], tmpOwner[y]);
        });
        final int[] owners = new int[total];
        for (int i = 0; i < total; i++) {
            packed[i] = keyed[order[i]];
            owners[i] = tmpOwner[order[i]];
        }
        return new HashRing(list, packed, owners);
    }

    /** The index of the first point at or after the key, wrapping to 0. */
    int locate(final long key) {
        final long h = Flows.mix64(key);
        final long k = h ^ Long.MIN_VALUE;
        int i = guide[(int) (h >>> guideShift)];
        while (i < points.length && points[i] < k) {
            i++;
        }
        return i == points.length ? 0 : i;
    }
}
