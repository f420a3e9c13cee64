package io.jlvs.scheduler;

/**
 * SipHash (Aumasson and Bernstein, 2012) with a chosen number of compression and finalisation rounds: SipHash-2-4
 * is the standard, and SipHash-1-3 is what the Linux kernel's {@code hsiphash} is on 64-bit machines, which the
 * IPVS {@code mh} scheduler hashes with.
 *
 * <p>Thread-safe (stateless).
 */
public final class SipHash {
    private SipHash() {
    }

    /**
     * SipHash-c-d of a byte message.
     *
     * @param k0 first key word (the key's bytes 0..7, little-endian)
     * @param k1 second key word (bytes 8..15, little-endian)
     * @param message the message
     * @param c compression rounds per block
     * @param d finalisation rounds
     * @return the 64-bit hash
     */
    public static long hash(final long k0, final long k1, final byte[] message, final int c, final int d) {
        long v0 = 0x736f6d6570736575L ^ k0;
        long v1 = 0x646f72616e646f6dL ^ k1;
        long v2 = 0x6c7967656e657261L ^ k0;
        long v3 = 0x7465646279746573L ^ k1;
        final int len = message.length;
        final int end = len - (len % 8);
        for (int off = 0; off < end; off += 8) {
            long m = 0;
            for (int i = 7; i >= 0; i--) {
                m = m << 8 | (message[off + i] & 0xffL);
            }
            v3 ^= m;
            for (int r = 0; r < c; r++) {
                v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
                v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
                v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
                v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
            }
            v0 ^= m;
        }
        long b = (long) len << 56;
        for (int i = len - 1; i >= end; i--) {
            b |= (message[i] & 0xffL) << (8 * (i - end));
        }
        return finish(v0, v1, v2, v3, b, c, d);
    }

    private static long finish(final long iv0, final long iv1, final long iv2, final long iv3, final long b,
        final int c, final int d) {
        long v0 = iv0;
        long v1 = iv1;
        long v2 = iv2;
        long v3 = iv3 ^ b;
        for (int r = 0; r < c; r++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        v0 ^= b;
        v2 ^= 0xff;
        for (int r = 0; r < d; r++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }

    /**
     * The kernel's 64-bit {@code hsiphash} of one 32-bit value: SipHash-1-3 of its four little-endian bytes,
     * truncated to 32 bits. Allocation-free.
     *
     * @param k0 first key word
     * @param k1 second key word
     * @param value the value
     * @return the 32-bit hash
     */
    public static int hsiphash32(final long k0, final long k1, final int value) {
        final long v0 = 0x736f6d6570736575L ^ k0;
        final long v1 = 0x646f72616e646f6dL ^ k1;
        final long v2 = 0x6c7967656e657261L ^ k0;
        final long v3 = 0x7465646279746573L ^ k1;
        final long b = 4L << 56 | (value & 0xffffffffL);
        return (int) finish(v0, v1, v2, v3, b, 1, 3);
    }
}
