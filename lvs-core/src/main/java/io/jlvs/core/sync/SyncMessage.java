package io.jlvs.core.sync;

import java.util.List;

/**
 * One decoded datagram: every record it carried, in order.
 *
 * @param syncId the sync id (0..255)
 * @param sequence the sender's datagram counter (unsigned 32 bits)
 * @param records the records, unmodifiable
 */
public record SyncMessage(int syncId, long sequence, List<SyncRecord> records) {
    /**
     * Copies the list.
     *
     * @param syncId see the record
     * @param sequence see the record
     * @param records see the record
     */
    public SyncMessage {
        records = List.copyOf(records);
    }
}
