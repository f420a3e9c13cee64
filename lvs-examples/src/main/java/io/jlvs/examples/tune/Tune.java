package io.jlvs.examples.tune;

import io.jlvs.core.internal.json.JsonWriter;
import io.jlvs.core.net.Protocol;
import io.jlvs.core.config.DirectorConfig;
import io.jlvs.core.config.Extensions;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.rules.RulesException;
import io.jlvs.core.rules.RulesParser;
import io.jlvs.scheduler.Schedulers;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code jlvs tune --connections N [--rules FILE] [--transport nio|epoll|auto] [--json]}: what N concurrent proxied
 * connections need on this host
 * (descriptors, ephemeral ports and source addresses, backlogs, kernel socket memory, JVM heap and direct memory)
 * against what it has, as a table {@code setting | now | needed | ok}, a ready {@code sysctl.d} file and the systemd
 * {@code LimitNOFILE=} line.
 *
 * <p>It reads {@code /proc} ({@code self/limits}, {@code sys/fs}, {@code sys/net}, {@code meminfo}) and this JVM's
 * limits: run it with the director's JVM options and as the director's user. A file that is missing or does not
 * parse is reported by name and counts as short when the row is required; nothing is guessed. The per-connection
 * costs are {@link ConnectionCosts}, those of the transport planned for: a named one as it is (planning for epoll
 * does not need epoll to run in this JVM), {@code auto} (the default) as {@link
 * io.jlvs.core.LoadBalancer#transportFor} resolves it here for the rules' protocols; the report says which and why.
 * Without {@code --rules} one backend is assumed to take every connection (the
 * worst case for ephemeral ports); with rules each service is planned as if it carried all N (capped by its {@code
 * --max-conns}), spread over its real servers by weight (capped by {@code -x}).
 *
 * <p>Exit status: {@value #OK} when the host can take N, {@value #SHORT} when it cannot (every short or unreadable
 * setting is named), {@value #USAGE} on bad input.
 *
 * <p>Thread-safe (stateless).
 */
public final class Tune {
    /** Exit status: the host can take the connections. */
    public static final int OK = 0;
    /** Exit status: something required is short or could not be read. */
    public static final int SHORT = 1;
    /** Exit status: bad options or rules. */
    public static final int USAGE = 2;
    /** The backend name used when no rules say where connections go. */
    static final String ANY_BACKEND = "one backend address";
    private static final Path PROC = Path.of("/proc");

    private Tune() {
    }

    /**
     * Runs {@code jlvs tune} and exits with its status.
     *
     * @param args the options (see {@link #run(List, PrintStream, PrintStream)})
     */
    public static void main(final String[] args) {
        System.exit(run(List.of(args), System.out, System.err));
    }

    /**
     * Parses the options and runs.
     *
     * @param args {@code --connections N}, optionally {@code --rules FILE} and {@code --json} (no command word)
     * @param out the report
     * @param err usage and input errors
     * @return {@value #OK}, {@value #SHORT} or {@value #USAGE}
     */
    public static int run(final List<String> args, final PrintStream out, final PrintStream err) {
        final TuneOptions o;
        try {
            o = parse(args);
        } catch (final IllegalArgumentException e) {
            err.println("jlvs tune: " + e.getMessage());
            err.println("usage: jlvs tune --connections N [--rules FILE] [--transport nio|epoll|auto] [--json]");
            return USAGE;
        }
        if (o == null) {
            out.println(usage());
            return OK;
        }
        return run(o, out, err);
    }

    /**
     * The usage text.
     *
     * @return one paragraph
     */
    public static String usage() {
        return "usage: jlvs tune --connections N [--rules FILE] [--transport nio|epoll|auto] [--json]\n"
            + "  what N concurrent proxied connections need on this host (descriptors, ports, source addresses,\n"
            + "  backlogs, kernel and JVM memory) against what it has; prints the table, a sysctl.d file and the\n"
            + "  systemd LimitNOFILE= line. Exit status 0: the host can take N; 1: it cannot (what is short is\n"
            + "  named); 2: bad input. Run it with the director's JVM options (-Xmx, -XX:MaxDirectMemorySize).\n"
            + "  --connections N  1.." + TuneOptions.MAX_CONNECTIONS + "\n"
            + "  --rules FILE     the director's rules: connections are spread over their real servers by weight\n"
            + "  --transport T    plan with the costs of nio, epoll, or auto (default): what a director started in\n"
            + "                   this JVM would pick for the rules' protocols\n"
            + "  --json           machine-readable output";
    }

    /**
     * Parses the options.
     *
     * @param args the options
     * @return the options, or null for {@code --help}
     * @throws IllegalArgumentException naming the bad option or value
     */
    static TuneOptions parse(final List<String> args) {
        Long n = null;
        Path rules = null;
        boolean json = false;
        String transport = "auto";
        for (int i = 0; i < args.size(); i++) {
            final String a = args.get(i);
            switch (a) {
                case "--help":
                case "-h":
                    return null;
                case "--json":
                    json = true;
                    break;
                case "--connections":
                    if (++i >= args.size()) {
                        throw new IllegalArgumentException("--connections needs a number (1.."
                            + TuneOptions.MAX_CONNECTIONS + ")");
                    }
                    n = number(args.get(i));
                    break;
                case "--transport":
                    if (++i >= args.size()) {
                        throw new IllegalArgumentException("--transport needs nio, epoll or auto");
                    }
                    transport = args.get(i);
                    break;
                case "--rules":
                    if (++i >= args.size()) {
                        throw new IllegalArgumentException("--rules needs a file");
                    }
                    rules = Path.of(args.get(i));
                    break;
                default:
                    throw new IllegalArgumentException("unknown option '" + a + "' (expected --connections, --rules, "
                        + "--transport, --json)");
            }
        }
        if (n == null) {
            throw new IllegalArgumentException("--connections N is required");
        }
        return new TuneOptions(n, rules, json, transport);
    }

    private static long number(final String v) {
        final String digits = v.replace(",", "").replace("_", "");
        if (digits.isEmpty() || digits.length() > 12 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("--connections " + v + ": expected a number 1.."
                + TuneOptions.MAX_CONNECTIONS);
        }
        final long n = Long.parseLong(digits);
        if (n < TuneOptions.MIN_CONNECTIONS || n > TuneOptions.MAX_CONNECTIONS) {
            throw new IllegalArgumentException("--connections " + v + ": expected a number 1.."
                + TuneOptions.MAX_CONNECTIONS);
        }
        return n;
    }

    /**
     * Runs on this host ({@code /proc}) with this JVM's limits.
     *
     * @param o the options
     * @param out the report
     * @param err input errors
     * @return {@value #OK}, {@value #SHORT} or {@value #USAGE}
     */
    public static int run(final TuneOptions o, final PrintStream out, final PrintStream err) {
        return run(o, PROC, JvmLimits.current(), out, err);
    }

    /**
     * Runs against a {@code /proc} tree and given JVM limits.
     *
     * @param o the options
     * @param procRoot the directory that stands for {@code /proc}
     * @param jvm the JVM limits to check
     * @param out the report
     * @param err input errors
     * @return {@value #OK}, {@value #SHORT} or {@value #USAGE}
     */
    public static int run(final TuneOptions o, final Path procRoot, final JvmLimits jvm, final PrintStream out,
        final PrintStream err) {
        final Capacity cap;
        try {
            cap = o.rules() == null ? Capacity.worstCase(o.connections()) : Capacity.of(o.rules(),
                o.connections());
        } catch (final InputException e) {
            for (final String m : e.messages) {
                err.println("jlvs tune: " + m);
            }
            return USAGE;
        }
        final HostFacts h = HostFacts.read(procRoot);
        final Planned t = plan(o.transport(), cap.protocols);
        final TunePlan p = TunePlan.compute(o.connections(), h, jvm, cap.backends, cap.udp,
            Runtime.getRuntime().availableProcessors(), t.costs, t.why);
        p.notes().addAll(cap.notes);
        if (o.json()) {
            out.println(json(p, h));
        } else {
            out.print(text(p, h, o.rules() != null));
        }
        return p.ok() ? OK : SHORT;
    }

    /**
     * The settings of this host that are short of what {@code expectedConnections} need, one line each starting with
     * the setting's name (what a director prints as warnings at start).
     *
     * @param expectedConnections the connections the director expects (its rules' {@code --max-conns}, or {@code
     *     --expect-connections})
     * @return the warnings, empty when nothing is short
     * @throws IllegalArgumentException if the count is not 1..{@value TuneOptions#MAX_CONNECTIONS}
     */
    public static List<String> warnings(final int expectedConnections) {
        return warnings(expectedConnections, PROC, JvmLimits.current());
    }

    /**
     * The settings of a {@code /proc} tree that are short of what {@code expectedConnections} need.
     *
     * @param expectedConnections the connections
     * @param procRoot the directory that stands for {@code /proc}
     * @param jvm the JVM limits to check
     * @return one line per short, advised or unreadable setting, starting with its name
     * @throws IllegalArgumentException if the count is not 1..{@value TuneOptions#MAX_CONNECTIONS}
     */
    public static List<String> warnings(final long expectedConnections, final Path procRoot, final JvmLimits jvm) {
        return warnings(expectedConnections, procRoot, jvm, "auto", java.util.Set.of());
    }

    /**
     * The settings of a {@code /proc} tree that are short of what {@code expectedConnections} need on a transport.
     *
     * @param expectedConnections the connections
     * @param procRoot the directory that stands for {@code /proc}
     * @param jvm the JVM limits to check
     * @param transport the transport the director runs ({@link io.jlvs.core.LoadBalancer#transportName()}): {@code
     *     nio} or {@code epoll}; {@code auto} resolves here for {@code protocols}; any other (custom) name is planned
     *     with the {@code nio} figures
     * @param protocols the protocols of the director's services (for {@code auto})
     * @return one line per short, advised or unreadable setting, starting with its name
     * @throws IllegalArgumentException if the count is not 1..{@value TuneOptions#MAX_CONNECTIONS}
     */
    public static List<String> warnings(final long expectedConnections, final Path procRoot, final JvmLimits jvm,
        final String transport, final java.util.Set<Protocol> protocols) {
        final TuneOptions o = new TuneOptions(expectedConnections, null, false);
        final Planned t = plan(transport, protocols);
        final TunePlan p = TunePlan.compute(o.connections(), HostFacts.read(procRoot), jvm,
            Capacity.worstCase(expectedConnections).backends, protocols.contains(Protocol.UDP),
            Runtime.getRuntime().availableProcessors(), t.costs, t.why);
        final List<String> out = new ArrayList<>();
        for (final TunePlan.Row r : p.problems()) {
            out.add(line(r, expectedConnections, true));
        }
        return out;
    }

    private static String line(final TunePlan.Row r, final long n, final boolean why) {
        if (r.status() == TunePlan.Status.UNREADABLE) {
            return r.setting() + ": cannot be checked: " + r.why();
        }
        return r.setting() + " is " + r.now() + ", " + r.needed() + " " + (r.required()
            && r.status() == TunePlan.Status.SHORT ? "needed" : "advised") + " for "
            + String.format(Locale.ROOT, "%,d", n) + " connections" + (why ? " (" + r.why() + ")" : "");
    }

    /** The transport a plan is for and why. */
    static final class Planned {
        final ConnectionCosts costs;
        final String why;

        Planned(final ConnectionCosts costs, final String why) {
            this.costs = costs;
            this.why = why;
        }
    }

    /**
     * Which transport's figures to plan with: a named one as it is (an operator may plan for another host), {@code
     * auto} as {@link io.jlvs.core.LoadBalancer#transportFor} resolves it in this JVM for these protocols.
     *
     * @param transport {@code nio}, {@code epoll}, {@code auto}, or a custom transport's name
     * @param protocols the services' protocols, empty for no constraint
     * @return the figures and a line saying why
     */
    static Planned plan(final String transport, final java.util.Set<Protocol> protocols) {
        final String name = transport == null ? "auto" : transport.trim().toLowerCase(Locale.ROOT);
        final int java = Runtime.version().feature();
        if (name.equals("nio") || name.equals("epoll")) {
            return new Planned(ConnectionCosts.of(name), name + " (named; planned whether or not it can run in this "
                + "JVM, Java " + java + ")");
        }
        if (!name.equals("auto")) {
            return new Planned(ConnectionCosts.NIO, name + " (a custom transport without measured costs: planned "
                + "with nio's figures)");
        }
        final String chosen;
        try {
            chosen = io.jlvs.core.LoadBalancer.transportFor("auto", protocols);
        } catch (final IOException | RuntimeException e) {
            return new Planned(ConnectionCosts.NIO, "auto: no transport can run in this JVM (" + e.getMessage()
                + "): planned with nio's figures");
        }
        if (chosen.equals("epoll")) {
            return new Planned(ConnectionCosts.EPOLL, "auto: epoll (Java " + java + ", the epoll transport can run "
                + "in this JVM: native access enabled)");
        }
        if (!chosen.equals("nio")) {
            return new Planned(ConnectionCosts.NIO, "auto: " + chosen + " (a custom transport without measured "
                + "costs: planned with nio's figures)");
        }
        if (java < 22) {
            return new Planned(ConnectionCosts.NIO, "auto: nio (this JVM is Java " + java + "; epoll needs Java 22+)");
        }
        String epollWhy;
        try {
            io.jlvs.core.LoadBalancer.transportFor("epoll", protocols);
            epollWhy = "epoll does not carry every protocol of the rules " + protocols;
        } catch (final IOException | RuntimeException e) {
            epollWhy = e.getMessage();
        }
        return new Planned(ConnectionCosts.NIO, "auto: nio (Java " + java + "; " + epollWhy + ")");
    }

    /** A bad rules file. */
    private static final class InputException extends Exception {
        private static final long serialVersionUID = 1L;
        final transient List<String> messages;

        InputException(final List<String> messages) {
            super(String.join("; ", messages));
            this.messages = messages;
        }
    }

    /** Where the connections go: each real server endpoint's share. */
    private static final class Capacity {
        final List<TunePlan.Backend> backends = new ArrayList<>();
        final List<String> notes = new ArrayList<>();
        final java.util.Set<Protocol> protocols = java.util.EnumSet.noneOf(Protocol.class);
        boolean udp;

        static Capacity worstCase(final long n) {
            final Capacity c = new Capacity();
            c.backends.add(new TunePlan.Backend(ANY_BACKEND, n));
            c.notes.add("no --rules: one backend address is assumed to take all connections (the worst case for "
                + "ephemeral ports)");
            return c;
        }

        static Capacity of(final Path file, final long n) throws InputException {
            final String text;
            try {
                text = Files.readString(file, StandardCharsets.UTF_8);
            } catch (final NoSuchFileException e) {
                throw new InputException(List.of("--rules " + file + ": no such file"));
            } catch (final IOException e) {
                throw new InputException(List.of("--rules " + file + ": " + e.getMessage()));
            }
            final DirectorConfig config;
            try {
                config = RulesParser.withExtensions(Extensions.transport()).load(text, DirectorConfig.EMPTY,
                    Schedulers::isKnown).config();
            } catch (final RulesException e) {
                final List<String> m = new ArrayList<>();
                for (final String s : e.errors()) {
                    m.add(file + ": " + s);
                }
                throw new InputException(m);
            }
            final Capacity c = new Capacity();
            final Map<String, Long> share = new LinkedHashMap<>();
            for (final VirtualServiceConfig s : config.services()) {
                c.udp |= s.key().protocol() == Protocol.UDP;
                c.protocols.add(s.key().protocol());
                final int max = Extensions.maxConnections(s);
                final long conns = max > 0 ? Math.min(n, max) : n;
                long weights = 0;
                for (final RealServerConfig r : config.servers(s.key())) {
                    weights += r.weight();
                }
                if (weights == 0) {
                    c.notes.add(s.key().protocol() + " " + s.key().addressAndPort() + ": no real server with a "
                        + "weight above 0: it opens no backend connections");
                    continue;
                }
                for (final RealServerConfig r : config.servers(s.key())) {
                    if (r.weight() == 0) {
                        continue;
                    }
                    long mine = TunePlan.ceilDiv(conns * r.weight(), weights);
                    if (r.upperThreshold() > 0) {
                        mine = Math.min(mine, r.upperThreshold());
                    }
                    share.merge(r.addressAndPort(), mine, (a, b) -> Math.min(n, a + b));
                }
            }
            if (config.services().isEmpty()) {
                c.notes.add(file + " defines no virtual service");
            }
            for (final Map.Entry<String, Long> e : share.entrySet()) {
                c.backends.add(new TunePlan.Backend(e.getKey(), e.getValue()));
            }
            // busiest first
            c.backends.sort((a, b) -> a.connections() != b.connections() ? Long.compare(b.connections(),
                a.connections()) : a.endpoint().compareTo(b.endpoint()));
            if (c.backends.isEmpty()) {
                c.backends.add(new TunePlan.Backend("(none)", 0));
            }
            c.notes.add("each service is planned as if it carried all " + String.format(Locale.ROOT, "%,d", n)
                + " connections (capped by --max-conns), spread over its real servers by weight (capped by -x); a "
                + "server that takes over for failed ones needs more ports");
            return c;
        }
    }

    static String text(final TunePlan p, final HostFacts h, final boolean rules) {
        final StringBuilder sb = new StringBuilder();
        final String n = String.format(Locale.ROOT, "%,d", p.connections());
        sb.append("jlvs tune: what ").append(n).append(" concurrent proxied connections need (read from ")
            .append(h.root()).append(" and this JVM)\n");
        sb.append("transport: ").append(p.transportWhy()).append("\n\n");
        int w0 = "setting".length();
        int w1 = "now".length();
        int w2 = "needed".length();
        for (final TunePlan.Row r : p.rows()) {
            w0 = Math.max(w0, r.setting().length());
            w1 = Math.max(w1, r.now().length());
            w2 = Math.max(w2, r.needed().length());
        }
        final String fmt = "%-" + w0 + "s | %-" + w1 + "s | %-" + w2 + "s | %s%n";
        sb.append(String.format(Locale.ROOT, fmt, "setting", "now", "needed", "ok"));
        sb.append("-".repeat(w0)).append("-+-").append("-".repeat(w1)).append("-+-").append("-".repeat(w2))
            .append("-+-------\n");
        for (final TunePlan.Row r : p.rows()) {
            sb.append(String.format(Locale.ROOT, fmt, r.setting(), r.now(), r.needed(), r.status().label));
        }
        sb.append("\nwhere the figures come from:\n");
        for (final TunePlan.Row r : p.rows()) {
            if (!r.why().isEmpty()) {
                sb.append("  ").append(r.setting()).append(": ").append(r.why()).append('\n');
            }
        }
        if (rules) {
            sb.append("\nbackend connections by real server (ephemeral ports from one source address: ")
                .append(p.portsPerSource()).append("):\n");
            for (final TunePlan.Backend b : p.backends()) {
                sb.append(String.format(Locale.ROOT, "  %-24s %,12d connections, %d source address(es)%n",
                    b.endpoint(), b.connections(), p.portsPerSource() == 0 ? 0
                        : TunePlan.ceilDiv(b.connections(), p.portsPerSource())));
            }
        }
        for (final String note : p.notes()) {
            sb.append("note: ").append(note).append('\n');
        }
        sb.append('\n');
        final List<TunePlan.Row> short_ = new ArrayList<>();
        final List<TunePlan.Row> advice = new ArrayList<>();
        for (final TunePlan.Row r : p.problems()) {
            (r.required() && r.status() != TunePlan.Status.ADVICE ? short_ : advice).add(r);
        }
        if (short_.isEmpty()) {
            sb.append("ok: this host can take ").append(n).append(" proxied connections\n");
        } else {
            sb.append("SHORT: this host cannot take ").append(n).append(" proxied connections:\n");
            for (final TunePlan.Row r : short_) {
                sb.append("  ").append(line(r, p.connections(), false)).append('\n');
            }
        }
        if (!advice.isEmpty()) {
            sb.append("advice:\n");
            for (final TunePlan.Row r : advice) {
                sb.append("  ").append(line(r, p.connections(), false)).append('\n');
            }
        }
        sb.append('\n').append(sysctlFile(p)).append('\n');
        sb.append("# systemd unit of the director, [Service] section (or: ulimit -n ").append(p.descriptors())
            .append(" in its shell):\nLimitNOFILE=").append(p.descriptors()).append('\n');
        return sb.toString();
    }

    /** The {@code sysctl.d} file: every sysctl that is short or below its advice, at the value to set. */
    static String sysctlFile(final TunePlan p) {
        final StringBuilder sb = new StringBuilder();
        sb.append("# /etc/sysctl.d/90-jlvs.conf: ").append(String.format(Locale.ROOT, "%,d", p.connections()))
            .append(" proxied JLVS connections; load with: sysctl --system\n");
        int lines = 0;
        for (final TunePlan.Row r : p.rows()) {
            if (r.sysctlValue() != null) {
                sb.append(r.setting()).append(" = ").append(r.sysctlValue()).append('\n');
                lines++;
            }
        }
        if (lines == 0) {
            sb.append("# nothing to change\n");
        }
        return sb.toString();
    }

    static String json(final TunePlan p, final HostFacts h) {
        final JsonWriter j = new JsonWriter().beginObject();
        j.name("connections").value(p.connections());
        j.name("ok").value(p.ok());
        j.name("procRoot").value(h.root().toString());
        j.name("transport").value(p.costs().transport());
        j.name("transportWhy").value(p.transportWhy());
        j.name("descriptors").value(p.descriptors());
        j.name("limitNofile").value(p.descriptors());
        j.name("portsPerSource").value(p.portsPerSource());
        j.name("sourceAddresses").value(p.sourceAddresses());
        j.name("rows").beginArray();
        for (final TunePlan.Row r : p.rows()) {
            j.beginObject().name("setting").value(r.setting()).name("now").value(r.now()).name("needed")
                .value(r.needed())
                .name("status").value(r.status().name().toLowerCase(Locale.ROOT)).name("required")
                .value(r.required()).name("why").value(r.why());
            if (r.sysctlValue() != null) {
                j.name("set").value(r.sysctlValue());
            }
            j.endObject();
        }
        j.endArray();
        j.name("short").beginArray();
        for (final TunePlan.Row r : p.problems()) {
            if (r.required() && r.status() != TunePlan.Status.ADVICE) {
                j.value(r.setting());
            }
        }
        j.endArray();
        j.name("advice").beginArray();
        for (final TunePlan.Row r : p.problems()) {
            if (!r.required() || r.status() == TunePlan.Status.ADVICE) {
                j.value(r.setting());
            }
        }
        j.endArray();
        j.name("unreadable").beginArray();
        for (final HostFacts.Reading r : h.problems()) {
            j.beginObject().name("setting").value(r.setting()).name("error").value(r.error()).endObject();
        }
        j.endArray();
        j.name("backends").beginArray();
        for (final TunePlan.Backend b : p.backends()) {
            j.beginObject().name("endpoint").value(b.endpoint()).name("connections").value(b.connections())
                .endObject();
        }
        j.endArray();
        j.name("sysctl").beginObject();
        for (final TunePlan.Row r : p.rows()) {
            if (r.sysctlValue() != null) {
                j.name(r.setting()).value(r.sysctlValue());
            }
        }
        j.endObject();
        j.name("notes").beginArray();
        for (final String s : p.notes()) {
            j.value(s);
        }
        j.endArray();
        return j.endObject().toString();
    }
}
