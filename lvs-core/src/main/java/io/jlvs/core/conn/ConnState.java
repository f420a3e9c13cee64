package io.jlvs.core.conn;

/**
 * The states IPVS tracks, with their names as {@code ipvsadm -Lnc} prints them. The TCP states come first in
 * IPVS's order; {@link #UDP} is the single state of a UDP flow.
 *
 * <p>Immutable.
 */
public enum ConnState {
    /** No packet yet (also the state of a persistence template that is not ASSURED). */
    NONE("NONE", false, 2),
    /** Data flows both ways. Settable timeout ({@code --set tcp}). */
    ESTABLISHED("ESTABLISHED", true, 900),
    /** SYN seen from the server side. */
    SYN_SENT("SYN_SENT", true, 120),
    /** SYN seen from the client. */
    SYN_RECV("SYN_RECV", true, 60),
    /** The server side closed first. Settable timeout ({@code --set tcpfin}). */
    FIN_WAIT("FIN_WAIT", false, 120),
    /** Both sides closed. */
    TIME_WAIT("TIME_WAIT", false, 120),
    /** Reset, or closed without a FIN exchange. */
    CLOSE("CLOSE", false, 10),
    /** The client side closed first. */
    CLOSE_WAIT("CLOSE_WAIT", false, 60),
    /** Last ACK awaited. */
    LAST_ACK("LAST_ACK", false, 30),
    /** Listening. */
    LISTEN("LISTEN", false, 120),
    /** SYN-ACK seen (secure_tcp). */
    SYNACK("SYNACK", true, 120),
    /** A UDP flow: always inactive. Settable timeout ({@code --set udp}). */
    UDP("UDP", false, 300);

    private final String ipvsName;
    private final boolean active;
    private final int defaultTimeoutSeconds;

    ConnState(final String ipvsName, final boolean active, final int defaultTimeoutSeconds) {
        this.ipvsName = ipvsName;
        this.active = active;
        this.defaultTimeoutSeconds = defaultTimeoutSeconds;
    }

    /**
     * The name {@code ipvsadm -Lnc} prints.
     *
     * @return for example {@code ESTABLISHED}
     */
    public String ipvsName() {
        return ipvsName;
    }

    /**
     * Whether a connection in this state counts as active (SYN_SENT, SYN_RECV, ESTABLISHED, SYNACK).
     *
     * @return true if active
     */
    public boolean active() {
        return active;
    }

    /**
     * IPVS's default idle timeout of this state.
     *
     * @return seconds
     */
    public int defaultTimeoutSeconds() {
        return defaultTimeoutSeconds;
    }
}
