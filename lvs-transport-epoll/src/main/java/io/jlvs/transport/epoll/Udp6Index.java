package io.jlvs.transport.epoll;

import io.jlvs.core.conn.Connection;

import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * A UDP endpoint's index of its IPv6 table flows by the raw source address the kernel reports (address, scope id,
 * port), so that a datagram of a known IPv6 flow is routed without making a Java address. Chained hash buckets
 * through {@link UdpFlow}'s {@code v6Next}; grows by doubling at three quarters full.
 *
 * <p>Not thread-safe; confined to its endpoint's event loop (which owns the flows' {@code v6*} fields too).
 */
final class Udp6Index {
    private UdpFlow[] buckets = new UdpFlow[16];
    private int count;

    private int bucket(final long hi, final long lo, final int port) {
        long h = (hi * 31 + lo) * 0x9E3779B97F4A7C15L + port;
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        h ^= h >>> 32;
        return (int) h & (buckets.length - 1);
    }

    /**
     * The live table flow of an IPv6 source, or null; allocates nothing. A flow found whose entry left the table is
     * closed (and so leaves the index).
     */
    UdpFlow find(final long hi, final long lo, final int scope, final int port) {
        if (count == 0) {
            return null;
        }
        UdpFlow f = buckets[bucket(hi, lo, port)];
        while (f != null) {
            if (f.v6Low == lo && f.v6High == hi && f.clientPort == port && f.v6Scope == scope) {
                final Connection c = f.conn;
                if (c.isTracked() && c.attachment() == f) {
                    return f;
                }
                f.close(); // its entry left the table: the flow is over (and leaves the index)
                return null;
            }
            f = f.v6Next;
        }
        return null;
    }

    /** Indexes a table flow by its raw source address; a flow indexed already is moved to the new one. */
    void add(final UdpFlow f, final long hi, final long lo, final int scope) {
        if (f.hashed6) {
            remove(f);
        }
        if (count >= buckets.length * 3 / 4) {
            final UdpFlow[] old = buckets;
            buckets = new UdpFlow[old.length * 2];
            for (UdpFlow e : old) {
                while (e != null) {
                    final UdpFlow next = e.v6Next;
                    final int b = bucket(e.v6High, e.v6Low, e.clientPort);
                    e.v6Next = buckets[b];
                    buckets[b] = e;
                    e = next;
                }
            }
        }
        f.v6High = hi;
        f.v6Low = lo;
        f.v6Scope = scope;
        final int b = bucket(hi, lo, f.clientPort);
        f.v6Next = buckets[b];
        buckets[b] = f;
        f.hashed6 = true;
        count++;
    }

    /** Indexes a table flow by a Java address, as the kernel will report it (an IPv4 client as v4-mapped). */
    void add(final UdpFlow f, final InetAddress client) {
        final byte[] b = ipv6Bytes(client);
        add(f, word64(b, 0), word64(b, 8), client instanceof Inet6Address six ? six.getScopeId() : 0);
    }

    /** Removes a closing flow from the index. */
    void remove(final UdpFlow f) {
        final int b = bucket(f.v6High, f.v6Low, f.clientPort);
        if (buckets[b] == f) {
            buckets[b] = f.v6Next;
        } else {
            UdpFlow p = buckets[b];
            while (p != null && p.v6Next != f) {
                p = p.v6Next;
            }
            if (p == null) {
                return;
            }
            p.v6Next = f.v6Next;
        }
        f.v6Next = null;
        f.hashed6 = false;
        count--;
    }

    /** The 16 bytes the kernel reports for a client of an IPv6 socket (an IPv4 client as {@code ::ffff:a.b.c.d}). */
    private static byte[] ipv6Bytes(final InetAddress a) {
        final byte[] b = a.getAddress();
        if (b.length == 16) {
            return b;
        }
        final byte[] m = new byte[16];
        m[10] = (byte) 0xff;
        m[11] = (byte) 0xff;
        System.arraycopy(b, 0, m, 12, 4);
        return m;
    }

    private static long word64(final byte[] b, final int at) {
        long v = 0;
        for (int k = 0; k < 8; k++) {
            v = v << 8 | (b[at + k] & 0xffL);
        }
        return v;
    }
}
