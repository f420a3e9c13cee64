package io.jlvs.core.config;

/**
 * The three settable connection timeouts of IPVS ({@code ipvsadm --set tcp tcpfin udp}), in seconds.
 *
 * <p>Immutable.
 *
 * @param tcpSeconds idle timeout of an ESTABLISHED TCP connection (default {@value #DEFAULT_TCP_SECONDS})
 * @param tcpFinSeconds idle timeout of a TCP connection in FIN_WAIT (default {@value #DEFAULT_TCP_FIN_SECONDS})
 * @param udpSeconds idle timeout of a UDP flow (default {@value #DEFAULT_UDP_SECONDS})
 */
public record Timeouts(int tcpSeconds, int tcpFinSeconds, int udpSeconds) {
    /** IPVS's ESTABLISHED timeout. */
    public static final int DEFAULT_TCP_SECONDS = 900;
    /** IPVS's FIN_WAIT timeout. */
    public static final int DEFAULT_TCP_FIN_SECONDS = 120;
    /** IPVS's UDP timeout. */
    public static final int DEFAULT_UDP_SECONDS = 300;
    /** The largest timeout ipvsadm accepts: 31 days. */
    public static final int MAX_SECONDS = 86400 * 31;
    /** IPVS's defaults: 900 120 300. */
    public static final Timeouts DEFAULTS = new Timeouts(DEFAULT_TCP_SECONDS, DEFAULT_TCP_FIN_SECONDS,
        DEFAULT_UDP_SECONDS);

    /**
     * Validates the three values.
     *
     * @param tcpSeconds 1..{@value #MAX_SECONDS}
     * @param tcpFinSeconds 1..{@value #MAX_SECONDS}
     * @param udpSeconds 1..{@value #MAX_SECONDS}
     */
    public Timeouts {
        check("tcp", tcpSeconds);
        check("tcpfin", tcpFinSeconds);
        check("udp", udpSeconds);
    }

    private static void check(final String name, final int v) {
        if (v < 1 || v > MAX_SECONDS) {
            throw new IllegalArgumentException(name + ": " + v + " (expected: 1.." + MAX_SECONDS + " seconds)");
        }
    }

    /**
     * Applies {@code --set tcp tcpfin udp}, where 0 leaves a value unchanged.
     *
     * @param tcp new tcp timeout or 0
     * @param tcpFin new tcpfin timeout or 0
     * @param udp new udp timeout or 0
     * @return the new timeouts
     */
    public Timeouts with(final int tcp, final int tcpFin, final int udp) {
        return new Timeouts(tcp == 0 ? tcpSeconds : tcp, tcpFin == 0 ? tcpFinSeconds : tcpFin,
            udp == 0 ? udpSeconds : udp);
    }

    /**
     * The line {@code ipvsadm -L --timeout} prints.
     *
     * @return for example {@code Timeout (tcp tcpfin udp): 900 120 300}
     */
    public String listing() {
        return "Timeout (tcp tcpfin udp): " + tcpSeconds + " " + tcpFinSeconds + " " + udpSeconds;
    }
}
