package io.jlvs.core.config;

import io.jlvs.core.net.Addresses;
import io.jlvs.core.rules.RuleExtension;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;

/**
 * The options JLVS has beyond ipvsadm, as they appear in the rules format ({@code --name value} on {@code -A}/{@code
 * -E} or {@code -a}/{@code -e} lines) and in the options of {@link VirtualServiceConfig} and {@link RealServerConfig},
 * with typed readers.
 *
 * <table>
 * <caption>Extension options</caption>
 * <tr><th>option</th><th>on</th><th>meaning</th></tr>
 * <tr><td>{@code --max-conns N}</td><td>service</td><td>at most N live connections; above it the service stops
 * accepting until one ends</td></tr>
 * <tr><td>{@code --sorry-server ADDR:PORT}</td><td>service</td><td>when no real server is available, proxy to this
 * server instead</td></tr>
 * <tr><td>{@code --sorry-file PATH}</td><td>service</td><td>when no real server is available, send this file
 * (sendfile) and close</td></tr>
 * <tr><td>{@code --proxy-protocol v1|v2}</td><td>service or server</td><td>send a PROXY protocol header to the real
 * server (a server's setting wins; {@code none} turns it off for one server)</td></tr>
 * <tr><td>{@code --accept-proxy CIDR[,CIDR]}</td><td>service</td><td>read a PROXY v1 or v2 header from clients in
 * these networks (and only them) and use its source address</td></tr>
 * </table>
 *
 * <p>Thread-safe (stateless).
 */
public final class Extensions {
    /** {@code --max-conns}. */
    public static final String MAX_CONNS = "max-conns";
    /** {@code --sorry-server}. */
    public static final String SORRY_SERVER = "sorry-server";
    /** {@code --sorry-file}. */
    public static final String SORRY_FILE = "sorry-file";
    /** {@code --proxy-protocol}. */
    public static final String PROXY_PROTOCOL = "proxy-protocol";
    /** {@code --accept-proxy}. */
    public static final String ACCEPT_PROXY = "accept-proxy";
    /** {@code --check tcp|http|udp|NAME}: the active health check. */
    public static final String CHECK = "check";
    /** {@code --check-interval MS}. */
    public static final String CHECK_INTERVAL = "check-interval";
    /** {@code --check-timeout MS}. */
    public static final String CHECK_TIMEOUT = "check-timeout";
    /** {@code --rise N}. */
    public static final String RISE = "rise";
    /** {@code --fall N}. */
    public static final String FALL = "fall";
    /** {@code --check-initial up|down}. */
    public static final String CHECK_INITIAL = "check-initial";
    /** {@code --check-port PORT}. */
    public static final String CHECK_PORT = "check-port";
    /** {@code --http-path PATH}. */
    public static final String HTTP_PATH = "http-path";
    /** {@code --http-host NAME}. */
    public static final String HTTP_HOST = "http-host";
    /** {@code --http-status LIST}. */
    public static final String HTTP_STATUS = "http-status";
    /** {@code --http-body TEXT}. */
    public static final String HTTP_BODY = "http-body";
    /** {@code --udp-send TEXT}. */
    public static final String UDP_SEND = "udp-send";
    /** {@code --udp-expect TEXT}. */
    public static final String UDP_EXPECT = "udp-expect";
    /** {@code --on-down remove|inhibit}. */
    public static final String ON_DOWN = "on-down";
    /** {@code --shutdown-sessions}. */
    public static final String SHUTDOWN_SESSIONS = "shutdown-sessions";
    /** {@code --observe N}: passive checking. */
    public static final String OBSERVE = "observe";
    /** {@code --eject-time MS}. */
    public static final String EJECT_TIME = "eject-time";
    /** {@code --quorum N}. */
    public static final String QUORUM = "quorum";
    /** {@code --slow-start MS}. */
    public static final String SLOW_START = "slow-start";

    private static final List<RuleExtension> ALL = new ArrayList<>();

    static {
        ALL.add(new RuleExtension(MAX_CONNS, RuleExtension.Scope.SERVICE, true,
            v -> positiveInt(v) > 0 ? null : "must be a number 1..1000000000", "at most this many live connections"));
        ALL.add(new RuleExtension(SORRY_SERVER, RuleExtension.Scope.SERVICE, true,
            v -> endpoint(v) != null ? null : "must be a numeric ADDR:PORT ([IPv6]:PORT), port 1..65535",
            "proxy here when no real server is available"));
        ALL.add(new RuleExtension(SORRY_FILE, RuleExtension.Scope.SERVICE, true,
            v -> v.isEmpty() ? "must be a file path" : null, "send this file and close when no real server is available"));
        ALL.add(new RuleExtension(PROXY_PROTOCOL, RuleExtension.Scope.BOTH, true,
            v -> v.equals("v1") || v.equals("v2") || v.equals("none") ? null : "must be v1, v2 or none",
            "send a PROXY header to the real server"));
        ALL.add(new RuleExtension(ACCEPT_PROXY, RuleExtension.Scope.SERVICE, true,
            v -> networks(v) != null ? null : "must be comma-separated networks such as 10.0.0.0/8,127.0.0.1/32",
            "read a PROXY header from clients in these networks"));
        ALL.add(new RuleExtension(CHECK, RuleExtension.Scope.SERVICE, true,
            v -> v.matches("[a-z][a-z0-9_-]*") ? null : "must be tcp, http, udp, none or a registered checker name",
            "active health check: tcp, http, udp, or a checker the application registered"));
        ALL.add(service(CHECK_INTERVAL, 10, 86_400_000, "milliseconds between checks of a server (default 2000)"));
        ALL.add(service(CHECK_TIMEOUT, 1, 3_600_000, "milliseconds a check may take (default 1000)"));
        ALL.add(service(RISE, 1, 1000, "consecutive passes that bring a server up (default 2)"));
        ALL.add(service(FALL, 1, 1000, "consecutive failures that take a server down (default 3)"));
        ALL.add(new RuleExtension(CHECK_INITIAL, RuleExtension.Scope.SERVICE, true,
            v -> v.equals("up") || v.equals("down") ? null : "must be up or down",
            "state of a new server before its first check (down: keepalived's alpha)"));
        ALL.add(service(CHECK_PORT, 1, 65535, "port to check instead of the server's"));
        ALL.add(new RuleExtension(HTTP_PATH, RuleExtension.Scope.SERVICE, true,
            v -> v.startsWith("/") && v.chars().allMatch(c -> c > 32 && c < 127) ? null
                : "must be a path starting with /, without spaces", "path of the HTTP check (default /)"));
        ALL.add(new RuleExtension(HTTP_HOST, RuleExtension.Scope.SERVICE, true,
            v -> !v.isEmpty() && v.chars().allMatch(c -> c > 32 && c < 127) ? null : "must be a host name",
            "Host header of the HTTP check"));
        ALL.add(new RuleExtension(HTTP_STATUS, RuleExtension.Scope.SERVICE, true,
            v -> statuses(v) != null ? null : "must be status codes or ranges, such as 200-299,301",
            "status codes that pass the HTTP check (default 200-399)"));
        ALL.add(new RuleExtension(HTTP_BODY, RuleExtension.Scope.SERVICE, true, v -> null,
            "text the HTTP response body must contain"));
        ALL.add(new RuleExtension(UDP_SEND, RuleExtension.Scope.SERVICE, true, v -> null,
            "datagram the UDP check sends"));
        ALL.add(new RuleExtension(UDP_EXPECT, RuleExtension.Scope.SERVICE, true, v -> null,
            "text the UDP check's reply must contain"));
        ALL.add(new RuleExtension(ON_DOWN, RuleExtension.Scope.SERVICE, true,
            v -> v.equals("remove") || v.equals("inhibit") ? null : "must be remove or inhibit",
            "take a down server out of rotation (remove) or set its weight to 0 (inhibit)"));
        ALL.add(new RuleExtension(SHUTDOWN_SESSIONS, RuleExtension.Scope.SERVICE, false, v -> null,
            "close the live connections of a server that goes down"));
        ALL.add(service(OBSERVE, 1, 1000, "consecutive failed connects of real traffic that eject a server"));
        ALL.add(service(EJECT_TIME, 1, 86_400_000, "milliseconds an ejected server stays down (default 30000)"));
        ALL.add(service(QUORUM, 1, 100_000, "fewer servers up than this turns the sorry response on"));
        ALL.add(service(SLOW_START, 1, 86_400_000, "milliseconds over which a server coming up ramps its weight"));
    }

    private static RuleExtension service(final String name, final int min, final int max, final String what) {
        return new RuleExtension(name, RuleExtension.Scope.SERVICE, true,
            v -> intIn(v, min, max) ? null : "must be a number " + min + ".." + max, what);
    }

    private static boolean intIn(final String v, final int min, final int max) {
        if (v.isEmpty() || v.length() > 10 || !v.chars().allMatch(Character::isDigit)) {
            return false;
        }
        final long n = Long.parseLong(v);
        return n >= min && n <= max;
    }

    /**
     * Parses HTTP status codes and ranges ({@code 200-299,301}).
     *
     * @param v the text
     * @return pairs of inclusive bounds, or null if malformed
     */
    public static int[] statuses(final String v) {
        final String[] parts = v.split(",", -1);
        final int[] out = new int[parts.length * 2];
        for (int i = 0; i < parts.length; i++) {
            final String p = parts[i].trim();
            final int dash = p.indexOf('-');
            final String lo = dash < 0 ? p : p.substring(0, dash);
            final String hi = dash < 0 ? p : p.substring(dash + 1);
            if (!intIn(lo, 100, 599) || !intIn(hi, 100, 599)) {
                return null;
            }
            out[2 * i] = Integer.parseInt(lo);
            out[2 * i + 1] = Integer.parseInt(hi);
            if (out[2 * i] > out[2 * i + 1]) {
                return null;
            }
        }
        return out;
    }

    private Extensions() {
    }

    /**
     * The transport extensions of the rules format.
     *
     * @return the options
     */
    public static List<RuleExtension> transport() {
        return Collections.unmodifiableList(ALL);
    }

    private static int positiveInt(final String v) {
        if (v.isEmpty() || v.length() > 10 || !v.chars().allMatch(Character::isDigit)) {
            return -1;
        }
        final long n = Long.parseLong(v);
        return n >= 1 && n <= 1_000_000_000L ? (int) n : -1;
    }

    /**
     * Parses {@code ADDR:PORT} or {@code [IPv6]:PORT}, numeric only.
     *
     * @param v the text
     * @return the address, or null if malformed
     */
    public static InetSocketAddress endpoint(final String v) {
        return endpoint(v, false);
    }

    /**
     * Parses {@code ADDR:PORT} or {@code [IPv6]:PORT}, numeric only.
     *
     * @param v the text
     * @param allowPortZero whether port 0 (any free port) is accepted
     * @return the address, or null if malformed
     */
    public static InetSocketAddress endpoint(final String v, final boolean allowPortZero) {
        final int colon = v.lastIndexOf(':');
        if (colon <= 0) {
            return null;
        }
        String host = v.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            return null;
        }
        final InetAddress a = Addresses.parseLiteral(host);
        final String p = v.substring(colon + 1);
        if (a == null || p.isEmpty() || p.length() > 5 || !p.chars().allMatch(Character::isDigit)) {
            return null;
        }
        final int port = Integer.parseInt(p);
        return port >= (allowPortZero ? 0 : 1) && port <= 65535 ? new InetSocketAddress(a, port) : null;
    }

    /**
     * Parses comma-separated networks ({@code ADDR/LEN} or a bare address).
     *
     * @param v the text
     * @return the networks, or null if malformed
     */
    public static List<Network> networks(final String v) {
        final List<Network> out = new ArrayList<>();
        for (final String part : v.split(",", -1)) {
            final Network n = Network.parse(part.trim());
            if (n == null) {
                return null;
            }
            out.add(n);
        }
        return out.isEmpty() ? null : Collections.unmodifiableList(out);
    }

    private static <T> T read(final java.util.Map<String, String> options, final String name,
        final Function<String, T> parse) {
        final String v = options.get(name);
        return v == null ? null : parse.apply(v);
    }

    /**
     * A service's {@code --max-conns}.
     *
     * @param c the service
     * @return the limit, or 0 for none
     */
    public static int maxConnections(final VirtualServiceConfig c) {
        final Integer n = read(c.options(), MAX_CONNS, Extensions::positiveInt);
        return n == null || n < 0 ? 0 : n;
    }

    /**
     * A service's {@code --sorry-server}.
     *
     * @param c the service
     * @return the address, or null
     */
    public static InetSocketAddress sorryServer(final VirtualServiceConfig c) {
        return read(c.options(), SORRY_SERVER, Extensions::endpoint);
    }

    /**
     * A service's {@code --sorry-file}.
     *
     * @param c the service
     * @return the path, or null
     */
    public static String sorryFile(final VirtualServiceConfig c) {
        return c.options().get(SORRY_FILE);
    }

    /**
     * The PROXY protocol version to send to a server: the server's option, else the service's.
     *
     * @param service the service
     * @param server the server
     * @return 1, 2, or 0 for none
     */
    public static int proxyProtocol(final VirtualServiceConfig service, final RealServerConfig server) {
        String v = server.options().get(PROXY_PROTOCOL);
        if (v == null) {
            v = service.options().get(PROXY_PROTOCOL);
        }
        if (v == null || v.equals("none")) {
            return 0;
        }
        return v.equals("v1") ? 1 : 2;
    }

    /**
     * A service's {@code --accept-proxy} networks.
     *
     * @param c the service
     * @return the trusted networks, empty for none
     */
    public static List<Network> acceptProxy(final VirtualServiceConfig c) {
        final List<Network> n = read(c.options(), ACCEPT_PROXY, Extensions::networks);
        return n == null ? List.of() : n;
    }

    /**
     * An IP network: an address and a prefix length.
     *
     * <p>Immutable.
     *
     * @param address the network address bytes (masked)
     * @param prefixLength 0..32 or 0..128
     */
    public record Network(byte[] address, int prefixLength) {
        /**
         * Parses {@code ADDR/LEN} or a bare address (a host network).
         *
         * @param s the text
         * @return the network, or null if malformed
         */
        public static Network parse(final String s) {
            final int slash = s.indexOf('/');
            final InetAddress a = Addresses.parseLiteral(slash < 0 ? s : s.substring(0, slash));
            if (a == null) {
                return null;
            }
            final int max = a.getAddress().length * 8;
            int len = max;
            if (slash >= 0) {
                final String l = s.substring(slash + 1);
                if (l.isEmpty() || l.length() > 3 || !l.chars().allMatch(Character::isDigit)) {
                    return null;
                }
                len = Integer.parseInt(l);
                if (len > max) {
                    return null;
                }
            }
            return new Network(Addresses.mask(a.getAddress(), len), len);
        }

        /**
         * Whether an address is in this network.
         *
         * @param a the address
         * @return true if it matches
         */
        public boolean contains(final InetAddress a) {
            final byte[] b = a.getAddress();
            return b.length == address.length && java.util.Arrays.equals(Addresses.mask(b, prefixLength), address);
        }

        @Override
        public boolean equals(final Object o) {
            return o instanceof Network && ((Network) o).prefixLength == prefixLength
                && java.util.Arrays.equals(((Network) o).address, address);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(address) * 31 + prefixLength;
        }

        @Override
        public String toString() {
            return Addresses.format(address) + "/" + prefixLength;
        }
    }
}
