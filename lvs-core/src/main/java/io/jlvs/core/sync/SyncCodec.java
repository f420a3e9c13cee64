package io.jlvs.core.sync;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.conn.ConnState;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * The sync wire format, version 1, and its batching into datagrams of at most an MTU.
 *
 * <p>A datagram is a 16-byte header and records, big-endian:
 * <pre>
 *  0  u16 magic 0x4A53 ("JS")      2  u8 version (1)       3  u8 sync id
 *  4  u32 sequence                 8  u16 record count    10  u16 datagram length (header included)
 * 12  u32 CRC-32 of the datagram with these four bytes taken as zero
 * </pre>
 * Each record starts with a type byte and an address family byte (4 or 6), and has a fixed size for its type and
 * family; addresses are 4 or 16 bytes:
 * <pre>
 * 1 template  type fam proto(6|17) flags(bit 0 assured) servicePort:u16 templatePort:u16 serverPort:u16
 *             remainingMs:u32 clientNetwork virtualAddress serverAddress           (26 / 62 bytes)
 * 2 UDP flow  type fam clientPort:u16 virtualPort:u16 serverPort:u16 remainingMs:u32
 *             clientAddress virtualAddress serverAddress                           (24 / 60 bytes)
 * 3 TCP conn  type fam state(ConnState ordinal, not UDP) 0 clientPort virtualPort serverPort remainingMs:u32
 *             clientAddress virtualAddress serverAddress                           (26 / 62 bytes)
 * 4 heartbeat type 0 intervalMs:u16 masterId:u64                                   (12 bytes)
 * </pre>
 * A decoder checks the whole datagram (length, magic, version, checksum, sync id, every record, nothing left over)
 * before it returns anything, so a datagram is applied whole or not at all. A version other than 1 is rejected: a
 * later format announces itself with a new version number.
 *
 * <p>Thread-safe for decoding and encoding from several threads (no mutable state but a per-call checksum).
 */
public final class SyncCodec {
    /** The format version this codec writes and reads. */
    public static final int VERSION = 1;
    /** The header's size. */
    public static final int HEADER_BYTES = 16;
    /** The MTU a sync link is assumed to have unless configured. */
    public static final int DEFAULT_MTU = 1500;
    /** The smallest datagram limit accepted (room for the header and two of the largest records). */
    public static final int MIN_DATAGRAM_BYTES = HEADER_BYTES + 2 * 62;
    /** The largest datagram (the length field is 16 bits). */
    public static final int MAX_DATAGRAM_BYTES = 0xffff;
    static final int MAGIC = 0x4A53;
    static final byte TEMPLATE = 1;
    static final byte FLOW = 2;
    static final byte CONNECTION = 3;
    static final byte HEARTBEAT = 4;
    private static final ConnState[] STATES = ConnState.values();

    private final int syncId;
    private final int maxDatagramBytes;

    /**
     * A codec for one sync id.
     *
     * @param syncId 0..255, as {@code ipvsadm --syncid}
     * @param maxDatagramBytes the largest datagram to write, {@value #MIN_DATAGRAM_BYTES}..65535 (see
     *     {@link #datagramLimit})
     * @throws IllegalArgumentException naming the value out of range
     */
    public SyncCodec(final int syncId, final int maxDatagramBytes) {
        if (syncId < 0 || syncId > 255) {
            throw new IllegalArgumentException("syncId: " + syncId + " (expected 0..255)");
        }
        if (maxDatagramBytes < MIN_DATAGRAM_BYTES || maxDatagramBytes > MAX_DATAGRAM_BYTES) {
            throw new IllegalArgumentException("maxDatagramBytes: " + maxDatagramBytes + " (expected "
                + MIN_DATAGRAM_BYTES + ".." + MAX_DATAGRAM_BYTES + ")");
        }
        this.syncId = syncId;
        this.maxDatagramBytes = maxDatagramBytes;
    }

    /**
     * The UDP payload that fits in one packet of an MTU: the MTU less the IP header (20 bytes, 40 for IPv6) and the
     * UDP header (8 bytes).
     *
     * @param mtu the link MTU
     * @param ipv6 whether the sync traffic is IPv6
     * @return the datagram limit
     * @throws IllegalArgumentException if the MTU leaves less than {@value #MIN_DATAGRAM_BYTES} bytes
     */
    public static int datagramLimit(final int mtu, final boolean ipv6) {
        final int limit = Math.min(mtu - (ipv6 ? 48 : 28), MAX_DATAGRAM_BYTES);
        if (limit < MIN_DATAGRAM_BYTES) {
            throw new IllegalArgumentException("mtu: " + mtu + " (expected at least " + (MIN_DATAGRAM_BYTES
                + (ipv6 ? 48 : 28)) + ")");
        }
        return limit;
    }

    /**
     * The sync id.
     *
     * @return 0..255
     */
    public int syncId() {
        return syncId;
    }

    /**
     * The datagram limit.
     *
     * @return bytes
     */
    public int maxDatagramBytes() {
        return maxDatagramBytes;
    }

    /**
     * The encoded size of a record.
     *
     * @param r the record
     * @return bytes
     */
    public static int encodedSize(final SyncRecord r) {
        if (r instanceof SyncRecord.Heartbeat) {
            return 12;
        }
        final boolean v6 = address(r) instanceof Inet6Address;
        final int addrs = v6 ? 48 : 12;
        if (r instanceof SyncRecord.FlowRecord) {
            return 12 + addrs;
        }
        return 14 + addrs;
    }

    private static InetAddress address(final SyncRecord r) {
        if (r instanceof SyncRecord.TemplateRecord t) {
            return t.clientNetwork();
        }
        if (r instanceof SyncRecord.FlowRecord f) {
            return f.clientAddress();
        }
        return ((SyncRecord.ConnectionRecord) r).clientAddress();
    }

    /**
     * Writes one datagram into {@code out} (cleared first, flipped at the end): the header and as many records from
     * {@code records[from..]} as fit within the datagram limit and the buffer.
     *
     * @param sequence the datagram's sequence number (its low 32 bits are sent)
     * @param records the records
     * @param from the first record to write
     * @param out the buffer, at least {@value #MIN_DATAGRAM_BYTES} bytes
     * @return the index of the first record not written ({@code records.size()} when all were)
     * @throws IllegalArgumentException if the buffer is too small
     */
    public int encode(final long sequence, final List<? extends SyncRecord> records, final int from,
        final ByteBuffer out) {
        if (out.capacity() < MIN_DATAGRAM_BYTES) {
            throw new IllegalArgumentException("buffer of " + out.capacity() + " bytes (expected at least "
                + MIN_DATAGRAM_BYTES + ")");
        }
        final int limit = Math.min(maxDatagramBytes, out.capacity());
        out.clear();
        out.putShort((short) MAGIC).put((byte) VERSION).put((byte) syncId).putInt((int) sequence);
        out.putShort((short) 0).putShort((short) 0).putInt(0);
        int i = from;
        int count = 0;
        while (i < records.size() && count < 0xffff) {
            final SyncRecord r = records.get(i);
            if (out.position() + encodedSize(r) > limit) {
                break;
            }
            write(r, out);
            i++;
            count++;
        }
        final int length = out.position();
        out.putShort(8, (short) count).putShort(10, (short) length);
        out.flip();
        out.putInt(12, (int) checksum(out, 0, length));
        return i;
    }

    /**
     * Encodes records into as many datagrams as they need.
     *
     * @param firstSequence the first datagram's sequence number; the next ones count up
     * @param records the records
     * @return the datagrams
     */
    public List<byte[]> encodeAll(final long firstSequence, final List<? extends SyncRecord> records) {
        final List<byte[]> out = new ArrayList<>();
        final ByteBuffer b = ByteBuffer.allocate(maxDatagramBytes);
        int i = 0;
        long seq = firstSequence;
        do {
            i = encode(seq++, records, i, b);
            final byte[] d = new byte[b.remaining()];
            b.get(d);
            out.add(d);
        } while (i < records.size());
        return out;
    }

    private static long checksum(final ByteBuffer b, final int off, final int length) {
        final CRC32 crc = new CRC32();
        final ByteBuffer d = b.duplicate();
        d.limit(off + 12).position(off);
        crc.update(d);
        d.limit(off + length).position(off + HEADER_BYTES);
        crc.update(d);
        return crc.getValue();
    }

    private static void write(final SyncRecord r, final ByteBuffer out) {
        if (r instanceof SyncRecord.Heartbeat h) {
            out.put(HEARTBEAT).put((byte) 0).putShort((short) h.intervalMillis()).putLong(h.masterId());
        } else if (r instanceof SyncRecord.TemplateRecord t) {
            out.put(TEMPLATE).put(family(t.clientNetwork())).put((byte) t.protocol().number())
                .put((byte) (t.assured() ? 1 : 0)).putShort((short) t.servicePort()).putShort((short) t.templatePort())
                .putShort((short) t.serverPort()).putInt((int) t.remainingMillis());
            out.put(t.clientNetwork().getAddress()).put(t.virtualAddress().getAddress())
                .put(t.serverAddress().getAddress());
        } else if (r instanceof SyncRecord.FlowRecord f) {
            out.put(FLOW).put(family(f.clientAddress())).putShort((short) f.clientPort())
                .putShort((short) f.virtualPort()).putShort((short) f.serverPort()).putInt((int) f.remainingMillis());
            out.put(f.clientAddress().getAddress()).put(f.virtualAddress().getAddress())
                .put(f.serverAddress().getAddress());
        } else {
            final SyncRecord.ConnectionRecord c = (SyncRecord.ConnectionRecord) r;
            out.put(CONNECTION).put(family(c.clientAddress())).put((byte) c.state().ordinal()).put((byte) 0)
                .putShort((short) c.clientPort()).putShort((short) c.virtualPort()).putShort((short) c.serverPort())
                .putInt((int) c.remainingMillis());
            out.put(c.clientAddress().getAddress()).put(c.virtualAddress().getAddress())
                .put(c.serverAddress().getAddress());
        }
    }

    private static byte family(final InetAddress a) {
        return (byte) (a instanceof Inet4Address ? 4 : 6);
    }

    /**
     * Decodes a whole datagram, {@code in.position()..in.limit()} (the buffer's position is not moved), for this
     * codec's sync id.
     *
     * @param in the datagram
     * @return the message with every record
     * @throws SyncFormatException if anything about it is wrong, or it is for another sync id; nothing was applied
     */
    public SyncMessage decode(final ByteBuffer in) throws SyncFormatException {
        final SyncMessage m = decodeAnyId(in);
        if (m.syncId() != syncId) {
            throw new SyncFormatException(SyncFormatException.Reason.SYNC_ID, "sync id " + m.syncId()
                + " (this director syncs id " + syncId + ")");
        }
        return m;
    }

    /**
     * Decodes a whole datagram of any sync id, {@code in.position()..in.limit()} (the position is not moved).
     *
     * @param in the datagram
     * @return the message
     * @throws SyncFormatException if it is truncated, malformed, of another version or corrupted
     */
    public static SyncMessage decodeAnyId(final ByteBuffer in) throws SyncFormatException {
        final int base = in.position();
        final int size = in.remaining();
        if (size < HEADER_BYTES) {
            throw new SyncFormatException(SyncFormatException.Reason.TRUNCATED, size + " bytes (a header has "
                + HEADER_BYTES + ")");
        }
        final int magic = in.getShort(base) & 0xffff;
        if (magic != MAGIC) {
            throw new SyncFormatException(SyncFormatException.Reason.MALFORMED, String.format(
                "magic 0x%04x (expected 0x%04x)", magic, MAGIC));
        }
        final int version = in.get(base + 2) & 0xff;
        if (version != VERSION) {
            throw new SyncFormatException(SyncFormatException.Reason.VERSION, "version " + version + " (expected "
                + VERSION + ")");
        }
        final int length = in.getShort(base + 10) & 0xffff;
        if (size < length) {
            throw new SyncFormatException(SyncFormatException.Reason.TRUNCATED, size + " bytes of a " + length
                + "-byte datagram");
        }
        if (size > length || length < HEADER_BYTES) {
            throw new SyncFormatException(SyncFormatException.Reason.MALFORMED, size + " bytes, length field "
                + length);
        }
        final long crc = in.getInt(base + 12) & 0xffffffffL;
        final long actual = checksum(in, base, length);
        if (crc != actual) {
            throw new SyncFormatException(SyncFormatException.Reason.CHECKSUM, String.format(
                "checksum 0x%08x (computed 0x%08x)", crc, actual));
        }
        final int id = in.get(base + 3) & 0xff;
        final long sequence = in.getInt(base + 4) & 0xffffffffL;
        final int count = in.getShort(base + 8) & 0xffff;
        try {
            return new SyncMessage(id, sequence, records(in, base + HEADER_BYTES, base + length, count));
        } catch (final IllegalArgumentException e) {
            throw malformed(e.getMessage()); // a field a record refuses (cannot come from this codec's writer)
        }
    }

    private static List<SyncRecord> records(final ByteBuffer in, final int start, final int end, final int count)
        throws SyncFormatException {
        final List<SyncRecord> records = new ArrayList<>(Math.min(count, (end - start) / 12));
        int p = start;
        for (int n = 0; n < count; n++) {
            if (end - p < 2) {
                throw malformed("record " + n + " of " + count + " starts past the end");
            }
            final int type = in.get(p);
            final int fam = in.get(p + 1);
            if (type == HEARTBEAT) {
                if (end - p < 12) {
                    throw malformed("heartbeat " + n + " cut short");
                }
                if (fam != 0) {
                    throw malformed("heartbeat " + n + ": reserved byte " + fam);
                }
                final int interval = in.getShort(p + 2) & 0xffff;
                if (interval == 0) {
                    throw malformed("heartbeat " + n + ": interval 0");
                }
                records.add(new SyncRecord.Heartbeat(in.getLong(p + 4), interval));
                p += 12;
                continue;
            }
            if (type != TEMPLATE && type != FLOW && type != CONNECTION) {
                throw malformed("record " + n + ": type " + type);
            }
            if (fam != 4 && fam != 6) {
                throw malformed("record " + n + ": address family " + fam);
            }
            final int alen = fam == 4 ? 4 : 16;
            final int fixed = type == FLOW ? 12 : 14;
            final int rlen = fixed + 3 * alen;
            if (end - p < rlen) {
                throw malformed("record " + n + " cut short");
            }
            final InetAddress a1 = addr(in, p + fixed, alen, n);
            final InetAddress a2 = addr(in, p + fixed + alen, alen, n);
            final InetAddress a3 = addr(in, p + fixed + 2 * alen, alen, n);
            if (type == TEMPLATE) {
                final int proto = in.get(p + 2) & 0xff;
                final Protocol protocol = proto == 6 ? Protocol.TCP : proto == 17 ? Protocol.UDP : null;
                if (protocol == null) {
                    throw malformed("template " + n + ": protocol " + proto);
                }
                final int flags = in.get(p + 3) & 0xff;
                if ((flags & ~1) != 0) {
                    throw malformed("template " + n + ": flags " + flags);
                }
                records.add(new SyncRecord.TemplateRecord(protocol, a1, a2, in.getShort(p + 4) & 0xffff,
                    in.getShort(p + 6) & 0xffff, a3, in.getShort(p + 8) & 0xffff, in.getInt(p + 10) & 0xffffffffL,
                    flags == 1));
            } else if (type == FLOW) {
                records.add(new SyncRecord.FlowRecord(a1, in.getShort(p + 2) & 0xffff, a2,
                    in.getShort(p + 4) & 0xffff, a3, in.getShort(p + 6) & 0xffff, in.getInt(p + 8) & 0xffffffffL));
            } else {
                final int st = in.get(p + 2) & 0xff;
                if (st >= STATES.length || STATES[st] == ConnState.UDP) {
                    throw malformed("connection " + n + ": state " + st);
                }
                if (in.get(p + 3) != 0) {
                    throw malformed("connection " + n + ": reserved byte " + in.get(p + 3));
                }
                records.add(new SyncRecord.ConnectionRecord(STATES[st], a1, in.getShort(p + 4) & 0xffff, a2,
                    in.getShort(p + 6) & 0xffff, a3, in.getShort(p + 8) & 0xffff, in.getInt(p + 10) & 0xffffffffL));
            }
            p += rlen;
        }
        if (p != end) {
            throw malformed((end - p) + " bytes after the last of " + count + " records");
        }
        return records;
    }

    private static InetAddress addr(final ByteBuffer in, final int at, final int len, final int n)
        throws SyncFormatException {
        final byte[] b = new byte[len];
        in.get(at, b);
        final InetAddress a;
        try {
            a = InetAddress.getByAddress(b);
        } catch (final UnknownHostException e) {
            throw malformed("record " + n + ": address of " + len + " bytes");
        }
        if (len == 16 && !(a instanceof Inet6Address)) {
            // an IPv4-mapped address in an IPv6 record: the sender would have written an IPv4 record
            throw malformed("record " + n + ": IPv4-mapped address " + a.getHostAddress() + " in an IPv6 record");
        }
        return a;
    }

    private static SyncFormatException malformed(final String what) {
        return new SyncFormatException(SyncFormatException.Reason.MALFORMED, what);
    }
}
