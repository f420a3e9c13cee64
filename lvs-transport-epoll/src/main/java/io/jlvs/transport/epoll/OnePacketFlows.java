package io.jlvs.transport.epoll;

import io.jlvs.core.service.RealServer;
import io.jlvs.core.transport.LruList;

/**
 * A UDP endpoint's one-packet flows ({@code -o}): the sockets kept per (client, server) pair so that replies find
 * their client although no table entry is kept. Hashed by client (folded address, port) in chained buckets through
 * {@link UdpFlow}'s {@code opsNext}, and ordered by last use in an {@link LruList} for their idle timeout (the UDP
 * timeout). Nothing here allocates per datagram; the buckets grow by doubling at three quarters full.
 *
 * <p>Not thread-safe; confined to its endpoint's event loop (which owns the flows' {@code ops*} fields too).
 */
final class OnePacketFlows {
    private UdpFlow[] buckets = new UdpFlow[64];
    private int count;
    private final LruList<UdpFlow> lru = new LruList<>();

    /** The key of a client: its folded address and port. */
    static long key(final int clientFold, final int clientPort) {
        return (clientFold & 0xffffffffL) << 16 | clientPort;
    }

    private int bucket(final long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        h ^= h >>> 29;
        return (int) h & (buckets.length - 1);
    }

    /**
     * The flow of a client to a server, or null; allocates nothing.
     *
     * @param key the client's {@link #key}
     * @param hi the high half of an IPv6 client's raw address, 0 for an IPv4 client (the key says it all)
     * @param lo the low half, 0 for IPv4
     * @param scope an IPv6 client's scope id, 0 for IPv4
     */
    UdpFlow find(final long key, final RealServer server, final long hi, final long lo, final int scope) {
        UdpFlow f = buckets[bucket(key)];
        while (f != null && !(f.opsKey == key && f.server == server && f.v6Low == lo && f.v6High == hi
            && f.v6Scope == scope)) {
            f = f.opsNext;
        }
        return f;
    }

    /** Adds a new flow of a client ({@link #find}'s numbers), used now. */
    void add(final UdpFlow f, final long key, final long hi, final long lo, final int scope, final long nowNs) {
        f.v6High = hi;
        f.v6Low = lo;
        f.v6Scope = scope;
        if (count >= buckets.length * 3 / 4) {
            final UdpFlow[] old = buckets;
            buckets = new UdpFlow[old.length * 2];
            for (UdpFlow e : old) {
                while (e != null) {
                    final UdpFlow next = e.opsNext;
                    final int b = bucket(e.opsKey);
                    e.opsNext = buckets[b];
                    buckets[b] = e;
                    e = next;
                }
            }
        }
        f.opsKey = key;
        final int b = bucket(key);
        f.opsNext = buckets[b];
        buckets[b] = f;
        count++;
        lru.add(f, nowNs);
    }

    /** A flow was used: it moves to the young end. */
    void touch(final UdpFlow f, final long nowNs) {
        lru.touch(f, nowNs);
    }

    /** Closes the flows idle for the timeout, oldest first, at most {@code limit}. */
    void expire(final long nowNs, final long timeoutNs, final int limit) {
        UdpFlow f;
        for (int n = 0; n < limit && (f = lru.expired(nowNs, timeoutNs)) != null; n++) {
            remove(f);
        }
    }

    /** Unhashes and closes a flow. */
    void remove(final UdpFlow f) {
        lru.remove(f);
        final int b = bucket(f.opsKey);
        if (buckets[b] == f) {
            buckets[b] = f.opsNext;
        } else {
            UdpFlow p = buckets[b];
            while (p != null && p.opsNext != f) {
                p = p.opsNext;
            }
            if (p != null) {
                p.opsNext = f.opsNext;
            }
        }
        f.opsNext = null;
        count--;
        f.close();
    }

    /** Closes every flow. */
    void closeAll() {
        while (!lru.isEmpty()) {
            remove(lru.oldest());
        }
    }
}
