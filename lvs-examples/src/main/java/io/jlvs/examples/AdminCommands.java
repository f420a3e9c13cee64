package io.jlvs.examples;

import io.jlvs.core.listing.JlvsVersion;
import io.jlvs.core.LoadBalancer;
import io.jlvs.core.ReloadResult;
import io.jlvs.core.net.Protocol;
import io.jlvs.core.config.DirectorConfig;
import io.jlvs.core.config.Extensions;
import io.jlvs.core.config.LvsException;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.listing.IpvsadmListing;
import io.jlvs.core.listing.ServiceSnapshot;
import io.jlvs.core.rules.ListRequest;
import io.jlvs.core.rules.RuleCommand;
import io.jlvs.core.rules.RulesException;
import io.jlvs.core.rules.RulesParser;
import io.jlvs.core.rules.RulesWriter;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.VirtualService;
import io.jlvs.examples.sync.SyncDaemon;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs one admin line against a running director and returns what ipvsadm would print: nothing for a successful
 * change, the listing for {@code -L}, the rules for {@code -S}, or one error line. Besides ipvsadm's commands it
 * knows {@code drain}, {@code disable} and {@code enable} followed by {@code -t|-u VIP:PORT -r RIP[:PORT]}.
 *
 * <p>What a line may do depends on the {@link AdminLevel}: {@code read} lists only; {@code operator} also changes
 * weights ({@code -e} that changes nothing but {@code -w}), drains, disables and enables servers and zeroes counters;
 * {@code admin} may do everything. File-valued options ({@code --sorry-file}) are refused unless the file, symbolic
 * links resolved, is under the folder given with {@code --admin-files}; the resolved path is what the director
 * stores. A service on the admin socket's own TCP address is refused.
 *
 * <p>Thread-safe: the director is; {@link #drainedWeights} is concurrent; {@link #reserved} is volatile, written once
 * by the {@link AdminServer} that serves these commands.
 */
public final class AdminCommands {
    /** The options whose value names a file on the director's host. */
    static final Set<String> FILE_OPTIONS = Set.of(Extensions.SORRY_FILE);
    /** Longest error line an answer carries, so that a huge token is not echoed back. */
    static final int MAX_ERROR_CHARS = 200;

    private final LoadBalancer lb;
    private final AdminLevel level;
    private final Path filesDir;
    private final RulesParser parser = RulesParser.withExtensions(Extensions.transport());
    /** Weights of servers drained with {@code drain}, restored by {@code enable}: "service|address|port". */
    private final Map<String, Integer> drainedWeights = new ConcurrentHashMap<>();
    private volatile InetSocketAddress reserved;
    private volatile SyncDaemon sync;
    private volatile KernelAttachment kernel;

    /**
     * Commands at {@link AdminLevel#ADMIN} that refuse every file-valued option.
     *
     * @param lb the director
     */
    public AdminCommands(final LoadBalancer lb) {
        this(lb, AdminLevel.ADMIN, null);
    }

    /**
     * Commands at a level.
     *
     * @param lb the director
     * @param level what lines may do
     * @param filesDir the folder (a real path) file-valued options must point into, or null to refuse them all
     */
    public AdminCommands(final LoadBalancer lb, final AdminLevel level, final Path filesDir) {
        this.lb = lb;
        this.level = level;
        this.filesDir = filesDir;
    }

    /**
     * The level these commands run at.
     *
     * @return the level
     */
    public AdminLevel level() {
        return level;
    }

    /** The director's sync daemon ({@code -L --daemon}, a backup's {@code -L -c}, {@code takeover}), or null. */
    void sync(final SyncDaemon daemon) {
        this.sync = daemon;
    }

    /**
     * The kernel data path of the {@code --forward kernel} services: listings take the kernel services' connection
     * counts from conntrack and their counters from nftables, and each change reaches the kernel before its answer.
     *
     * A command that adds the first kernel service attaches the data path, except on a sync backup that has not
     * taken over (its services have not started; the takeover attaches it).
     *
     * @param attachment the director's attachment
     */
    void kernel(final KernelAttachment attachment) {
        this.kernel = attachment;
    }

    private io.jlvs.kernel.KernelDataPath kernelPath() {
        final KernelAttachment a = kernel;
        return a == null ? null : a.get();
    }

    /** Refuses services on the admin socket's own address; called by the server once it is bound. */
    void reserve(final SocketAddress adminAddress) {
        if (adminAddress instanceof InetSocketAddress) {
            this.reserved = (InetSocketAddress) adminAddress;
        }
    }

    /**
     * Runs a command.
     *
     * @param line the command, for example {@code -e -t 10.0.0.1:80 -r 10.0.0.2:80 -m -w 3}
     * @param lineNumber its number in the session, for error messages
     * @return the output, each line ending with a newline (empty when ipvsadm prints nothing)
     */
    public String execute(final String line, final int lineNumber) {
        try {
            final String out = run(line, lineNumber);
            final String verb = firstToken(line);
            return verb.equals("-l") || verb.equals("--list") ? out : out + syncKernel(lineNumber);
        } catch (final LvsException e) {
            return clip(e.getMessage()) + "\n";
        } catch (final RulesException e) {
            return "error: " + clip(e.getMessage()) + "\n";
        } catch (final RuntimeException e) {
            // a listener that cannot be bound, a bad value the parser let through: an answer, never a dead session
            return "error: line " + lineNumber + ": " + clip(e.getMessage() != null ? e.getMessage() : e.toString())
                + "\n";
        }
    }

    private String run(final String line, final int lineNumber) {
        final String verb = firstToken(line);
        if (isHealth(line)) {
            return health(lb.health());
        }
        if (verb.equals("takeover") && line.strip().equalsIgnoreCase("takeover")) {
            return takeover(lineNumber);
        }
        if (verb.equals("drain") || verb.equals("disable") || verb.equals("enable")) {
            return serverState(verb, line.strip().substring(verb.length()), lineNumber);
        }
        final RuleCommand c = parser.parseLine(line, lineNumber);
        if (c == null) {
            return "";
        }
        final AdminLevel needed = needed(c);
        if (!level.allows(needed)) {
            return denied(lineNumber, c.kind().ipvsadmName(), needed);
        }
        switch (c.kind()) {
            case LIST:
                return list(c.list());
            case ZERO:
                lb.zero(c.service());
                return "";
            case SAVE:
                return RulesWriter.save(lb.config());
            case VERSION:
                return "JLVS version " + JlvsVersion.version() + "\n";
            case HELP:
                return help();
            case RESTORE:
                return "error: line " + lineNumber + ": -R takes no arguments: send -R alone on its line, then the "
                    + "rules, then a line . (or end the input)\n";
            case ADD_SERVICE:
            case EDIT_SERVICE:
                return service(c, lineNumber);
            case ADD_SERVER:
            case EDIT_SERVER:
                return server(c, lineNumber);
            default:
                c.applyTo(lb);
                return warnings(c);
        }
    }

    /**
     * Brings a change to the kernel before the answer, so that new connections follow it once the command answered
     * (the kernel data path's own thread would apply it within its poll interval). Nothing to do is cheap: the
     * transaction only runs when the wanted state differs from the installed one.
     */
    private String syncKernel(final int lineNumber) {
        final KernelAttachment a = kernel;
        final SyncDaemon d = sync;
        final boolean standingBy = d != null && d.backup() != null && !d.backup().tookOver();
        if (a == null || standingBy && a.get() == null) {
            return "";
        }
        try {
            a.ensure(); // the first kernel service attaches the data path
            return "";
        } catch (final java.io.IOException e) {
            return "error: line " + lineNumber + ": kernel: " + clip(String.valueOf(e.getMessage()))
                + " (the kernel keeps its previous rules; retrying in the background)\n";
        }
    }

    /** {@code -L --health} (also {@code -l}, with or without {@code -n}). */
    private static boolean isHealth(final String line) {
        final String[] t = line.strip().split("\\s+");
        if (t.length < 2 || !(t[0].equals("-L") || t[0].equals("-l"))) {
            return false;
        }
        boolean health = false;
        for (int i = 1; i < t.length; i++) {
            if (t[i].equals("--health")) {
                health = true;
            } else if (!t[i].equals("-n")) {
                return false;
            }
        }
        return health;
    }

    /** {@code healthy}, or {@code unhealthy} and one indented line per problem (a dead event loop, ...). */
    static String health(final io.jlvs.core.transport.Health h) {
        if (h.healthy()) {
            return "healthy\n";
        }
        final StringBuilder sb = new StringBuilder("unhealthy\n");
        for (final String p : h.problems()) {
            sb.append("  ").append(clip(p)).append('\n');
        }
        return sb.toString();
    }

    private String takeover(final int lineNumber) {
        if (!level.allows(AdminLevel.ADMIN)) {
            return denied(lineNumber, "takeover", AdminLevel.ADMIN);
        }
        final SyncDaemon d = sync;
        if (d == null || d.backup() == null) {
            return "error: line " + lineNumber + ": takeover: this director is not a sync backup (run --sync "
                + "backup)\n";
        }
        if (d.backup().tookOver()) {
            return "took over already\n";
        }
        return d.backup().takeover() ? "took over\n" : "error: line " + lineNumber + ": takeover: the services "
            + "could not start yet (see the log); retrying every 100 ms\n";
    }

    private AdminLevel needed(final RuleCommand c) {
        switch (c.kind()) {
            case LIST:
            case SAVE:
            case VERSION:
            case HELP:
                return AdminLevel.READ;
            case ZERO:
                return AdminLevel.OPERATOR;
            case EDIT_SERVER:
                return weightOnly(c) ? AdminLevel.OPERATOR : AdminLevel.ADMIN;
            default:
                return AdminLevel.ADMIN;
        }
    }

    /** Whether an edit changes nothing but the weight (or names a server that does not exist: it will fail). */
    private boolean weightOnly(final RuleCommand c) {
        final VirtualService s = lb.services().service(c.service());
        if (s == null) {
            return true;
        }
        final RealServerConfig wanted = c.serverConfig();
        final int i = s.members().indexOf(wanted.address(), wanted.port());
        if (i < 0) {
            return true;
        }
        return s.members().get(i).config().toBuilder().weight(wanted.weight()).build().equals(wanted);
    }

    private String denied(final int lineNumber, final String what, final AdminLevel needed) {
        final String hint = what.equals("edit-server") && level == AdminLevel.OPERATOR
            ? " (operator level may change only the weight: repeat the server's other settings as -S shows them)"
            : "";
        return "error: line " + lineNumber + ": permission denied: " + what + " needs the " + needed.label()
            + " level; this admin socket is at " + level.label() + hint + "\n";
    }

    private String service(final RuleCommand c, final int lineNumber) {
        VirtualServiceConfig cfg = c.serviceConfig();
        final InetSocketAddress own = reserved;
        if (c.kind() == RuleCommand.Kind.ADD_SERVICE && own != null && c.service().protocol() == Protocol.TCP
            && c.service().port() == own.getPort() && (c.service().address().equals(own.getAddress())
                || c.service().address().isAnyLocalAddress() || own.getAddress().isAnyLocalAddress())) {
            return "error: line " + lineNumber + ": " + c.service() + " is the admin socket's own address\n";
        }
        for (final Map.Entry<String, String> o : cfg.options().entrySet()) {
            if (FILE_OPTIONS.contains(o.getKey())) {
                final String real = allowedFile(o.getKey(), o.getValue(), lineNumber);
                cfg = cfg.toBuilder().option(o.getKey(), real).build();
            }
        }
        if (c.kind() == RuleCommand.Kind.ADD_SERVICE) {
            lb.addService(cfg);
        } else {
            lb.editService(cfg);
        }
        return warnings(c);
    }

    private String server(final RuleCommand c, final int lineNumber) {
        RealServerConfig cfg = c.serverConfig();
        for (final Map.Entry<String, String> o : cfg.options().entrySet()) {
            if (FILE_OPTIONS.contains(o.getKey())) {
                cfg = cfg.toBuilder().option(o.getKey(), allowedFile(o.getKey(), o.getValue(), lineNumber)).build();
            }
        }
        if (c.kind() == RuleCommand.Kind.ADD_SERVER) {
            lb.addServer(c.service(), cfg);
        } else {
            lb.editServer(c.service(), cfg);
            drainedWeights.remove(drainKey(c.service(), cfg.address().getHostAddress(), cfg.port()));
        }
        return warnings(c);
    }

    /**
     * Whether a line starts a restore: {@code -R} (or {@code --restore}) alone. The lines that follow, up to a line
     * {@code .} or the end of the connection's input, are the rules ({@link #restore}).
     *
     * @param line a line
     * @return whether it is {@code -R}
     */
    static boolean isRestore(final String line) {
        final String t = line.strip();
        return t.equals("-R") || t.equals("--restore");
    }

    /**
     * {@code -R}: makes the director what the rules describe, applying only the difference, as a SIGHUP reload does
     * ({@link LoadBalancer#reload(String, String)}). Admin level only; file-valued options must name files under
     * {@code --admin-files} by their real path. Rules with an error change nothing.
     *
     * @param rules the lines after {@code -R}
     * @param lineNumber the session line of the {@code -R}, for messages
     * @return the summary of the changes and one line per change, or the errors (each naming its line, counted
     *     from the first line after {@code -R})
     */
    String restore(final String rules, final int lineNumber) {
        if (!level.allows(AdminLevel.ADMIN)) {
            return denied(lineNumber, "restore", AdminLevel.ADMIN);
        }
        try {
            final DirectorConfig wanted = parser.load(rules, DirectorConfig.EMPTY, n -> true).config();
            for (final VirtualServiceConfig s : wanted.services()) {
                checkFiles(s.options(), lineNumber);
                for (final RealServerConfig r : wanted.servers(s.key())) {
                    checkFiles(r.options(), lineNumber);
                }
            }
            final ReloadResult r = lb.reload(rules, "admin -R");
            final StringBuilder sb = new StringBuilder();
            for (final String w : r.warnings()) {
                sb.append("warning: ").append(clip(w)).append('\n');
            }
            sb.append("restored: ").append(r.changes().isEmpty() ? "no change" : r.changes().summary()).append('\n');
            for (final String l : r.changes().lines()) {
                sb.append("  ").append(l).append('\n');
            }
            return sb.append(syncKernel(lineNumber)).toString();
        } catch (final RulesException e) {
            final StringBuilder sb = new StringBuilder();
            for (final String m : e.errors()) {
                sb.append("error: -R ").append(clip(m)).append('\n');
            }
            return sb.append("error: line ").append(lineNumber).append(": -R refused; nothing changed\n").toString();
        } catch (final LvsException e) {
            return clip(e.getMessage()) + " (-R refused; nothing changed)\n";
        } catch (final RuntimeException e) {
            return "error: line " + lineNumber + ": -R: " + clip(e.getMessage() != null ? e.getMessage()
                : e.toString()) + "\n";
        }
    }

    private void checkFiles(final Map<String, String> options, final int lineNumber) {
        for (final Map.Entry<String, String> o : options.entrySet()) {
            if (FILE_OPTIONS.contains(o.getKey())) {
                final String real = allowedFile(o.getKey(), o.getValue(), lineNumber);
                if (!real.equals(o.getValue())) {
                    throw new LvsException("error: line " + lineNumber + ": -R: --" + o.getKey() + " " + clip(o
                        .getValue()) + ": give the file's real path, " + real);
                }
            }
        }
    }

    /** The real path of a file a line names, if it is under {@link #filesDir}; else an error that says why. */
    private String allowedFile(final String option, final String value, final int lineNumber) {
        final String at = "line " + lineNumber + ": --" + option + " " + clip(value) + ": ";
        if (filesDir == null) {
            throw new LvsException("error: " + at + "files are refused over the admin socket (start the director "
                + "with --admin-files DIR to allow files under DIR)");
        }
        final Path real;
        try {
            final Path p = Path.of(value);
            real = (p.isAbsolute() ? p : filesDir.resolve(p)).toRealPath();
        } catch (final NoSuchFileException e) {
            throw new LvsException("error: " + at + "no such file");
        } catch (final IOException | InvalidPathException e) {
            throw new LvsException("error: " + at + e.getMessage());
        }
        if (!real.startsWith(filesDir)) {
            throw new LvsException("error: " + at + "not under " + filesDir + " (the folder given with "
                + "--admin-files; symbolic links are resolved)");
        }
        if (!Files.isRegularFile(real)) {
            throw new LvsException("error: " + at + "not a regular file");
        }
        return real.toString();
    }

    private String serverState(final String verb, final String rest, final int lineNumber) {
        if (!level.allows(AdminLevel.OPERATOR)) {
            return denied(lineNumber, verb, AdminLevel.OPERATOR);
        }
        final RuleCommand c;
        try {
            c = parser.parseLine("-d " + rest, lineNumber);
        } catch (final RulesException e) {
            return "error: " + clip(e.getMessage().replace("delete-server", verb)) + "\n";
        }
        if (c == null || c.kind() != RuleCommand.Kind.DELETE_SERVER) {
            return "error: line " + lineNumber + ": " + verb + " needs -t|-u VIP:PORT -r RIP[:PORT]\n";
        }
        final VirtualService s = lb.services().service(c.service());
        if (s == null) {
            return "Service not defined\n";
        }
        final int i = s.members().indexOf(c.serverAddress(), c.serverPort());
        if (i < 0) {
            return "No such destination\n";
        }
        final RealServer r = s.members().get(i);
        final String address = r.address().getHostAddress();
        final String key = drainKey(c.service(), address, r.port());
        switch (verb) {
            case "drain":
                if (r.config().weight() > 0) {
                    drainedWeights.put(key, r.config().weight());
                }
                lb.weight(c.service(), address, r.port(), 0);
                return "";
            case "disable":
                s.rotation(r, false);
                return "";
            default:
                s.rotation(r, true);
                final Integer w = drainedWeights.remove(key);
                if (w != null) {
                    lb.weight(c.service(), address, r.port(), w);
                }
                return "";
        }
    }

    private static String drainKey(final ServiceKey key, final String address, final int port) {
        return key + "|" + address + "|" + port;
    }

    private static String warnings(final RuleCommand c) {
        final StringBuilder sb = new StringBuilder();
        for (final String w : c.warnings()) {
            sb.append("warning: ").append(clip(w)).append('\n');
        }
        return sb.toString();
    }

    private static String firstToken(final String line) {
        final String t = line.strip();
        int end = 0;
        while (end < t.length() && !Character.isWhitespace(t.charAt(end))) {
            end++;
        }
        return t.substring(0, end).toLowerCase(Locale.ROOT);
    }

    /** Cuts a message to {@value #MAX_ERROR_CHARS} characters, saying how much was cut. */
    static String clip(final String message) {
        if (message.length() <= MAX_ERROR_CHARS) {
            return message;
        }
        return message.substring(0, MAX_ERROR_CHARS) + "... (" + (message.length() - MAX_ERROR_CHARS)
            + " more characters)";
    }

    private String list(final ListRequest r) {
        if (r.connections()) {
            final SyncDaemon d = sync;
            if (d != null && d.backup() != null) {
                return d.backup().listing(); // the synced entries and templates (after takeover also the live ones)
            }
            final io.jlvs.kernel.KernelDataPath k = kernelPath();
            if (k != null) {
                try {
                    final java.util.List<io.jlvs.core.listing.ConnectionSnapshot> all =
                        new java.util.ArrayList<>(lb.connections());
                    all.addAll(k.connections());
                    return IpvsadmListing.connections(all, r.persistentConn());
                } catch (final java.io.IOException e) {
                    return "error: kernel connections: " + e.getMessage() + "\n";
                }
            }
            return IpvsadmListing.connections(lb.connections(), r.persistentConn());
        }
        if (r.timeout()) {
            return IpvsadmListing.timeouts(lb.services().timeouts());
        }
        if (r.daemon()) {
            final SyncDaemon d = sync;
            return d == null ? "" : d.status(); // without --sync, as ipvsadm without a daemon: nothing
        }
        final io.jlvs.kernel.KernelDataPath k = kernelPath();
        if (r.service() != null) {
            final VirtualService s = lb.services().service(r.service());
            if (s == null) {
                return "No such service\n";
            }
            if (k != null && io.jlvs.core.config.Extensions.kernelForwarded(s.config())) {
                try {
                    final String one = k.listService(r.service(), r.format(), r.exact(), r.noSort());
                    return one == null ? "No such service\n" : one;
                } catch (final java.io.IOException e) {
                    return "error: kernel counters: " + e.getMessage() + "\n";
                }
            }
            return IpvsadmListing.listService(ServiceSnapshot.of(s), r.format(), r.exact(), r.noSort());
        }
        if (k != null) {
            try {
                return k.list(r.format(), r.exact(), r.noSort()); // kernel services' lines end in "kernel"
            } catch (final java.io.IOException e) {
                return "error: kernel counters: " + e.getMessage() + "\n";
            }
        }
        return IpvsadmListing.list(lb.snapshot(), r.format(), r.exact(), r.noSort());
    }

    static String help() {
        return "Commands, one per line, in ipvsadm's syntax (numeric addresses only):\n"
            + "  -A|-E -t|-u VIP:PORT [-s SCHED] [-p [SECONDS]] [-M NETMASK] [-o] [-b FLAGS] [--OPTION VALUE ...]\n"
            + "  -D -t|-u VIP:PORT\n"
            + "  -a|-e -t|-u VIP:PORT -r RIP[:PORT] [-m|-g|-i] [-w WEIGHT] [-x UPPER] [-y LOWER] [--proxy-protocol V]\n"
            + "  -d -t|-u VIP:PORT -r RIP[:PORT]\n"
            + "  -C            remove every service\n"
            + "  -L|-l [-n] [-t|-u VIP:PORT] [--stats|--rate|--thresholds|--persistent-conn] [--exact] [--nosort]\n"
            + "  -L -n -c      connections;  -L --timeout   timeouts\n"
            + "  -Z [-t|-u VIP:PORT]   zero counters\n"
            + "  --set TCP TCPFIN UDP  timeouts in seconds (0 keeps a value)\n"
            + "  -S [-n]       the rules, as ipvsadm-save writes them\n"
            + "  -v            version\n"
            + "  -R            restore: the lines that follow, up to a line . or the end of the input, are the whole\n"
            + "                wanted rules; only the difference is applied (as SIGHUP does); admin level\n"
            + "  -L --daemon   the sync daemon's state (run --sync)\n"
            + "  -L --health   healthy, or unhealthy and what failed (an event loop that died and was restarted)\n"
            + "  takeover      a sync backup starts its services now (admin level)\n"
            + "  drain|disable|enable -t|-u VIP:PORT -r RIP[:PORT]\n"
            + "                drain: weight 0 (live connections stay); disable: out of rotation; enable: back in\n"
            + "                rotation with the weight it had before drain (a health check's next change wins)\n"
            + "Levels (--admin-level): read lists (-L -S -v -h); operator also -e that changes only -w, drain,\n"
            + "  disable, enable, -Z; admin everything. File options (--sorry-file) need --admin-files DIR.\n";
    }
}
