package io.jlvs.core.rules;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.config.DirectorConfig;
import io.jlvs.core.config.ForwardingMethod;
import io.jlvs.core.config.LvsException;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.RuleExtension;
import io.jlvs.core.config.SchedulerFlags;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.Timeouts;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.listing.ListFormat;
import io.jlvs.core.net.Addresses;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Reads the rules format: one ipvsadm command per line, as {@code ipvsadm-save} writes and {@code ipvsadm -R}
 * reads, with {@code #} comments, blank lines, long option names, bundled short options ({@code -Ln}) and
 * {@code --long-options} for JLVS's extensions. Lines may end in LF, CRLF or CR; {@link #read} and {@link #decode}
 * turn a file's bytes into text strictly (a byte that is not UTF-8 is an error naming its line and byte offset).
 *
 * <p>Loading ({@link #load}) checks each command against the configuration built so far with the same code the
 * {@code LoadBalancer} builder and the admin commands use ({@link DirectorConfig.Builder}): scheduler and health
 * checker names, {@code --sorry-file} (a readable regular file), and real servers that would loop through the
 * director (a server equal to a virtual service of the same protocol, or a local address on the port of a wildcard
 * service). Every error names its line.
 *
 * <p>Defaults and checks are ipvsadm's: the option/command table (which option is required, illegal or exclusive
 * with which command), scheduler {@code wlc}, persistence 360 s, weight 1, forwarding {@code -g}, server port =
 * service port when not given, port 0 only with persistence, {@code -o} only for UDP, {@code -b sh-*} only with
 * {@code -s sh} and {@code mh-*} only with {@code -s mh}, thresholds 0..2^31-1, {@code --set} with three values.
 * An edit ({@code -E}, {@code -e}) is a full replacement: whatever it does not give returns to the default.
 *
 * <p>Direct routing ({@code -g}, also ipvsadm's default) and tunnelling ({@code -i}) cannot exist above the
 * socket layer: such a server is accepted, runs as a full proxy ({@link ForwardingMethod#MASQ}), and the line gets a
 * warning saying so. As in ipvsadm, such a server's port is forced to the service port. fwmark and SCTP services,
 * persistence engines and sync daemons are refused with a message saying so.
 *
 * <p>Thread-safe (immutable once built).
 */
public final class RulesParser {
    // ipvsadm's option indices, in its own order (they index the command/option table below)
    private static final int O_NUMERIC = 0;
    private static final int O_CONNECTION = 1;
    private static final int O_SERVICE = 2;
    private static final int O_SCHEDULER = 3;
    private static final int O_PERSISTENT = 4;
    private static final int O_NETMASK = 5;
    private static final int O_SERVER = 6;
    private static final int O_FORWARD = 7;
    private static final int O_WEIGHT = 8;
    private static final int O_UTHRESHOLD = 9;
    private static final int O_LTHRESHOLD = 10;
    private static final int O_MCAST = 11;
    private static final int O_TIMEOUT = 12;
    private static final int O_DAEMON = 13;
    private static final int O_STATS = 14;
    private static final int O_RATE = 15;
    private static final int O_THRESHOLDS = 16;
    private static final int O_PERSISTENTCONN = 17;
    private static final int O_NOSORT = 18;
    private static final int O_SYNCID = 19;
    private static final int O_EXACT = 20;
    private static final int O_OPS = 21;
    private static final int O_PE = 22;
    private static final int O_SCHED_FLAGS = 23;
    private static final int O_TUN_TYPE = 24;
    private static final int O_TUN_PORT = 25;
    private static final int O_TUN_CSUM = 26;
    private static final int O_SORT = 27; // a no-op kept for compatibility, legal everywhere -L is

    private static final String[] OPT_NAMES = {"numeric", "connection", "service-address", "scheduler", "persistent",
        "netmask", "real-server", "forwarding-method", "weight", "u-threshold", "l-threshold", "mcast-interface",
        "timeout", "daemon", "stats", "rate", "thresholds", "persistent-conn", "nosort", "syncid", "exact", "ops", "pe",
        "sched-flags", "tun-type", "tun-port", "tun-checksum", "sort"};

    /*
     * Legal combinations of commands and options, as ipvsadm's table has them ('+' required, 'x' illegal, '1' at
     * most one of the '1' options, ' ' optional), extended with the tunnel options of ipvsadm 1.31.
     * Columns: -n -c svc -s -p -M -r fwd -w -x -y mcast tot dmn st rt thr pc nosort sid ex ops pe -b tt tp tc sort
     */
    private static final Map<RuleCommand.Kind, String> TABLE = new LinkedHashMap<>();

    static {
        TABLE.put(RuleCommand.Kind.ADD_SERVICE, "xx+   xxxxxxxxxxxxxxx   xxxx");
        TABLE.put(RuleCommand.Kind.EDIT_SERVICE, "xx+   xxxxxxxxxxxxxxx   xxxx");
        TABLE.put(RuleCommand.Kind.DELETE_SERVICE, "xx+xxxxxxxxxxxxxxxxxxxxxxxxx");
        TABLE.put(RuleCommand.Kind.CLEAR, "xxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        TABLE.put(RuleCommand.Kind.LIST, " 11xxxxxxxxx11       xxxxxx ");
        TABLE.put(RuleCommand.Kind.ADD_SERVER, "xx+xxx+    xxxxxxxxxxxxx   x");
        TABLE.put(RuleCommand.Kind.DELETE_SERVER, "xx+xxx+xxxxxxxxxxxxxxxxxxxxx");
        TABLE.put(RuleCommand.Kind.EDIT_SERVER, "xx+xxx+    xxxxxxxxxxxxx   x");
        TABLE.put(RuleCommand.Kind.SET_TIMEOUTS, "xxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        TABLE.put(RuleCommand.Kind.RESTORE, "xxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        TABLE.put(RuleCommand.Kind.SAVE, " xxxxxxxxxxxxxxxxxxxxxxxxxxx");
        TABLE.put(RuleCommand.Kind.ZERO, "xx xxxxxxxxxxxxxxxxxxxxxxxxx");
        TABLE.put(RuleCommand.Kind.HELP, "xxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        TABLE.put(RuleCommand.Kind.VERSION, "xxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    }

    private enum Arg { NONE, REQUIRED, OPTIONAL }

    private static final class Spec {
        final String longName;
        final char shortName;
        final Arg arg;
        final RuleCommand.Kind command; // non-null for a command option
        final int option; // index into OPT_NAMES, or -1
        final String refusal; // non-null: an ipvsadm option JLVS refuses, with the reason

        Spec(final String longName, final char shortName, final Arg arg, final RuleCommand.Kind command,
            final int option, final String refusal) {
            this.longName = longName;
            this.shortName = shortName;
            this.arg = arg;
            this.command = command;
            this.option = option;
            this.refusal = refusal;
        }
    }

    private static final List<Spec> SPECS = new ArrayList<>();

    private static void cmd(final String l, final char s, final RuleCommand.Kind k) {
        SPECS.add(new Spec(l, s, Arg.NONE, k, -1, null));
    }

    private static void opt(final String l, final char s, final Arg a, final int o) {
        SPECS.add(new Spec(l, s, a, null, o, null));
    }

    private static void refuse(final String l, final char s, final Arg a, final String why) {
        SPECS.add(new Spec(l, s, a, null, -1, why));
    }

    static {
        cmd("add-service", 'A', RuleCommand.Kind.ADD_SERVICE);
        cmd("edit-service", 'E', RuleCommand.Kind.EDIT_SERVICE);
        cmd("delete-service", 'D', RuleCommand.Kind.DELETE_SERVICE);
        cmd("clear", 'C', RuleCommand.Kind.CLEAR);
        cmd("list", 'L', RuleCommand.Kind.LIST);
        SPECS.add(new Spec("list", 'l', Arg.NONE, RuleCommand.Kind.LIST, -1, null));
        cmd("zero", 'Z', RuleCommand.Kind.ZERO);
        cmd("add-server", 'a', RuleCommand.Kind.ADD_SERVER);
        cmd("edit-server", 'e', RuleCommand.Kind.EDIT_SERVER);
        cmd("delete-server", 'd', RuleCommand.Kind.DELETE_SERVER);
        cmd("set", '\0', RuleCommand.Kind.SET_TIMEOUTS);
        cmd("help", 'h', RuleCommand.Kind.HELP);
        cmd("version", 'v', RuleCommand.Kind.VERSION);
        cmd("restore", 'R', RuleCommand.Kind.RESTORE);
        cmd("save", 'S', RuleCommand.Kind.SAVE);
        refuse("start-daemon", '\0', Arg.REQUIRED, "connection synchronisation is an option of jlvs run (--sync master|backup), not a rules line");
        refuse("stop-daemon", '\0', Arg.REQUIRED, "connection synchronisation is an option of jlvs run (--sync master|backup), not a rules line");
        opt("tcp-service", 't', Arg.REQUIRED, O_SERVICE);
        opt("udp-service", 'u', Arg.REQUIRED, O_SERVICE);
        refuse("fwmark-service", 'f', Arg.REQUIRED,
            "fwmark services need the kernel's packet marks; JLVS serves -t and -u services");
        refuse("sctp-service", '\0', Arg.REQUIRED, "SCTP services are not supported by JLVS");
        opt("scheduler", 's', Arg.REQUIRED, O_SCHEDULER);
        opt("persistent", 'p', Arg.OPTIONAL, O_PERSISTENT);
        opt("netmask", 'M', Arg.REQUIRED, O_NETMASK);
        opt("real-server", 'r', Arg.REQUIRED, O_SERVER);
        opt("masquerading", 'm', Arg.NONE, O_FORWARD);
        opt("ipip", 'i', Arg.NONE, O_FORWARD);
        opt("gatewaying", 'g', Arg.NONE, O_FORWARD);
        opt("weight", 'w', Arg.REQUIRED, O_WEIGHT);
        opt("u-threshold", 'x', Arg.REQUIRED, O_UTHRESHOLD);
        opt("l-threshold", 'y', Arg.REQUIRED, O_LTHRESHOLD);
        opt("numeric", 'n', Arg.NONE, O_NUMERIC);
        opt("connection", 'c', Arg.NONE, O_CONNECTION);
        opt("mcast-interface", '\0', Arg.REQUIRED, O_MCAST);
        opt("syncid", '\0', Arg.REQUIRED, O_SYNCID);
        opt("timeout", '\0', Arg.NONE, O_TIMEOUT);
        opt("daemon", '\0', Arg.NONE, O_DAEMON);
        opt("stats", '\0', Arg.NONE, O_STATS);
        opt("rate", '\0', Arg.NONE, O_RATE);
        opt("thresholds", '\0', Arg.NONE, O_THRESHOLDS);
        opt("persistent-conn", '\0', Arg.NONE, O_PERSISTENTCONN);
        opt("nosort", '\0', Arg.NONE, O_NOSORT);
        opt("sort", '\0', Arg.NONE, O_SORT);
        opt("exact", 'X', Arg.NONE, O_EXACT);
        refuse("ipv6", '6', Arg.NONE, "-6 only applies to fwmark services, which JLVS does not serve");
        opt("ops", 'o', Arg.NONE, O_OPS);
        opt("pe", '\0', Arg.REQUIRED, O_PE);
        opt("sched-flags", 'b', Arg.REQUIRED, O_SCHED_FLAGS);
        opt("tun-type", '\0', Arg.REQUIRED, O_TUN_TYPE);
        opt("tun-port", '\0', Arg.REQUIRED, O_TUN_PORT);
        opt("tun-nocsum", '\0', Arg.NONE, O_TUN_CSUM);
        opt("tun-csum", '\0', Arg.NONE, O_TUN_CSUM);
        opt("tun-remcsum", '\0', Arg.NONE, O_TUN_CSUM);
    }

    private final Map<String, RuleExtension> extensions;

    private RulesParser(final Map<String, RuleExtension> extensions) {
        this.extensions = Collections.unmodifiableMap(new LinkedHashMap<>(extensions));
    }

    /**
     * A parser of plain ipvsadm rules, with no extension options.
     *
     * @return the parser
     */
    public static RulesParser ipvsadm() {
        return new RulesParser(Map.of());
    }

    /**
     * A parser with extension options.
     *
     * @param extensions the options beyond ipvsadm's
     * @return the parser
     */
    public static RulesParser withExtensions(final Collection<RuleExtension> extensions) {
        final Map<String, RuleExtension> m = new LinkedHashMap<>();
        for (final RuleExtension e : extensions) {
            for (final Spec s : SPECS) {
                if (s.longName.equals(e.name())) {
                    throw new IllegalArgumentException("extension: --" + e.name() + " (an ipvsadm option)");
                }
            }
            if (m.put(e.name(), e) != null) {
                throw new IllegalArgumentException("extension: --" + e.name() + " (given twice)");
            }
        }
        return new RulesParser(m);
    }

    /**
     * This parser's extension options.
     *
     * @return the extensions by name
     */
    public Map<String, RuleExtension> extensions() {
        return extensions;
    }

    /**
     * The result of loading rules: the new configuration and the warnings.
     *
     * @param config the configuration after every line
     * @param commands the parsed commands
     * @param warnings one message per warning, each starting with its line
     */
    public record Loaded(DirectorConfig config, List<RuleCommand> commands, List<String> warnings) {
    }

    /**
     * Parses every line and applies the configuration commands to a starting configuration, all or nothing, with
     * the built-in health checkers only ({@link DirectorConfig.Checks#of}).
     *
     * @param text the rules
     * @param base the configuration to start from (for example {@link DirectorConfig#EMPTY})
     * @param knownScheduler says whether a scheduler name exists
     * @return the new configuration with the warnings
     * @throws RulesException listing every line that does not parse, or the first command that cannot be applied;
     *     then nothing was changed
     */
    public Loaded load(final String text, final DirectorConfig base, final Predicate<String> knownScheduler) {
        return load(text, base, DirectorConfig.Checks.of(knownScheduler));
    }

    /**
     * Parses every line and applies the configuration commands to a starting configuration, all or nothing.
     *
     * @param text the rules
     * @param base the configuration to start from (for example {@link DirectorConfig#EMPTY})
     * @param checks what each command is checked against (scheduler and checker names, local addresses, files)
     * @return the new configuration with the warnings
     * @throws RulesException listing every line that does not parse, or the first command that cannot be applied;
     *     then nothing was changed
     */
    public Loaded load(final String text, final DirectorConfig base, final DirectorConfig.Checks checks) {
        final List<RuleCommand> commands = parse(text);
        final List<String> errors = new ArrayList<>();
        for (final RuleCommand c : commands) {
            if (!c.kind().changesConfig()) {
                errors.add(RulesException.format(c.line(), firstToken(c.text()), "the '" + c.kind().ipvsadmName()
                    + "' command does not belong in a rules file (expected -A, -E, -D, -a, -e, -d, -C or --set)"));
            }
        }
        if (!errors.isEmpty()) {
            throw new RulesException(errors);
        }
        final DirectorConfig.Builder b = base.toBuilder(checks);
        final List<String> warnings = new ArrayList<>();
        for (final RuleCommand c : commands) {
            try {
                c.applyTo(b);
            } catch (final LvsException | IllegalArgumentException e) {
                throw new RulesException(c.line(), subject(c), e.getMessage());
            }
            warnings.addAll(c.warnings());
        }
        return new Loaded(b.build(), Collections.unmodifiableList(commands), Collections.unmodifiableList(warnings));
    }

    /**
     * Reads a rules file strictly as UTF-8 ({@link #decode}).
     *
     * @param path the file
     * @return its text
     * @throws IOException if it cannot be read
     * @throws RulesException naming the line and byte offset of the first byte that is not UTF-8
     */
    public static String read(final Path path) throws IOException {
        return decode(Files.readAllBytes(path), path.toString());
    }

    /**
     * Decodes rules strictly as UTF-8: a malformed or unmappable byte is an error naming its line and its byte
     * offset, never replaced or skipped. A leading byte-order mark is dropped. Lines may end in LF, CRLF or CR.
     *
     * @param bytes the rules file's bytes
     * @param sourceName what to call the input in messages (a file name, {@code stdin})
     * @return the text
     * @throws RulesException {@code line N: SOURCE: byte 0xNN at byte offset K (byte J of the line) is not valid
     *     UTF-8}
     */
    public static String decode(final byte[] bytes, final String sourceName) {
        final CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
        final ByteBuffer in = ByteBuffer.wrap(bytes);
        final CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        CoderResult r = d.decode(in, out, true);
        if (!r.isError()) {
            r = d.flush(out);
        }
        if (r.isError()) {
            final int at = in.position();
            int line = 1;
            int lineStart = 0;
            for (int i = 0; i < at; i++) {
                final byte b = bytes[i];
                if (b == '\n' || b == '\r' && (i + 1 >= bytes.length || bytes[i + 1] != '\n')) {
                    line++;
                    lineStart = i + 1;
                }
            }
            throw new RulesException(line, sourceName, String.format("byte 0x%02X at byte offset %d (byte %d of the "
                + "line) is not valid UTF-8 (expected: a UTF-8 text file)", bytes[at] & 0xff, at, at - lineStart + 1));
        }
        out.flip();
        final String text = out.toString();
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }

    private static String firstToken(final String text) {
        final String t = text.trim();
        final int sp = t.indexOf(' ');
        return sp < 0 ? t : t.substring(0, sp);
    }

    private static String subject(final RuleCommand c) {
        final String[] t = c.text().trim().split("\\s+");
        final StringBuilder sb = new StringBuilder(t[0]);
        for (int i = 1; i < t.length && i < 3; i++) {
            if (t[i].startsWith("-") && i == 2) {
                break;
            }
            sb.append(' ').append(t[i]);
        }
        if (c.serverConfig() != null || c.serverAddress() != null) {
            final String server = c.serverConfig() != null ? c.serverConfig().addressAndPort()
                : Addresses.formatWithPort(c.serverAddress(), c.serverPort());
            sb.append(" -r ").append(server);
        }
        return sb.toString();
    }

    /**
     * Parses every line; blank lines and comments give nothing.
     *
     * @param text the rules
     * @return the commands in line order
     * @throws RulesException listing every line that does not parse
     */
    public List<RuleCommand> parse(final String text) {
        final List<RuleCommand> out = new ArrayList<>();
        final List<String> errors = new ArrayList<>();
        final String[] lines = text.split("\r\n|\r|\n", -1);
        for (int i = 0; i < lines.length; i++) {
            try {
                final RuleCommand c = parseLine(lines[i], i + 1);
                if (c != null) {
                    out.add(c);
                }
            } catch (final RulesException e) {
                errors.addAll(e.errors());
            }
        }
        if (!errors.isEmpty()) {
            throw new RulesException(errors);
        }
        return out;
    }

    /**
     * Parses one line.
     *
     * @param rawLine the line
     * @param lineNumber its number, for messages
     * @return the command, or null for a blank or comment line
     * @throws RulesException naming the line, the token and what is wrong
     */
    public RuleCommand parseLine(final String rawLine, final int lineNumber) {
        final List<String> tokens = tokenize(rawLine);
        if (tokens.isEmpty()) {
            return null;
        }
        return new LineParser(lineNumber, String.join(" ", tokens), tokens).parse();
    }

    static List<String> tokenize(final String line) {
        final List<String> tokens = new ArrayList<>();
        final String[] parts = line.trim().split("[ \t]+");
        for (final String p : parts) {
            if (p.isEmpty()) {
                continue;
            }
            if (p.startsWith("#")) {
                break;
            }
            tokens.add(p);
        }
        return tokens;
    }

    private static Spec longSpec(final String name) {
        for (final Spec s : SPECS) {
            if (s.longName.equals(name)) {
                return s;
            }
        }
        return null;
    }

    private static Spec shortSpec(final char c) {
        for (final Spec s : SPECS) {
            if (s.shortName == c) {
                return s;
            }
        }
        return null;
    }

    /** Parses one tokenized line. Not thread-safe; one per line. */
    private final class LineParser {
        private final int line;
        private final String text;
        private final List<String> tokens;
        private final List<String> warnings = new ArrayList<>();
        private final List<String> positional = new ArrayList<>();
        private final String[] values = new String[OPT_NAMES.length];
        private final String[] labels = new String[OPT_NAMES.length];
        private final Map<String, String> ext = new LinkedHashMap<>();
        private final Map<String, String> extLabels = new LinkedHashMap<>();
        private RuleCommand.Kind kind;
        private String commandToken;
        private int options;
        private Protocol protocol;
        private ForwardingMethod forwarding;
        private String forwardingLabel;
        private String tunCsum;

        LineParser(final int line, final String text, final List<String> tokens) {
            this.line = line;
            this.text = text;
            this.tokens = tokens;
        }

        private RulesException error(final String token, final String message) {
            return new RulesException(line, token, message);
        }

        RuleCommand parse() {
            int i = 0;
            while (i < tokens.size()) {
                final String t = tokens.get(i);
                if (t.startsWith("--") && t.length() > 2) {
                    i = parseLong(i, t);
                } else if (t.startsWith("-") && t.length() > 1 && (!Character.isDigit(t.charAt(1)) || t.equals("-6"))) {
                    i = parseShort(i, t);
                } else {
                    if (kind == null) {
                        throw error(t, "expected a command (-A, -E, -D, -a, -e, -d, -C, --set, -L, -Z, -S) first");
                    }
                    positional.add(t);
                    i++;
                }
            }
            if (kind == null) {
                throw error(tokens.get(0), "no command given");
            }
            checkTable();
            return build();
        }

        private int parseLong(final int i, final String t) {
            final int eq = t.indexOf('=');
            final String name = eq < 0 ? t.substring(2) : t.substring(2, eq);
            final Spec spec = longSpec(name);
            if (spec == null) {
                final RuleExtension e = extensions.get(name);
                if (e == null) {
                    throw error(t, "unknown option");
                }
                if (kind == null) {
                    throw error(t, "expected a command (-A, -E, -D, -a, -e, -d, -C, --set, -L, -Z, -S) first");
                }
                String value = "true";
                int next = i + 1;
                if (e.takesValue()) {
                    if (eq >= 0) {
                        value = t.substring(eq + 1);
                    } else if (i + 1 < tokens.size()) {
                        value = tokens.get(i + 1);
                        next = i + 2;
                    } else {
                        throw error(t, "needs a value");
                    }
                } else if (eq >= 0) {
                    throw error(t, "takes no value");
                }
                final String label = eq >= 0 || !e.takesValue() ? t : t + " " + value;
                if (ext.containsKey(name)) {
                    throw error(label, "multiple '" + name + "' options specified");
                }
                final String bad = e.validator().apply(value);
                if (bad != null) {
                    throw error(label, bad);
                }
                ext.put(name, value);
                extLabels.put(name, label);
                return next;
            }
            if (spec.arg == Arg.NONE) {
                if (eq >= 0) {
                    throw error(t, "takes no value");
                }
                accept(spec, null, t);
                return i + 1;
            }
            if (eq >= 0) {
                accept(spec, t.substring(eq + 1), t);
                return i + 1;
            }
            return takeArgument(spec, i, t);
        }

        private int takeArgument(final Spec spec, final int i, final String label) {
            final boolean hasNext = i + 1 < tokens.size();
            if (spec.arg == Arg.OPTIONAL) {
                if (hasNext && !tokens.get(i + 1).startsWith("-")) {
                    accept(spec, tokens.get(i + 1), label + " " + tokens.get(i + 1));
                    return i + 2;
                }
                accept(spec, null, label);
                return i + 1;
            }
            if (!hasNext) {
                throw error(label, "needs a value");
            }
            accept(spec, tokens.get(i + 1), label + " " + tokens.get(i + 1));
            return i + 2;
        }

        private int parseShort(final int i, final String t) {
            for (int k = 1; k < t.length(); k++) {
                final char c = t.charAt(k);
                final Spec spec = shortSpec(c);
                if (spec == null) {
                    throw error(t, "unknown option -" + c);
                }
                if (spec.arg == Arg.NONE) {
                    accept(spec, null, "-" + c);
                    continue;
                }
                if (k + 1 < t.length()) {
                    accept(spec, t.substring(k + 1), t);
                    return i + 1;
                }
                return takeArgument(spec, i, "-" + c);
            }
            return i + 1;
        }

        private void accept(final Spec spec, final String value, final String label) {
            if (spec.refusal != null) {
                throw error(label, spec.refusal);
            }
            if (spec.command != null) {
                if (kind != null) {
                    throw error(label, "multiple commands specified");
                }
                kind = spec.command;
                commandToken = label;
                return;
            }
            if (kind == null) {
                throw error(label, "expected a command (-A, -E, -D, -a, -e, -d, -C, --set, -L, -Z, -S) first");
            }
            final int o = spec.option;
            if ((options & (1 << o)) != 0) {
                throw error(label, "multiple '" + OPT_NAMES[o] + "' options specified");
            }
            options |= 1 << o;
            values[o] = value;
            labels[o] = label;
            switch (spec.shortName) {
                case 't':
                    protocol = Protocol.TCP;
                    break;
                case 'u':
                    protocol = Protocol.UDP;
                    break;
                case 'm':
                    forwarding = ForwardingMethod.MASQ;
                    forwardingLabel = label;
                    break;
                case 'i':
                    forwarding = ForwardingMethod.TUNNEL;
                    forwardingLabel = label;
                    break;
                case 'g':
                    forwarding = ForwardingMethod.DROUTE;
                    forwardingLabel = label;
                    break;
                default:
                    if (o == O_TUN_CSUM) {
                        tunCsum = spec.longName;
                    }
            }
        }

        private boolean has(final int o) {
            return (options & (1 << o)) != 0;
        }

        private void checkTable() {
            final String row = TABLE.get(kind);
            int exclusive = -1;
            for (int o = 0; o < OPT_NAMES.length; o++) {
                final char rule = row.charAt(o);
                if (!has(o)) {
                    if (rule == '+') {
                        throw error(commandToken, "the '" + OPT_NAMES[o] + "' option is required for the '"
                            + kind.ipvsadmName() + "' command");
                    }
                    continue;
                }
                if (rule == 'x') {
                    throw error(labels[o], "illegal '" + OPT_NAMES[o] + "' option with the '" + kind.ipvsadmName()
                        + "' command");
                }
                if (rule == '1') {
                    if (exclusive >= 0) {
                        throw error(labels[o], "the option '" + OPT_NAMES[o] + "' conflicts with the '"
                            + OPT_NAMES[exclusive] + "' option in the '" + kind.ipvsadmName() + "' command");
                    }
                    exclusive = o;
                }
            }
            for (final Map.Entry<String, String> e : ext.entrySet()) {
                final RuleExtension x = extensions.get(e.getKey());
                final boolean onService = kind == RuleCommand.Kind.ADD_SERVICE || kind == RuleCommand.Kind.EDIT_SERVICE;
                final boolean onServer = kind == RuleCommand.Kind.ADD_SERVER || kind == RuleCommand.Kind.EDIT_SERVER;
                final boolean ok = x.scope() == RuleExtension.Scope.SERVICE ? onService
                    : x.scope() == RuleExtension.Scope.SERVER ? onServer : onService || onServer;
                if (!ok) {
                    throw error(extLabels.get(e.getKey()), "illegal '" + e.getKey() + "' option with the '"
                        + kind.ipvsadmName() + "' command");
                }
            }
            if (kind == RuleCommand.Kind.LIST) {
                final boolean cto = has(O_CONNECTION) || has(O_TIMEOUT) || has(O_DAEMON);
                final boolean fmt = has(O_STATS) || has(O_RATE) || has(O_THRESHOLDS);
                if (cto && fmt || (has(O_TIMEOUT) || has(O_DAEMON)) && has(O_PERSISTENTCONN)) {
                    throw error(commandToken, "options conflicts in the list command");
                }
                int formats = 0;
                for (final int o : new int[] {O_STATS, O_RATE, O_THRESHOLDS, O_PERSISTENTCONN}) {
                    formats += has(o) ? 1 : 0;
                }
                if (formats > 1 && !has(O_CONNECTION)) {
                    throw error(commandToken, "choose one of --stats, --rate, --thresholds, --persistent-conn");
                }
            }
            if (kind == RuleCommand.Kind.SET_TIMEOUTS) {
                if (positional.size() < 3) {
                    throw error(commandToken, "--set option requires 3 timeout values (tcp tcpfin udp)");
                }
                if (positional.size() > 3) {
                    throw error(positional.get(3), "unexpected argument");
                }
            } else if (!positional.isEmpty()) {
                throw error(positional.get(0), "unexpected argument");
            }
        }

        private ServiceKey serviceKey() {
            final String label = labels[O_SERVICE];
            final Endpoint e = endpoint(values[O_SERVICE], label, "virtual service");
            return ServiceKey.of(protocol, e.address, e.port < 0 ? 0 : e.port);
        }

        private RuleCommand build() {
            final ServiceKey key = has(O_SERVICE) ? serviceKey() : null;
            switch (kind) {
                case ADD_SERVICE:
                case EDIT_SERVICE:
                    return command(key, built(() -> serviceConfig(key)), null, null, 0, null, null);
                case DELETE_SERVICE:
                case ZERO:
                    return command(key, null, null, null, 0, null, null);
                case ADD_SERVER:
                case EDIT_SERVER:
                    return command(key, null, built(() -> serverConfig(key)), null, 0, null, null);
                case DELETE_SERVER: {
                    final Endpoint e = endpoint(values[O_SERVER], labels[O_SERVER], "real server");
                    checkFamily(key, e.address);
                    return command(key, null, null, e.address, e.port < 0 ? key.port() : e.port, null, null);
                }
                case SET_TIMEOUTS: {
                    final int[] t = new int[3];
                    for (int k = 0; k < 3; k++) {
                        t[k] = number(positional.get(k), positional.get(k), 0, Timeouts.MAX_SECONDS,
                            "timeout must be 0.." + Timeouts.MAX_SECONDS + " seconds (0 keeps the current value)");
                    }
                    return command(null, null, null, null, 0, t, null);
                }
                case LIST: {
                    ListFormat f = ListFormat.DEFAULT;
                    if (has(O_STATS)) {
                        f = ListFormat.STATS;
                    } else if (has(O_RATE)) {
                        f = ListFormat.RATE;
                    } else if (has(O_THRESHOLDS)) {
                        f = ListFormat.THRESHOLDS;
                    } else if (has(O_PERSISTENTCONN)) {
                        f = ListFormat.PERSISTENT_CONN;
                    }
                    final ListRequest r = new ListRequest(key, f, has(O_CONNECTION), has(O_TIMEOUT), has(O_DAEMON),
                        has(O_EXACT), has(O_NOSORT), has(O_PERSISTENTCONN));
                    return command(key, null, null, null, 0, null, r);
                }
                default:
                    return command(key, null, null, null, 0, null, null);
            }
        }

        /** Runs a configuration builder, turning what it refuses into this line's error. */
        private <T> T built(final java.util.function.Supplier<T> build) {
            try {
                return build.get();
            } catch (final IllegalArgumentException e) {
                throw error(commandToken, e.getMessage());
            }
        }

        private RuleCommand command(final ServiceKey key, final VirtualServiceConfig svc,
            final RealServerConfig server, final InetAddress serverAddress, final int serverPort, final int[] t,
            final ListRequest list) {
            return new RuleCommand(line, text, kind, key, svc, server, serverAddress, serverPort, t, list, warnings);
        }

        private VirtualServiceConfig serviceConfig(final ServiceKey key) {
            final VirtualServiceConfig.Builder b = VirtualServiceConfig.builder(key);
            final String scheduler = has(O_SCHEDULER) ? values[O_SCHEDULER] : VirtualServiceConfig.DEFAULT_SCHEDULER;
            if (scheduler.isEmpty() || scheduler.length() > 15) {
                throw error(labels[O_SCHEDULER], "scheduler name must be 1..15 characters");
            }
            b.scheduler(scheduler);
            if (has(O_PE)) {
                throw error(labels[O_PE], "persistence engines are not supported by JLVS");
            }
            if (has(O_PERSISTENT)) {
                final int seconds = values[O_PERSISTENT] == null ? VirtualServiceConfig.DEFAULT_PERSISTENCE_SECONDS
                    : number(values[O_PERSISTENT], labels[O_PERSISTENT], 1,
                        VirtualServiceConfig.MAX_PERSISTENCE_SECONDS,
                        "persistence timeout must be 1.." + VirtualServiceConfig.MAX_PERSISTENCE_SECONDS + " seconds");
                b.persistent(seconds);
            }
            if (has(O_NETMASK)) {
                final String m = values[O_NETMASK];
                if (key.isIpv6()) {
                    b.prefixLength(number(m, labels[O_NETMASK], 1, 128, "IPv6 netmask must be a prefix length 1..128"));
                } else {
                    final byte[] bytes = Addresses.parseIpv4(m);
                    if (bytes == null) {
                        throw error(labels[O_NETMASK], "persistence netmask must be a dotted IPv4 mask such as "
                            + "255.255.255.0");
                    }
                    b.ipv4Netmask(Addresses.fold(bytes));
                }
            }
            if (has(O_OPS)) {
                if (key.protocol() != Protocol.UDP) {
                    throw error(labels[O_OPS], "One-Packet Scheduling is only for UDP virtual services");
                }
                b.onePacket(true);
            }
            if (has(O_SCHED_FLAGS)) {
                try {
                    b.schedulerFlags(SchedulerFlags.parse(scheduler, values[O_SCHED_FLAGS]));
                } catch (final IllegalArgumentException e) {
                    throw error(labels[O_SCHED_FLAGS], e.getMessage());
                }
            }
            ext.forEach(b::option);
            if (key.port() == 0 && !has(O_PERSISTENT)) {
                throw error(labels[O_SERVICE], "Zero port specified for non-persistent service");
            }
            return b.build();
        }

        private RealServerConfig serverConfig(final ServiceKey key) {
            final Endpoint e = endpoint(values[O_SERVER], labels[O_SERVER], "real server");
            checkFamily(key, e.address);
            final ForwardingMethod method = forwarding == null ? ForwardingMethod.DROUTE : forwarding;
            int port = e.port < 0 ? key.port() : e.port;
            if (method != ForwardingMethod.MASQ) {
                final int asked = port;
                port = key.port(); // ipvsadm forces a DR/TUN server to the service port
                final String what = method == ForwardingMethod.DROUTE ? "direct routing" : "tunnelling";
                final String given = forwarding == null ? "no forwarding method given, so ipvsadm's default -g ("
                    + what + ") applies" : what + " was asked for";
                warnings.add("line " + line + ": " + (forwardingLabel == null ? commandToken : forwardingLabel) + ": "
                    + given + ", which cannot be done above the socket layer; "
                    + Addresses.formatWithPort(e.address, port) + " runs as a full proxy (masquerading, -m)"
                    + (asked != port ? " on the service port " + port + " as ipvsadm forces for " + what : ""));
            }
            if (has(O_TUN_TYPE) || has(O_TUN_PORT) || has(O_TUN_CSUM)) {
                checkTunnelOptions(method);
            }
            final RealServerConfig.Builder b = RealServerConfig.builder(e.address, port)
                .forwarding(ForwardingMethod.MASQ);
            if (has(O_WEIGHT)) {
                b.weight(number(values[O_WEIGHT], labels[O_WEIGHT], 0, RealServerConfig.MAX_WEIGHT,
                    "weight must be 0.." + RealServerConfig.MAX_WEIGHT));
            }
            int upper = 0;
            if (has(O_UTHRESHOLD)) {
                upper = number(values[O_UTHRESHOLD], labels[O_UTHRESHOLD], 0, Integer.MAX_VALUE,
                    "upper threshold must be 0.." + Integer.MAX_VALUE);
                b.upperThreshold(upper);
            }
            if (has(O_LTHRESHOLD)) {
                final int lower = number(values[O_LTHRESHOLD], labels[O_LTHRESHOLD], 0, Integer.MAX_VALUE,
                    "lower threshold must be 0.." + Integer.MAX_VALUE);
                if (lower > upper) {
                    throw error(labels[O_LTHRESHOLD], "lower threshold must not exceed the upper threshold " + upper
                        + (has(O_UTHRESHOLD) ? "" : " (none given; a lower threshold needs an upper one)"));
                }
                b.lowerThreshold(lower);
            }
            ext.forEach(b::option);
            return b.build();
        }

        private void checkTunnelOptions(final ForwardingMethod method) {
            final String label = has(O_TUN_TYPE) ? labels[O_TUN_TYPE] : has(O_TUN_PORT) ? labels[O_TUN_PORT]
                : "--" + tunCsum;
            if (method != ForwardingMethod.TUNNEL) {
                throw error(label, "tunnel options need -i");
            }
            final String type = has(O_TUN_TYPE) ? values[O_TUN_TYPE] : "ipip";
            if (!type.equals("ipip") && !type.equals("gue") && !type.equals("gre")) {
                throw error(labels[O_TUN_TYPE], "tunnel type must be ipip, gue or gre");
            }
            if (type.equals("gue") && !has(O_TUN_PORT)) {
                throw error(labels[O_TUN_TYPE], "a gue tunnel needs --tun-port");
            }
            if (has(O_TUN_PORT)) {
                if (!type.equals("gue")) {
                    throw error(labels[O_TUN_PORT], "--tun-port only applies to gue tunnels");
                }
                number(values[O_TUN_PORT], labels[O_TUN_PORT], 1, 65535, "tunnel port must be 1..65535");
            }
            if (tunCsum != null && type.equals("ipip")) {
                throw error("--" + tunCsum, "checksum options only apply to gue and gre tunnels");
            }
        }

        private void checkFamily(final ServiceKey key, final InetAddress server) {
            if (key.isIpv6() != (server instanceof Inet6Address)) {
                throw error(labels[O_SERVER], "the real server's address family differs from the service's "
                    + "(mixed families need tunnelling, which JLVS cannot do)");
            }
        }

        private int number(final String s, final String label, final int min, final int max, final String message) {
            if (s == null || s.isEmpty() || s.length() > 11) {
                throw error(label, message);
            }
            for (int k = 0; k < s.length(); k++) {
                final char c = s.charAt(k);
                if (!(c >= '0' && c <= '9') && !(k == 0 && c == '-' && s.length() > 1)) {
                    throw error(label, message);
                }
            }
            final long v = Long.parseLong(s);
            if (v < min || v > max) {
                throw error(label, message);
            }
            return (int) v;
        }

        private Endpoint endpoint(final String s, final String label, final String what) {
            final String expected = what + " must be a numeric address[:port], IPv6 in brackets, port 0..65535 "
                + "(host and service names are not resolved)";
            if (s == null || s.isEmpty()) {
                throw error(label, expected);
            }
            String host;
            String portText = null;
            if (s.startsWith("[")) {
                final int close = s.indexOf(']');
                if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') {
                    throw error(label, expected);
                }
                host = s.substring(1, close);
                portText = s.substring(close + 2);
                if (host.indexOf(':') < 0) {
                    throw error(label, expected);
                }
            } else if (s.indexOf(':') != s.lastIndexOf(':')) {
                host = s; // a bare IPv6 address: no port
            } else {
                final int colon = s.lastIndexOf(':');
                host = colon < 0 ? s : s.substring(0, colon);
                portText = colon < 0 ? null : s.substring(colon + 1);
            }
            final InetAddress a = Addresses.parseLiteral(host);
            if (a == null) {
                throw error(label, expected);
            }
            int port = -1;
            if (portText != null) {
                port = number(portText, label, 0, 65535, expected);
            }
            return new Endpoint(a, port);
        }
    }

    private static final class Endpoint {
        final InetAddress address;
        final int port;

        Endpoint(final InetAddress address, final int port) {
            this.address = address;
            this.port = port;
        }
    }
}
