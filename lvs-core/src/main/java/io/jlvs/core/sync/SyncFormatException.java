package io.jlvs.core.sync;

/**
 * A datagram that is not a whole, valid sync message; nothing of it may be applied.
 *
 * <p>Immutable.
 */
public final class SyncFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why a datagram was rejected. */
    public enum Reason {
        /** Shorter than its header or than the length it declares. */
        TRUNCATED,
        /** Not a sync message (bad magic), or its records do not parse to exactly its length. */
        MALFORMED,
        /** A format version this decoder does not know. */
        VERSION,
        /** The checksum does not match: bits changed on the way. */
        CHECKSUM,
        /** A valid message for another sync id. */
        SYNC_ID
    }

    private final Reason reason;

    /**
     * Makes the exception.
     *
     * @param reason why
     * @param message what was wrong, with the offending value
     */
    public SyncFormatException(final Reason reason, final String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    /**
     * Why the datagram was rejected.
     *
     * @return the reason
     */
    public Reason reason() {
        return reason;
    }
}
