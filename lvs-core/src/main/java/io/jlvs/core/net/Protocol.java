package io.jlvs.core.net;

/**
 * The transport protocol of a virtual service, with its IANA number (which also orders services in listings).
 *
 * <p>Immutable.
 */
public enum Protocol {
    /** TCP, {@code -t} in ipvsadm. */
    TCP(6, "TCP"),
    /** UDP, {@code -u} in ipvsadm. */
    UDP(17, "UDP");

    private final int number;
    private final String label;

    Protocol(final int number, final String label) {
        this.number = number;
        this.label = label;
    }

    /**
     * The IANA protocol number.
     *
     * @return 6 for TCP, 17 for UDP
     */
    public int number() {
        return number;
    }

    /**
     * The name ipvsadm prints in listings.
     *
     * @return {@code TCP} or {@code UDP}
     */
    public String label() {
        return label;
    }
}
