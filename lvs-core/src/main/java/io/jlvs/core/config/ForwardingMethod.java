package io.jlvs.core.config;

/**
 * The forwarding method of a real server, as ipvsadm names it.
 *
 * <p>JLVS is a proxy above the socket layer, so it always forwards as {@link #MASQ} does: the client talks to the
 * director and the director talks to the real server. {@link #DROUTE} and {@link #TUNNEL} need packet rewriting
 * in the kernel; the rules parser accepts them for compatibility, converts them to {@code MASQ} and says so in a
 * warning. They stay in this enum so that parsing and error messages can name them.
 *
 * <p>Immutable.
 */
public enum ForwardingMethod {
    /** Masquerading (NAT): {@code -m}, listed as {@code Masq}. What JLVS does. */
    MASQ("Masq", "-m"),
    /** Tunnelling: {@code -i}, listed as {@code Tunnel}. Not possible above the socket layer. */
    TUNNEL("Tunnel", "-i"),
    /** Direct routing ("gatewaying"): {@code -g}, ipvsadm's default, listed as {@code Route}. Not possible above
     * the socket layer. */
    DROUTE("Route", "-g");

    private final String listName;
    private final String option;

    ForwardingMethod(final String listName, final String option) {
        this.listName = listName;
        this.option = option;
    }

    /**
     * The name in the Forward column of {@code ipvsadm -Ln}.
     *
     * @return {@code Masq}, {@code Tunnel} or {@code Route}
     */
    public String listName() {
        return listName;
    }

    /**
     * The ipvsadm option.
     *
     * @return {@code -m}, {@code -i} or {@code -g}
     */
    public String option() {
        return option;
    }
}
