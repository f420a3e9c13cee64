package io.jlvs.core.config;

import io.jlvs.core.net.Addresses;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The options JLVS has beyond ipvsadm, as they appear in the rules format ({@code --name value} on {@code -A}/{@code
 * -E} or {@code -a}/{@code -e} lines) and in the options of {@link VirtualServiceConfig} and {@link RealServerConfig},
 * with typed readers. One definition per option serves the rules parser (its {@link RuleExtension} validator) and the
 * configuration builders ({@link #parse}, run by {@link VirtualServiceConfig.Builder#build()} and {@link
 * RealServerConfig.Builder#build()}), so rules, builder and admin commands accept and refuse the same values; the
 * parsed values are kept in {@link ExtensionValues}.
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
 * <tr><td>{@code --forward proxy|kernel}</td><td>service</td><td>{@code kernel}: the kernel forwards the service
 * (nftables DNAT, module lvs-kernel) instead of the transport proxying it; see {@link #kernelRefusal}</td></tr>
 * <tr><td>{@code --source-addresses A-B|A,B}</td><td>service or server</td><td>bind connections to real servers
 * to these local addresses in turn (a server's setting wins; {@code none} turns it off for one server); each must
 * be an address of this host</td></tr>
 * <tr><td>{@code --timeout-client MS}, {@code --timeout-server MS}</td><td>service</td><td>close a connection
 * after MS without a byte read from or written to that side (HAProxy's meaning), beside IPVS's state
 * timeouts</td></tr>
 * <tr><td>{@code --timeout-tunnel MS}</td><td>service</td><td>once connected, close after MS without a byte on
 * either side (replaces the two above)</td></tr>
 * <tr><td>{@code --timeout-first-byte MS}</td><td>service</td><td>close when the real server sends nothing for MS
 * after the connect or the last byte written to it, until its first byte</td></tr>
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
    /** {@code --forward proxy|kernel}: who forwards the service's packets. */
    public static final String FORWARD = "forward";

    /** {@code --source-addresses A-B|A,B,...|none}: the source-address pool of connections to real servers. */
    public static final String SOURCE_ADDRESSES = "source-addresses";

    /** {@code --timeout-client MS}: inactivity on the client side closes the connection. */
    public static final String TIMEOUT_CLIENT = "timeout-client";
    /** {@code --timeout-server MS}: inactivity on the real-server side closes the connection. */
    public static final String TIMEOUT_SERVER = "timeout-server";
    /** {@code --timeout-tunnel MS}: once connected, inactivity on both sides closes the connection. */
    public static final String TIMEOUT_TUNNEL = "timeout-tunnel";
    /** {@code --timeout-first-byte MS}: a real server that answers nothing for this long is given up. */
    public static final String TIMEOUT_FIRST_BYTE = "timeout-first-byte";

    /** An option definition: its rule extension and the parser that turns its text into a typed value. */
    private static final class Def {
        final RuleExtension rule;
        final Function<String, Object> parse;
        final String expected;

        Def(final String name, final RuleExtension.Scope scope, final boolean takesValue,
            final Function<String, Object> parse, final String expected, final String description) {
            this.parse = parse;
            this.expected = expected;
            this.rule = new RuleExtension(name, scope, takesValue, v -> {
                try {
                    return parse.apply(v) != null ? null : "must be " + expected;
                } catch (final IllegalArgumentException e) { // a parser that says exactly what is wrong
                    return e.getMessage();
                }
            }, description);
        }
    }

    private static final Map<String, Def> DEFS = new LinkedHashMap<>();
    private static final List<RuleExtension> ALL = new ArrayList<>();

    private static void def(final String name, final RuleExtension.Scope scope, final Function<String, Object> parse,
        final String expected, final String description) {
        final Def d = new Def(name, scope, true, parse, expected, description);
        DEFS.put(name, d);
        ALL.add(d.rule);
    }

    private static void number(final String name, final int min, final int max, final String description) {
        def(name, RuleExtension.Scope.SERVICE, v -> intIn(v, min, max) ? Integer.valueOf(v) : null,
            "a number " + min + ".." + max, description);
    }

    private static Function<String, Object> oneOf(final String... words) {
        return v -> {
            for (final String w : words) {
                if (w.equals(v)) {
                    return w;
                }
            }
            return null;
        };
    }

    private static boolean printable(final String v) {
        return !v.isEmpty() && v.chars().allMatch(c -> c > 32 && c < 127);
    }

    static {
        number(MAX_CONNS, 1, 1_000_000_000, "at most this many live connections");
        def(SORRY_SERVER, RuleExtension.Scope.SERVICE, Extensions::endpoint,
            "a numeric ADDR:PORT ([IPv6]:PORT), port 1..65535", "proxy here when no real server is available");
        def(SORRY_FILE, RuleExtension.Scope.SERVICE, Extensions::filePath, "a file path",
            "send this file and close when no real server is available");
        def(PROXY_PROTOCOL, RuleExtension.Scope.BOTH, oneOf("v1", "v2", "none"), "v1, v2 or none",
            "send a PROXY header to the real server");
        def(ACCEPT_PROXY, RuleExtension.Scope.SERVICE, Extensions::networks,
            "comma-separated networks such as 10.0.0.0/8,127.0.0.1/32",
            "read a PROXY header from clients in these networks");
        def(CHECK, RuleExtension.Scope.SERVICE, v -> v.matches("[a-z][a-z0-9_-]*") ? v : null,
            "tcp, http, udp, none or a registered checker name",
            "active health check: tcp, http, udp, or a checker the application registered");
        number(CHECK_INTERVAL, 10, 86_400_000, "milliseconds between checks of a server (default 2000)");
        number(CHECK_TIMEOUT, 1, 3_600_000, "milliseconds a check may take (default 1000)");
        number(RISE, 1, 1000, "consecutive passes that bring a server up (default 2)");
        number(FALL, 1, 1000, "consecutive failures that take a server down (default 3)");
        def(CHECK_INITIAL, RuleExtension.Scope.SERVICE, oneOf("up", "down"), "up or down",
            "state of a new server before its first check (down: keepalived's alpha)");
        number(CHECK_PORT, 1, 65535, "port to check instead of the server's");
        def(HTTP_PATH, RuleExtension.Scope.SERVICE, v -> v.startsWith("/") && printable(v) ? v : null,
            "a path starting with /, without spaces", "path of the HTTP check (default /)");
        def(HTTP_HOST, RuleExtension.Scope.SERVICE, v -> printable(v) ? v : null, "a host name",
            "Host header of the HTTP check");
        def(HTTP_STATUS, RuleExtension.Scope.SERVICE, Extensions::statuses,
            "status codes or ranges, such as 200-299,301", "status codes that pass the HTTP check (default 200-399)");
        def(HTTP_BODY, RuleExtension.Scope.SERVICE, v -> v, "text", "text the HTTP response body must contain");
        def(UDP_SEND, RuleExtension.Scope.SERVICE, v -> v, "text", "datagram the UDP check sends");
        def(UDP_EXPECT, RuleExtension.Scope.SERVICE, v -> v, "text", "text the UDP check's reply must contain");
        def(ON_DOWN, RuleExtension.Scope.SERVICE, oneOf("remove", "inhibit"), "remove or inhibit",
            "take a down server out of rotation (remove) or set its weight to 0 (inhibit)");
        final Def shutdown = new Def(SHUTDOWN_SESSIONS, RuleExtension.Scope.SERVICE, false,
            v -> v.equals("true") ? Boolean.TRUE : null, "true (a switch: given or not)",
            "close the live connections of a server that goes down");
        DEFS.put(SHUTDOWN_SESSIONS, shutdown);
        ALL.add(shutdown.rule);
        number(OBSERVE, 1, 1000, "consecutive failed connects of real traffic that eject a server");
        number(EJECT_TIME, 1, 86_400_000, "milliseconds an ejected server stays down (default 30000)");
        number(QUORUM, 1, 100_000, "fewer servers up than this turns the sorry response on");
        number(SLOW_START, 1, 86_400_000, "milliseconds over which a server coming up ramps its weight");
        def(FORWARD, RuleExtension.Scope.SERVICE, oneOf("proxy", "kernel"), "proxy or kernel",
            "kernel: the kernel forwards the service (nftables DNAT) instead of the transport");
        number(TIMEOUT_CLIENT, 1, 86_400_000, "milliseconds without a byte read from or written to the client"
            + " that close the connection");
        number(TIMEOUT_SERVER, 1, 86_400_000, "milliseconds without a byte read from or written to the real server"
            + " that close the connection");
        number(TIMEOUT_TUNNEL, 1, 86_400_000, "once connected, milliseconds without a byte on either side that close"
            + " the connection (replaces the client and server timeouts)");
        number(TIMEOUT_FIRST_BYTE, 1, 86_400_000, "milliseconds the real server may take to send its first byte"
            + " after the connect or the last byte written to it");
        def(SOURCE_ADDRESSES, RuleExtension.Scope.BOTH, SourceAddresses::parse,
            "local addresses A-B or A,B,... (or none on a server)",
            "bind connections to real servers to these local addresses in turn (a server's setting wins)");
    }

    /**
     * Whether a service is forwarded by the kernel ({@code --forward kernel}): transports do not bind it.
     *
     * @param c the service
     * @return true for {@code --forward kernel}
     */
    public static boolean kernelForwarded(final VirtualServiceConfig c) {
        return "kernel".equals(c.extensions().text(FORWARD));
    }

    /**
     * Why a {@code --forward kernel} service cannot be forwarded by the kernel: its scheduler needs live connection
     * counts or per-connection state, or a feature needs the bytes. The kernel decides per connection with a
     * weighted {@code numgen} ({@code rr}, {@code wrr}) or a {@code jhash} of the source address ({@code sh}).
     *
     * @param c the service
     * @return the reason, or null if the service can be forwarded by the kernel (or is not a kernel service)
     */
    public static String kernelRefusal(final VirtualServiceConfig c) {
        if (!kernelForwarded(c)) {
            return null;
        }
        final String s = c.scheduler();
        if (!s.equals("rr") && !s.equals("wrr") && !s.equals("sh")) {
            return "scheduler '" + s + "' needs " + (s.equals("dh") || s.equals("mh") || s.equals("fo")
                || s.equals("ovf") ? "decisions nftables cannot make per connection" : "live connection counts")
                + " (expected rr, wrr or sh)";
        }
        if (c.key().port() == 0) {
            return "port 0 (expected a port 1..65535)";
        }
        if (c.persistent()) {
            return "persistence (-p) needs per-client templates (expected no -p; sh keeps a client on its server)";
        }
        if (c.onePacket()) {
            return "one-packet scheduling (-o) is not supported by the kernel mode";
        }
        for (final String o : new String[] {MAX_CONNS, SORRY_SERVER, SORRY_FILE, PROXY_PROTOCOL, ACCEPT_PROXY,
            OBSERVE, SOURCE_ADDRESSES, TIMEOUT_CLIENT, TIMEOUT_SERVER, TIMEOUT_TUNNEL, TIMEOUT_FIRST_BYTE}) {
            if (c.options().containsKey(o)) {
                return "--" + o + " needs " + (o.equals(MAX_CONNS) || o.equals(OBSERVE) || o.startsWith("timeout-")
                    || o.equals(SOURCE_ADDRESSES)
                    ? "the transport to see each connection" : "the bytes of each connection");
            }
        }
        return null;
    }

    private static Object filePath(final String v) {
        if (v.isEmpty() || v.indexOf('\0') >= 0) {
            return null;
        }
        try {
            return Path.of(v);
        } catch (final InvalidPathException e) {
            return null;
        }
    }

    /**
     * Parses and checks extension options into typed values, as {@link VirtualServiceConfig} and {@link
     * RealServerConfig} do when they are built.
     *
     * @param options the options by long name
     * @param onService true for a service's options, false for a real server's
     * @return the typed values
     * @throws IllegalArgumentException naming the option, its value and what was expected, for an unknown option, an
     *     option of the other scope, or a bad value
     */
    public static ExtensionValues parse(final Map<String, String> options, final boolean onService) {
        if (options.isEmpty()) {
            return ExtensionValues.NONE;
        }
        final Map<String, Object> out = new TreeMap<>();
        for (final Map.Entry<String, String> e : options.entrySet()) {
            final String name = e.getKey();
            final String value = e.getValue();
            final Def d = DEFS.get(name);
            if (d == null) {
                throw new IllegalArgumentException("option --" + name + ": unknown option" + suggestion(name)
                    + " (expected one of: " + names(onService) + ")");
            }
            final RuleExtension.Scope scope = d.rule.scope();
            if (scope != RuleExtension.Scope.BOTH && (scope == RuleExtension.Scope.SERVICE) != onService) {
                throw new IllegalArgumentException("option --" + name + ": not a " + (onService ? "service"
                    : "real-server") + " option (expected on a " + (onService ? "real server" : "service") + ")");
            }
            final Object typed;
            try {
                typed = d.parse.apply(value);
            } catch (final IllegalArgumentException bad) {
                throw new IllegalArgumentException("option --" + name + " " + value + ": " + bad.getMessage(), bad);
            }
            if (typed == null) {
                throw new IllegalArgumentException("option --" + name + ": '" + value + "' (expected: " + d.expected
                    + ")");
            }
            out.put(name, typed);
        }
        return new ExtensionValues(out);
    }

    private static String names(final boolean onService) {
        final StringBuilder sb = new StringBuilder();
        for (final Def d : DEFS.values()) {
            final RuleExtension.Scope scope = d.rule.scope();
            if (scope == RuleExtension.Scope.BOTH || (scope == RuleExtension.Scope.SERVICE) == onService) {
                sb.append(sb.length() == 0 ? "" : ", ").append(d.rule.name());
            }
        }
        return sb.toString();
    }

    private static String suggestion(final String name) {
        String best = null;
        int bestDistance = 3;
        for (final String known : DEFS.keySet()) {
            final int d = distance(name, known);
            if (d < bestDistance) {
                bestDistance = d;
                best = known;
            }
        }
        return best == null ? "" : " (did you mean --" + best + "?)";
    }

    private static int distance(final String a, final String b) {
        if (Math.abs(a.length() - b.length()) > 3 || a.length() > 64) {
            return Integer.MAX_VALUE;
        }
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                final int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            final int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static boolean intIn(final String v, final int min, final int max) {
        if (v.isEmpty() || v.length() > 10 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
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
        if (a == null || p.isEmpty() || p.length() > 5 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return null;
        }
        final int port = Integer.parseInt(p);
        return port >= (allowPortZero ? 0 : 1) && port <= 65535 ? new InetSocketAddress(a, port) : null;
    }

    /**
     * Formats an endpoint as {@link #endpoint(String)} reads it: {@code ADDR:PORT} or {@code [IPv6]:PORT}.
     *
     * @param a the endpoint
     * @return the text
     */
    public static String format(final InetSocketAddress a) {
        return Addresses.formatWithPort(a.getAddress(), a.getPort());
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

    /**
     * A service's {@code --max-conns}.
     *
     * @param c the service
     * @return the limit, or 0 for none
     */
    public static int maxConnections(final VirtualServiceConfig c) {
        return c.extensions().intValue(MAX_CONNS, 0);
    }

    /**
     * A service's {@code --sorry-server}.
     *
     * @param c the service
     * @return the address, or null
     */
    public static InetSocketAddress sorryServer(final VirtualServiceConfig c) {
        return c.extensions().endpoint(SORRY_SERVER);
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
        String v = server.extensions().text(PROXY_PROTOCOL);
        if (v == null) {
            v = service.extensions().text(PROXY_PROTOCOL);
        }
        if (v == null || v.equals("none")) {
            return 0;
        }
        return v.equals("v1") ? 1 : 2;
    }

    /**
     * An idle timeout of a service ({@link #TIMEOUT_CLIENT}, {@link #TIMEOUT_SERVER}, {@link #TIMEOUT_TUNNEL} or
     * {@link #TIMEOUT_FIRST_BYTE}) in nanoseconds.
     *
     * @param service the service's configuration
     * @param name the option
     * @return the timeout, or 0 when it is not set
     */
    public static long idleTimeoutNs(final VirtualServiceConfig service, final String name) {
        return java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(service.extensions().intValue(name, 0));
    }

    /**
     * The source-address pool of connections to one real server: the server's {@code --source-addresses}, else its
     * service's; null when neither has one or the server says {@code none}. The pool is parsed once, when the
     * configuration is built: the same object comes back for the same configurations.
     *
     * @param service the service's configuration
     * @param server the real server's configuration
     * @return the pool, or null
     */
    public static SourceAddresses sourceAddresses(final VirtualServiceConfig service, final RealServerConfig server) {
        SourceAddresses p = server == null ? null : server.extensions().sourceAddresses(SOURCE_ADDRESSES);
        if (p == null) {
            p = service.extensions().sourceAddresses(SOURCE_ADDRESSES);
        }
        return p == null || p.size() == 0 ? null : p;
    }

    /**
     * A service's {@code --accept-proxy} networks.
     *
     * @param c the service
     * @return the trusted networks, empty for none
     */
    public static List<Network> acceptProxy(final VirtualServiceConfig c) {
        return c.extensions().networks(ACCEPT_PROXY);
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
                if (l.isEmpty() || l.length() > 3 || !l.chars().allMatch(c -> c >= '0' && c <= '9')) {
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
