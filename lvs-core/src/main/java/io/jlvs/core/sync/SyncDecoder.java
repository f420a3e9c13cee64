package io.jlvs.core.sync;

import java.nio.ByteBuffer;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A receiver's gate: decodes each datagram whole with a {@link SyncCodec} and counts what it accepted and what it
 * dropped, by reason. A dropped datagram yields nothing, so nothing of it can be applied.
 *
 * <p>Thread-safe: {@link #accept} may be called from one receiving thread at a time or several; the counters are
 * atomics that any thread may read.
 */
public final class SyncDecoder {
    private final SyncCodec codec;
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong records = new AtomicLong();
    private final EnumMap<SyncFormatException.Reason, AtomicLong> dropped =
        new EnumMap<>(SyncFormatException.Reason.class);
    private volatile String lastError = "";

    /**
     * A decoder for the codec's sync id.
     *
     * @param codec the codec
     */
    public SyncDecoder(final SyncCodec codec) {
        this.codec = codec;
        for (final SyncFormatException.Reason r : SyncFormatException.Reason.values()) {
            dropped.put(r, new AtomicLong());
        }
    }

    /**
     * Decodes a datagram ({@code in.position()..in.limit()}, position not moved).
     *
     * @param in the datagram
     * @return the message, or null if it was dropped (and counted)
     */
    public SyncMessage accept(final ByteBuffer in) {
        try {
            final SyncMessage m = codec.decode(in);
            accepted.incrementAndGet();
            records.addAndGet(m.records().size());
            return m;
        } catch (final SyncFormatException e) {
            dropped.get(e.reason()).incrementAndGet();
            lastError = e.reason() + ": " + e.getMessage();
            return null;
        }
    }

    /**
     * Datagrams accepted.
     *
     * @return the count
     */
    public long accepted() {
        return accepted.get();
    }

    /**
     * Records in accepted datagrams.
     *
     * @return the count
     */
    public long records() {
        return records.get();
    }

    /**
     * Datagrams dropped for a reason.
     *
     * @param reason the reason
     * @return the count
     */
    public long dropped(final SyncFormatException.Reason reason) {
        return dropped.get(reason).get();
    }

    /**
     * Datagrams dropped for any reason.
     *
     * @return the count
     */
    public long droppedTotal() {
        long n = 0;
        for (final AtomicLong a : dropped.values()) {
            n += a.get();
        }
        return n;
    }

    /**
     * The counters by name: {@code accepted}, {@code records}, {@code dropped_truncated}, ... for listings.
     *
     * @return a snapshot
     */
    public Map<String, Long> counters() {
        final Map<String, Long> m = new java.util.LinkedHashMap<>();
        m.put("accepted", accepted.get());
        m.put("records", records.get());
        for (final Map.Entry<SyncFormatException.Reason, AtomicLong> e : dropped.entrySet()) {
            m.put("dropped_" + e.getKey().name().toLowerCase(java.util.Locale.ROOT), e.getValue().get());
        }
        return m;
    }

    /**
     * What the last dropped datagram had wrong.
     *
     * @return reason and detail, or empty
     */
    public String lastError() {
        return lastError;
    }
}
