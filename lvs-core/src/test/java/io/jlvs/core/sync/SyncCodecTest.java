package io.jlvs.core.sync;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.conn.ConnState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Property tests of the sync codec over seeded random record sets: round trip through batches within the datagram
 * limit; every truncation and every single-bit flip of every datagram rejected; random multi-byte damage and
 * random record bytes under a valid checksum either decode to exactly the original or are rejected with the codec's
 * own exception, never partially and never with another exception.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SyncCodecTest {
    private static final ConnState[] TCP_STATES = java.util.Arrays.stream(ConnState.values())
        .filter(s -> s != ConnState.UDP).toArray(ConnState[]::new);

    private static InetAddress addr(final SplittableRandom r, final boolean v6) {
        final byte[] b = new byte[v6 ? 16 : 4];
        r.nextBytes(b);
        if (v6) {
            b[0] = (byte) 0x20; // never IPv4-mapped
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (final UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static int port(final SplittableRandom r) {
        return r.nextInt(3) == 0 ? r.nextInt(2) * 0xffff : r.nextInt(65536);
    }

    private static long remaining(final SplittableRandom r) {
        return r.nextInt(4) == 0 ? (r.nextBoolean() ? 0 : SyncRecord.MAX_REMAINING_MILLIS)
            : r.nextLong(SyncRecord.MAX_REMAINING_MILLIS + 1);
    }

    static SyncRecord randomRecord(final SplittableRandom r) {
        final boolean v6 = r.nextInt(4) == 0;
        switch (r.nextInt(4)) {
            case 0:
                return new SyncRecord.TemplateRecord(r.nextBoolean() ? Protocol.TCP : Protocol.UDP, addr(r, v6),
                    addr(r, v6), port(r), port(r), addr(r, v6), port(r), remaining(r), r.nextBoolean());
            case 1:
                return new SyncRecord.FlowRecord(addr(r, v6), port(r), addr(r, v6), port(r), addr(r, v6), port(r),
                    remaining(r));
            case 2:
                return new SyncRecord.ConnectionRecord(TCP_STATES[r.nextInt(TCP_STATES.length)], addr(r, v6), port(r),
                    addr(r, v6), port(r), addr(r, v6), port(r), remaining(r));
            default:
                return new SyncRecord.Heartbeat(r.nextLong(), 1 + r.nextInt(0xffff));
        }
    }

    private static List<SyncRecord> randomRecords(final SplittableRandom r, final int max) {
        final int n = r.nextInt(max + 1);
        final List<SyncRecord> l = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            l.add(randomRecord(r));
        }
        return l;
    }

    private static SyncMessage decode(final SyncCodec c, final byte[] d) throws SyncFormatException {
        return c.decode(ByteBuffer.wrap(d));
    }

    @Test
    void recordsShouldRoundTripThroughBatchesWithinTheLimit() throws Exception {
        final SplittableRandom r = new SplittableRandom(1);
        for (int round = 0; round < 300; round++) {
            final int limit = SyncCodec.MIN_DATAGRAM_BYTES + r.nextInt(1500);
            final SyncCodec c = new SyncCodec(r.nextInt(256), limit);
            final List<SyncRecord> records = randomRecords(r, 200);
            final long seq0 = r.nextLong() & 0xffffffffL;
            final List<byte[]> datagrams = c.encodeAll(seq0, records);
            final List<SyncRecord> back = new ArrayList<>();
            for (int i = 0; i < datagrams.size(); i++) {
                final byte[] d = datagrams.get(i);
                assertTrue(d.length <= limit, d.length + " > " + limit);
                final SyncMessage m = decode(c, d);
                assertEquals(c.syncId(), m.syncId());
                assertEquals((seq0 + i) & 0xffffffffL, m.sequence());
                if (i < datagrams.size() - 1) {
                    // a batch is full: the next record would not have fit
                    final SyncRecord next = records.get(back.size() + m.records().size());
                    assertTrue(d.length + SyncCodec.encodedSize(next) > limit, "batch " + i + " not full");
                }
                back.addAll(m.records());
            }
            assertEquals(records, back);
        }
    }

    @Test
    void defaultLimitShouldBeTheMtuLessHeaders() {
        assertEquals(1472, SyncCodec.datagramLimit(SyncCodec.DEFAULT_MTU, false));
        assertEquals(1452, SyncCodec.datagramLimit(SyncCodec.DEFAULT_MTU, true));
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> SyncCodec.datagramLimit(100, false));
        assertEquals("mtu: 100 (expected at least 168)", e.getMessage());
        assertEquals("syncId: 256 (expected 0..255)", assertThrows(IllegalArgumentException.class,
            () -> new SyncCodec(256, 1472)).getMessage());
        // a full default batch of IPv4 templates: (1472 - 16) / 26 = 56 records
        final List<SyncRecord> many = new ArrayList<>();
        final SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 200; i++) {
            many.add(new SyncRecord.TemplateRecord(Protocol.TCP, addr(r, false), addr(r, false), 80, 80,
                addr(r, false), 8080, 300_000, true));
        }
        final List<byte[]> d = new SyncCodec(1, 1472).encodeAll(0, many);
        assertEquals(4, d.size());
        assertEquals(16 + 56 * 26, d.get(0).length);
    }

    @Test
    void everyTruncationAndEveryBitFlipShouldBeRejected() throws Exception {
        final SplittableRandom r = new SplittableRandom(2);
        int checked = 0;
        for (int round = 0; round < 20; round++) {
            final SyncCodec c = new SyncCodec(7, 400);
            for (final byte[] d : c.encodeAll(round, randomRecords(r, 20))) {
                for (int len = 0; len < d.length; len++) {
                    final byte[] cut = java.util.Arrays.copyOf(d, len);
                    final SyncFormatException e = assertThrows(SyncFormatException.class, () -> decode(c, cut));
                    assertEquals(SyncFormatException.Reason.TRUNCATED, e.reason(), "cut to " + len);
                    checked++;
                }
                for (int bit = 0; bit < d.length * 8; bit++) {
                    final byte[] f = d.clone();
                    f[bit >>> 3] ^= (byte) (1 << (bit & 7));
                    assertThrows(SyncFormatException.class, () -> decode(c, f), "bit " + bit);
                    checked++;
                }
            }
        }
        assertTrue(checked > 10_000, "checked " + checked);
    }

    @Test
    void randomDamageShouldDecodeEqualOrBeRejectedWithTheCodecsOwnError() {
        final SplittableRandom r = new SplittableRandom(4);
        final SyncCodec c = new SyncCodec(9, 600);
        int rejected = 0;
        for (int round = 0; round < 20_000; round++) {
            final List<SyncRecord> records = randomRecords(r, 15);
            final byte[] d = c.encodeAll(round, records).get(0);
            final byte[] x = d.clone();
            final boolean fixCrc = r.nextBoolean();
            final int flips = 1 + r.nextInt(6);
            for (int i = 0; i < flips; i++) {
                // with the checksum fixed up, damage the record area so the parser's own checks are exercised
                final int at = fixCrc && x.length > 16 ? 16 + r.nextInt(x.length - 16) : r.nextInt(x.length);
                x[at] = (byte) r.nextInt(256);
            }
            if (fixCrc) {
                fixChecksum(x);
            }
            final SyncMessage orig;
            try {
                orig = decode(c, d);
            } catch (final SyncFormatException e) {
                throw new AssertionError(e);
            }
            try {
                final SyncMessage m = decode(c, x);
                if (fixCrc) {
                    // bytes changed on purpose under a recomputed checksum: a valid message, written canonically
                    assertTrue(java.util.Arrays.equals(x, c.encodeAll(m.sequence(), m.records()).get(0)),
                        "not canonical");
                } else {
                    assertEquals(orig, m, "a damaged datagram decoded to something else");
                }
            } catch (final SyncFormatException e) {
                rejected++;
            } catch (final RuntimeException e) {
                fail("not the codec's exception for " + java.util.HexFormat.of().formatHex(x), e);
            }
        }
        assertTrue(rejected > 10_000, "rejected " + rejected);
    }

    @Test
    void randomBytesUnderAValidHeaderShouldNeverThrowAnythingElse() {
        final SplittableRandom r = new SplittableRandom(5);
        final SyncCodec c = new SyncCodec(0, 1472);
        int decoded = 0;
        for (int round = 0; round < 50_000; round++) {
            final byte[] x = new byte[16 + r.nextInt(200)];
            r.nextBytes(x);
            ByteBuffer.wrap(x).putShort(0, (short) SyncCodec.MAGIC).put(2, (byte) 1).put(3, (byte) 0)
                .putShort(8, (short) r.nextInt(12)).putShort(10, (short) x.length);
            if (x.length > 16 && r.nextInt(4) == 0) {
                x[16] = (byte) (1 + r.nextInt(4)); // a valid type
                if (x.length > 17) {
                    x[17] = (byte) (r.nextBoolean() ? 4 : 6);
                }
            }
            fixChecksum(x);
            try {
                final SyncMessage m = decode(c, x);
                // whatever decodes re-encodes to the same bytes: no field was read loosely
                final byte[] again = c.encodeAll(m.sequence(), m.records()).get(0);
                assertTrue(java.util.Arrays.equals(x, again), "re-encoding differs");
                decoded++;
            } catch (final SyncFormatException e) {
                // rejected
            } catch (final RuntimeException e) {
                fail("not the codec's exception for " + java.util.HexFormat.of().formatHex(x), e);
            }
        }
        assertTrue(decoded > 0, "some random datagrams are valid (count 0 with no bytes after the header)");
    }

    @Test
    void decoderShouldCountWhatItDropsByReasonAndPassNothingOn() {
        final SyncCodec mine = new SyncCodec(3, 1472);
        final SyncDecoder dec = new SyncDecoder(mine);
        final List<SyncRecord> one = List.of(new SyncRecord.Heartbeat(42, 1000));
        final byte[] good = mine.encodeAll(1, one).get(0);
        final byte[] other = new SyncCodec(4, 1472).encodeAll(1, one).get(0);
        final byte[] flipped = good.clone();
        flipped[good.length - 1] ^= 1;
        final byte[] v2 = good.clone();
        v2[2] = 2;
        assertNull(dec.accept(ByteBuffer.wrap(other)));
        assertNull(dec.accept(ByteBuffer.wrap(flipped)));
        assertNull(dec.accept(ByteBuffer.wrap(v2)));
        assertNull(dec.accept(ByteBuffer.wrap(java.util.Arrays.copyOf(good, 20))));
        assertNull(dec.accept(ByteBuffer.wrap("hello, this is not sync".getBytes(java.nio.charset.StandardCharsets
            .US_ASCII))));
        assertEquals(one, dec.accept(ByteBuffer.wrap(good)).records());
        assertEquals(1, dec.dropped(SyncFormatException.Reason.SYNC_ID));
        assertEquals(1, dec.dropped(SyncFormatException.Reason.CHECKSUM));
        assertEquals(1, dec.dropped(SyncFormatException.Reason.VERSION));
        assertEquals(1, dec.dropped(SyncFormatException.Reason.TRUNCATED));
        assertEquals(1, dec.dropped(SyncFormatException.Reason.MALFORMED));
        assertEquals(5, dec.droppedTotal());
        assertEquals(1, dec.accepted());
        assertEquals(1, dec.records());
        assertEquals("MALFORMED: magic 0x6865 (expected 0x4a53)", dec.lastError());
    }

    private static void fixChecksum(final byte[] x) {
        final CRC32 crc = new CRC32();
        crc.update(x, 0, 12);
        crc.update(x, 16, x.length - 16);
        ByteBuffer.wrap(x).putInt(12, (int) crc.getValue());
    }
}
