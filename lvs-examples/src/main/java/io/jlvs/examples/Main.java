package io.jlvs.examples;

import io.jlvs.core.listing.JlvsVersion;
import io.jlvs.core.config.DirectorConfig;
import io.jlvs.core.config.Extensions;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.listing.DirectorSnapshot;
import io.jlvs.core.listing.IpvsadmListing;
import io.jlvs.core.listing.ListFormat;
import io.jlvs.core.listing.ServerSnapshot;
import io.jlvs.core.listing.ServiceSnapshot;
import io.jlvs.core.config.RuleExtension;
import io.jlvs.core.rules.RulesException;
import io.jlvs.core.rules.RulesParser;
import io.jlvs.scheduler.Schedulers;
import io.jlvs.core.stats.StatsSnapshot;
import io.jlvs.examples.ops.OpsHttpServer;
import io.jlvs.examples.sync.SyncDaemon;
import io.jlvs.examples.tune.JvmLimits;
import io.jlvs.examples.tune.Tune;
import io.jlvs.examples.tune.TuneOptions;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.SocketAddress;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The {@code jlvs} command line (picocli): {@code run}, {@code check}, {@code tune}, {@code demo}, {@code help},
 * {@code version} and {@code generate-completion}, each with {@code --help}. Rules keep ipvsadm's syntax and are read
 * strictly as UTF-8 by {@link RulesParser#read}. {@code run} wires the director's optional parts: the admin socket,
 * {@code --http} (metrics and status page), JMX, {@code --sync}, SIGHUP reload and the tuning warnings.
 *
 * <p>To add a sub-command, write a {@code @Command} class that implements {@code Callable<Integer>} and add it in
 * {@link #commandLine}; to add options to {@code run}, add a {@code @Mixin} field to {@code RunCommand} (as
 * {@code AdminArgs} is) and read it in {@code RunCommand.start}.
 *
 * <p>Exit statuses: {@value #OK} success (including a drained stop on SIGTERM), {@value #FAILURE} a runtime failure
 * (a listener or the admin socket cannot be opened), {@value #USAGE} bad input or usage (unknown option, bad value,
 * bad rules, missing file).
 *
 * <p>Not thread-safe (a command line program).
 */
public final class Main {
    /** Exit status of success. */
    public static final int OK = 0;
    /** Exit status of a runtime failure. */
    public static final int FAILURE = 1;
    /** Exit status of bad usage or bad rules. */
    public static final int USAGE = 2;

    static final String EXIT_STATUS = "%nExit status: 0 success (also a drained stop on SIGTERM or Ctrl-C); 1 runtime "
        + "failure (a listener or the admin socket cannot be opened); 2 bad input or usage (unknown option, bad value, "
        + "bad rules, missing file).";

    private Main() {
    }

    /**
     * Runs the command line and exits with its status.
     *
     * @param args the arguments
     */
    public static void main(final String[] args) {
        final int status = run(args, System.in, System.out, System.err, true);
        System.exit(status);
    }

    /**
     * Runs a command.
     *
     * @param args the arguments
     * @param in standard input (for {@code --rules -})
     * @param out standard output
     * @param err standard error
     * @param waitForSignal for {@code run}: block until the process is told to stop (false returns at once, for
     *     tests that stop the director themselves through {@link #startDirector})
     * @return the exit status
     */
    public static int run(final String[] args, final InputStream in, final PrintStream out, final PrintStream err,
        final boolean waitForSignal) {
        final CommandLine cl = commandLine(new Context(in, out, err, waitForSignal));
        final int status = cl.execute(args);
        out.flush();
        err.flush();
        return status;
    }

    /** What every command prints to and reads from. */
    static final class Context {
        final InputStream in;
        final PrintStream out;
        final PrintStream err;
        final boolean waitForSignal;

        Context(final InputStream in, final PrintStream out, final PrintStream err, final boolean waitForSignal) {
            this.in = in;
            this.out = out;
            this.err = err;
            this.waitForSignal = waitForSignal;
        }
    }

    /**
     * The command tree. Sub-commands are added here.
     *
     * @param ctx the streams
     * @return the command line
     */
    static CommandLine commandLine(final Context ctx) {
        final CommandLine cl = new CommandLine(new Jlvs(ctx));
        cl.addSubcommand("run", new RunCommand(ctx));
        cl.addSubcommand("check", new CheckCommand(ctx));
        cl.addSubcommand("demo", new DemoCommand(ctx));
        cl.addSubcommand("tune", new TuneCommand(ctx));
        cl.addSubcommand("version", new VersionCommand(ctx));
        cl.addSubcommand("help", new CommandLine.HelpCommand());
        cl.addSubcommand("generate-completion", new AutoComplete.GenerateCompletion());
        cl.getSubcommands().get("generate-completion").getCommandSpec().usageMessage().hidden(false)
            .description("print a bash/zsh completion script for jlvs: source <(jlvs generate-completion)");
        cl.getCommandSpec().usageMessage().footer(reference() + EXIT_STATUS);
        cl.getSubcommands().get("run").getCommandSpec().usageMessage().footer(reference() + EXIT_STATUS);
        cl.getSubcommands().get("check").getCommandSpec().usageMessage().footer(EXIT_STATUS);
        cl.getSubcommands().get("tune").getCommandSpec().usageMessage().footer("%nExample:%n  java -Xmx3g -jar "
            + "jlvs.jar tune --connections 1000000 --rules rules.txt%n");
        cl.setOut(new PrintWriter(ctx.out, true));
        cl.setErr(new PrintWriter(ctx.err, true));
        cl.setUsageHelpWidth(120);
        cl.setUsageHelpAutoWidth(false);
        cl.setParameterExceptionHandler((e, args) -> {
            ctx.err.println("jlvs: " + message(e) + " (try " + e.getCommandLine().getCommandSpec().qualifiedName(" ")
                + " --help)");
            return USAGE;
        });
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            ctx.err.println("jlvs: " + e);
            return FAILURE;
        });
        return cl;
    }

    private static String message(final ParameterException e) {
        final CommandLine c = e.getCommandLine();
        // an unknown option explains a "missing" one better (run --rule x reports --rule, not --rules)
        final List<String> u = e instanceof CommandLine.UnmatchedArgumentException
            ? ((CommandLine.UnmatchedArgumentException) e).getUnmatched() : c.getUnmatchedArguments();
        if (e instanceof CommandLine.UnmatchedArgumentException || e instanceof CommandLine.MissingParameterException) {
            if (!u.isEmpty()) {
                final String first = u.get(0);
                if (first.startsWith("-")) {
                    return c.getCommandName() + ": unknown option '" + first + "'";
                }
                if (c.getParent() == null) {
                    return "unknown command '" + first + "'";
                }
                return c.getCommandName() + ": unexpected argument '" + first + "'";
            }
        }
        return e.getMessage();
    }

    /** Bad arguments. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(final String message) {
            super(message);
        }
    }

    /** Prints the version. */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"JLVS " + JlvsVersion.version()};
        }
    }

    @Command(name = "jlvs", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "JLVS - an embeddable layer-4 load balancer modeled on Linux Virtual Server.",
        synopsisSubcommandLabel = "COMMAND")
    static final class Jlvs implements Callable<Integer> {
        private final Context ctx;
        @CommandLine.Spec
        private CommandLine.Model.CommandSpec spec;

        Jlvs(final Context ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            spec.commandLine().usage(ctx.out);
            return USAGE;
        }
    }

    @Command(name = "version", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "print the version")
    static final class VersionCommand implements Callable<Integer> {
        private final Context ctx;

        VersionCommand(final Context ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            ctx.out.println("JLVS " + JlvsVersion.version());
            return OK;
        }
    }

    @Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"a demo: three local backends, a director and a load client, with a live view",
            "for N seconds (wlc, TCP health checks; one backend stopped and restarted midway), then the -Ln --stats",
            "table.",
            "While the live view runs on a terminal, log lines are printed above it."})
    static final class DemoCommand implements Callable<Integer> {
        private final Context ctx;
        @Option(names = "--seconds", paramLabel = "N", defaultValue = "" + Demo.DEFAULT_SECONDS,
            description = "how long the demo runs, 4..3600 (default: ${DEFAULT-VALUE})")
        private int seconds;
        @Option(names = "--no-ansi", description = "print each view below the last instead of redrawing it (the "
            + "default without a terminal)")
        private boolean noAnsi;
        @CommandLine.Spec
        private CommandLine.Model.CommandSpec spec;

        DemoCommand(final Context ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            if (seconds < 4 || seconds > 3600) {
                throw new ParameterException(spec.commandLine(), "--seconds " + seconds + ": expected a number "
                    + "4..3600");
            }
            return Demo.run(new Demo.Options(seconds, !noAnsi && System.console() != null), ctx.out);
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"validate rules and print the -Ln listing they would give",
            "Exit status 0, or 2 on errors (each names its line and token)."})
    static final class CheckCommand implements Callable<Integer> {
        private final Context ctx;
        @Option(names = "--rules", required = true, paramLabel = "FILE|-",
            description = "rules in the ipvsadm-save format (- for standard input)")
        private String rules;

        CheckCommand(final Context ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            try {
                final String text;
                try {
                    text = readRules(rules, ctx.in);
                } catch (final IOException e) {
                    ctx.err.println("jlvs: " + rules + ": " + (e instanceof NoSuchFileException ? "no such file"
                        : e.getMessage()));
                    return USAGE;
                }
                final RulesParser.Loaded l = RulesParser.withExtensions(Extensions.transport()).load(text,
                    DirectorConfig.EMPTY, Schedulers::isKnown);
                for (final String w : l.warnings()) {
                    ctx.err.println("warning: " + w);
                }
                ctx.out.print(IpvsadmListing.list(preview(l.config()), ListFormat.DEFAULT, false, false));
                return OK;
            } catch (final RulesException e) {
                for (final String m : e.errors()) {
                    ctx.err.println(rules + ": " + m);
                }
                return USAGE;
            }
        }
    }

    /** The admin socket's options of {@code run}. */
    static final class AdminArgs {
        @Option(names = "--admin", paramLabel = "unix:PATH|HOST:PORT",
            description = {"ipvsadm commands, one per line, on a Unix domain socket (recommended, for example "
                + "unix:/run/jlvs/admin.sock) or on TCP (loopback unless --admin-token-file is given). Default: off."})
        private String address;
        @Option(names = "--admin-level", paramLabel = "read|operator|admin",
            description = {"what admin clients may do: read lists only; operator also changes weights (-e that "
                + "changes only -w), drain, disable, enable, -Z; admin everything. Default: admin on a Unix socket "
                + "(its 0600 file mode limits it to this user), read on TCP (any local user can reach a TCP port)."})
        private String level;
        @Option(names = "--admin-token-file", paramLabel = "FILE",
            description = "a file whose first line (at least 16 characters) must open each admin connection; "
                + "needed for a TCP admin socket on a non-loopback address")
        private Path tokenFile;
        @Option(names = "--admin-files", paramLabel = "DIR",
            description = "allow file-valued options (--sorry-file) over the admin socket for files under DIR "
                + "(symbolic links resolved); default: refused")
        private Path filesDir;
        @Option(names = "--admin-idle-timeout", paramLabel = "SECONDS", defaultValue = "300",
            description = "close an admin connection idle this long, 1..86400 (default: ${DEFAULT-VALUE})")
        private int idleSeconds;
        @Option(names = "--admin-max-connections", paramLabel = "N", defaultValue = "8",
            description = "admin connections open at once, 1..1024; one more is told so and closed (default: "
                + "${DEFAULT-VALUE})")
        private int maxConnections;
        @Option(names = "--admin-mode", paramLabel = "OCTAL", defaultValue = "0600",
            description = "file mode of a Unix domain admin socket (default: ${DEFAULT-VALUE})")
        private String mode;

        /** The admin options, or null without {@code --admin}. */
        AdminOptions toOptions() {
            if (address == null) {
                if (level != null || tokenFile != null || filesDir != null) {
                    throw new IllegalArgumentException("--admin-level, --admin-token-file and --admin-files need "
                        + "--admin");
                }
                return null;
            }
            final SocketAddress a = AdminOptions.parseAddress(address);
            final AdminOptions.Builder b = AdminOptions.builder(a);
            if (level != null) {
                b.level(AdminLevel.parse(level));
            }
            if (tokenFile != null) {
                b.token(AdminOptions.readToken(tokenFile));
            }
            b.filesDir(filesDir);
            if (idleSeconds < 1 || idleSeconds > 86_400) {
                throw new IllegalArgumentException("--admin-idle-timeout " + idleSeconds + ": expected a number "
                    + "1..86400");
            }
            b.idleTimeout(Duration.ofSeconds(idleSeconds));
            if (maxConnections < 1 || maxConnections > 1024) {
                throw new IllegalArgumentException("--admin-max-connections " + maxConnections + ": expected a "
                    + "number 1..1024");
            }
            b.maxConnections(maxConnections);
            b.unixMode(mode(mode));
            return b.build();
        }

        private static Set<PosixFilePermission> mode(final String s) {
            if (!s.matches("0?[0-7]{3}")) {
                throw new IllegalArgumentException("--admin-mode " + s + ": expected an octal mode such as 0600");
            }
            final int m = Integer.parseInt(s, 8);
            final Set<PosixFilePermission> p = EnumSet.noneOf(PosixFilePermission.class);
            final PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ first, OTHERS_EXECUTE last
            for (int i = 0; i < 9; i++) {
                if ((m & (1 << (8 - i))) != 0) {
                    p.add(bits[i]);
                }
            }
            return p;
        }
    }

    /** The connection-state sync options of {@code run} (ipvsadm's --start-daemon, see io.jlvs.examples.sync). */
    static final class SyncArgs {
        @Option(names = "--sync", paramLabel = "master|backup", description = {"sync connection state and "
            + "persistence templates with another director over UDP: a master sends; a backup builds its services "
            + "but starts them only when it takes over (no datagram from the master for --sync-dead-interval, or "
            + "the admin command takeover). Default: off."})
        private String role;
        @Option(names = "--sync-id", paramLabel = "N", description = "0..255; master and backup must agree "
            + "(default: 0)")
        private String id;
        @Option(names = "--sync-peers", paramLabel = "ADDR:PORT,...", description = "master: unicast destinations")
        private String peers;
        @Option(names = "--sync-group", paramLabel = "ADDR:PORT", description = "multicast group the master sends "
            + "to and the backup joins, e.g. 224.0.0.81:8848")
        private String group;
        @Option(names = "--sync-interface", paramLabel = "NAME", description = "the interface the group is sent and "
            + "joined on")
        private String iface;
        @Option(names = "--sync-listen", paramLabel = "ADDR:PORT", description = "backup: where it receives "
            + "unicast")
        private String listen;
        @Option(names = "--sync-interval", paramLabel = "MS", description = "master: send period, 10..1000 "
            + "(default: 1000)")
        private String interval;
        @Option(names = "--sync-dead-interval", paramLabel = "SECONDS", description = "backup: silence before it "
            + "takes over, 0.1..3600 (default: 3)")
        private String deadInterval;
        @Option(names = "--sync-mtu", paramLabel = "BYTES", description = "datagrams fit this MTU less the IP and "
            + "UDP headers (default: 1500)")
        private String mtu;
        @Option(names = "--sync-rate", paramLabel = "N", description = "master: records per second at most "
            + "(default: 50000)")
        private String rate;

        /** The sync daemon's builder, or null without {@code --sync}; checks every value. */
        SyncDaemon.Builder toBuilder() {
            final String[][] given = {{"--sync-id", id}, {"--sync-peers", peers}, {"--sync-group", group},
                {"--sync-interface", iface}, {"--sync-listen", listen}, {"--sync-interval", interval},
                {"--sync-dead-interval", deadInterval}, {"--sync-mtu", mtu}, {"--sync-rate", rate}};
            if (role == null) {
                for (final String[] g : given) {
                    if (g[1] != null) {
                        throw new IllegalArgumentException(g[0] + " needs --sync master|backup");
                    }
                }
                return null;
            }
            final SyncDaemon.Builder b = SyncDaemon.builder().option("--sync", role);
            for (final String[] g : given) {
                if (g[1] != null) {
                    b.option(g[0], g[1]);
                }
            }
            b.settings(); // checks that the options fit together
            return b;
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"run a standalone director from rules in the ipvsadm-save format",
            "SIGTERM or Ctrl-C drains it and exits with status 0. SIGHUP re-reads the rules file and applies the "
                + "difference (new services listen, removed ones stop accepting while their connections finish, "
                + "unchanged ones keep their counters); a file with an error changes nothing and its errors, each "
                + "naming its line, go to standard error."})
    static final class RunCommand implements Callable<Integer> {
        private final Context ctx;
        @Option(names = "--rules", required = true, paramLabel = "FILE|-",
            description = "rules in the ipvsadm-save format (- for standard input)")
        private String rules;
        @Option(names = "--event-loops", paramLabel = "N", defaultValue = "0",
            description = "event loop threads, 1..256 (default: one per available processor)")
        private int eventLoops;
        @Option(names = "--list-interval", paramLabel = "SECONDS", defaultValue = "0",
            description = "print the -Ln listing every SECONDS, 1..86400 (default: never)")
        private int listInterval;
        @Option(names = "--drain", paramLabel = "SECONDS", defaultValue = "10",
            description = "how long stopping lets live connections finish, 0..3600 (default: ${DEFAULT-VALUE})")
        private int drain;
        @Mixin
        private AdminArgs admin = new AdminArgs();
        @Option(names = "--http", paramLabel = "HOST:PORT",
            description = {"serve /metrics (Prometheus text), /api/status (JSON) and / (a live status page) over "
                + "HTTP on HOST:PORT ([IPv6]:PORT; a bare PORT means 127.0.0.1; port 0 picks one). Loopback only "
                + "unless --http-allow-remote: nothing is authenticated. Default: off."})
        private String http;
        @Option(names = "--http-allow-remote", description = "let --http listen on an address other than loopback "
            + "(only behind a firewall: the pages are not authenticated)")
        private boolean httpAllowRemote;
        @Option(names = "--jmx", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = {"register one MXBean per virtual service and real server under io.jlvs in the platform "
                + "MBean server (local attach only unless the JVM is started with com.sun.management.jmxremote "
                + "options); --no-jmx turns it off. Default: on."})
        private boolean jmx;
        @Option(names = "--expect-connections", paramLabel = "N", defaultValue = "0",
            description = {"print a warning at start for each host or JVM setting (descriptors, ports, memory, "
                + "backlogs, conntrack) short of N concurrent proxied connections, 1..100000000, as jlvs tune "
                + "--connections N names them (default: the sum of the TCP services' --max-conns when every one "
                + "sets it, else no check)"})
        private long expectConnections;
        @Option(names = "--proc-root", paramLabel = "DIR", hidden = true, defaultValue = "/proc",
            description = "read the host's settings under DIR instead of /proc (tests)")
        private Path procRoot;
        @Option(names = "--reuse-port-share", description = {"let this director's listeners share a VIP:port "
            + "another process (another jlvs run with this option) holds, with SO_REUSEPORT; the kernel spreads new "
            + "connections over them. Default: off, and a VIP:port held by another listener fails the start "
            + "(exit status 1) naming the address."})
        private boolean reusePortShare;
        @Option(names = "--relay-buffer-budget", paramLabel = "BYTES", defaultValue = "0",
            description = {"direct memory the relay's pooled buffers may take, 65536..1099511627776; suffixes k, m, "
                + "g (1024-based) allowed (default: half of the JVM's direct-memory limit)"})
        private String relayBufferBudget;
        @Option(names = "--transport", paramLabel = "nio|epoll|auto", defaultValue = "auto",
            description = {"the forwarding engine: nio (java.nio, every JDK 17+), epoll (Linux, Java 22+, native "
                + "access enabled; TCP and UDP), or auto: epoll where it can run and carries every protocol in use, "
                + "else nio; the start-up log line says which and why (default: ${DEFAULT-VALUE})"})
        private String transport;
        @Mixin
        private SyncArgs sync = new SyncArgs();
        @CommandLine.Spec
        private CommandLine.Model.CommandSpec spec;

        RunCommand(final Context ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() throws InterruptedException {
            if (!ctx.waitForSignal) {
                try {
                    start().close();
                } catch (final Failure f) {
                    return f.status;
                }
                return OK;
            }
            // The hook is installed before the director starts, so that a SIGTERM that arrives as soon as the
            // "listening on" lines are printed still drains; it waits until start() ended either way.
            final AtomicReference<Director> running = new AtomicReference<>();
            final CountDownLatch started = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    started.await(5, java.util.concurrent.TimeUnit.MINUTES);
                } catch (final InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                final Director d = running.get();
                if (d == null) {
                    return; // it did not start: the exit status already given stands
                }
                int status = OK;
                try {
                    ctx.err.println("stopping: draining live connections");
                    d.close();
                    ctx.err.println("stopped");
                } catch (final RuntimeException e) {
                    ctx.err.println("jlvs: stopping failed: " + e);
                    status = FAILURE;
                }
                ctx.out.flush();
                ctx.err.flush();
                // A signal's exit status would be 128+N (143 for SIGTERM); a drained stop is a success for
                // service managers, so end the JVM here with the real outcome.
                Runtime.getRuntime().halt(status);
            }, "jlvs-shutdown"));
            // SIGHUP reloads the rules; installing a handler also keeps the JVM from treating it as a stop
            final String noHup = Hangup.install(() -> {
                final Director d = running.get();
                if (d == null) {
                    return;
                }
                ctx.err.println("SIGHUP: reloading " + (rules.equals("-") ? "(standard input)" : rules));
                ctx.err.flush();
                d.hangup();
            });
            try {
                try {
                    running.set(start());
                } catch (final Failure f) {
                    return f.status;
                }
            } finally {
                started.countDown();
            }
            if (noHup != null) {
                ctx.err.println("warning: SIGHUP cannot reload the rules here (" + noHup + "); use the admin "
                    + "socket's -R");
            }
            new CountDownLatch(1).await();
            return OK;
        }

        /** Starts the director, or throws {@link Failure} after printing why. */
        Director start() throws Failure {
            check(eventLoops == 0 || eventLoops >= 1 && eventLoops <= 256, "--event-loops " + eventLoops
                + ": expected a number 1..256");
            check(listInterval >= 0 && listInterval <= 86_400, "--list-interval " + listInterval
                + ": expected a number 1..86400");
            check(drain >= 0 && drain <= 3600, "--drain " + drain + ": expected a number 0..3600");
            final AdminOptions adminOptions;
            try {
                adminOptions = admin.toOptions();
            } catch (final IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage(), e);
            }
            final String text;
            try {
                text = readRules(rules, ctx.in);
            } catch (final NoSuchFileException e) {
                ctx.err.println("jlvs: " + rules + ": no such file");
                throw new Failure(USAGE);
            } catch (final IOException e) {
                ctx.err.println("jlvs: " + rules + ": " + e.getMessage());
                throw new Failure(USAGE);
            } catch (final RulesException e) {
                for (final String m : e.errors()) {
                    ctx.err.println(rules + ": " + m);
                }
                throw new Failure(USAGE);
            }
            final Director.Settings settings = new Director.Settings();
            settings.rulesFile = rules.equals("-") ? null : Path.of(rules).toAbsolutePath();
            settings.eventLoops = eventLoops;
            settings.listIntervalSeconds = listInterval;
            settings.admin = adminOptions;
            settings.drain = Duration.ofSeconds(drain);
            if (http != null) {
                try {
                    settings.http = OpsHttpServer.parseAddress(http);
                } catch (final IllegalArgumentException e) {
                    throw new ParameterException(spec.commandLine(), e.getMessage(), e);
                }
                check(httpAllowRemote || settings.http.getAddress().isLoopbackAddress(), "--http " + http
                    + ": not a loopback address; the status page and metrics are not authenticated (expected: "
                    + "127.0.0.1 or ::1, or pass --http-allow-remote)");
            } else {
                check(!httpAllowRemote, "--http-allow-remote needs --http");
            }
            settings.httpAllowRemote = httpAllowRemote;
            settings.jmx = jmx;
            check(expectConnections == 0 || expectConnections >= 1 && expectConnections <= 100_000_000,
                "--expect-connections " + expectConnections + ": expected a number 1..100000000");
            settings.expectConnections = expectConnections;
            settings.procRoot = procRoot;
            settings.reusePortShare = reusePortShare;
            try {
                io.jlvs.core.LoadBalancer.builder().transport(transport);
            } catch (final IllegalArgumentException e) {
                check(false, "--transport " + transport + ": " + e.getMessage());
            }
            settings.transport = transport;
            final long budget = bytes("--relay-buffer-budget", relayBufferBudget);
            check(budget == 0 || budget >= 65_536 && budget <= 1L << 40, "--relay-buffer-budget " + relayBufferBudget
                + ": expected 65536..1099511627776 bytes (64k..1024g)");
            settings.relayBufferBudget = budget;
            try {
                settings.sync = sync.toBuilder();
            } catch (final IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage(), e);
            }
            try {
                return Director.start(text, settings, ctx.out, ctx.err);
            } catch (final RulesException e) {
                for (final String m : e.errors()) {
                    ctx.err.println(rules + ": " + m);
                }
                throw new Failure(USAGE);
            } catch (final IOException | RuntimeException e) {
                ctx.err.println("jlvs: " + e.getMessage());
                throw new Failure(FAILURE);
            }
        }

        private void check(final boolean ok, final String message) {
            if (!ok) {
                throw new ParameterException(spec.commandLine(), message);
            }
        }

        private long bytes(final String option, final String value) {
            final java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,13})([kKmMgG]?)")
                .matcher(value);
            if (!m.matches()) {
                throw new ParameterException(spec.commandLine(), option + " " + value + ": expected a number of "
                    + "bytes, optionally with k, m or g (1024-based)");
            }
            final int shift = m.group(2).isEmpty() ? 0 : "kmg".indexOf(Character.toLowerCase(m.group(2).charAt(0)))
                * 10 + 10;
            return Long.parseLong(m.group(1)) << shift;
        }
    }

    @Command(name = "tune", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"check this host and JVM for N concurrent proxied connections: a table setting | now | "
            + "needed | ok, a /etc/sysctl.d file and the systemd LimitNOFILE= line",
            "Run it as the director's user with the director's JVM options (it checks the JVM it runs in).",
            "Exit status 0 the host can take N, 1 it cannot (every short or unreadable setting named), 2 bad "
                + "options or rules."})
    static final class TuneCommand implements Callable<Integer> {
        private final Context ctx;
        @Option(names = "--connections", required = true, paramLabel = "N",
            description = "concurrent proxied connections to plan for, 1..100000000")
        private long connections;
        @Option(names = "--rules", paramLabel = "FILE",
            description = "plan ports per real server from these rules (their weights, -x and --max-conns); "
                + "default: one backend takes all N (the worst case)")
        private Path rules;
        @Option(names = "--json", description = "print one JSON object instead of the table")
        private boolean json;
        @Option(names = "--transport", paramLabel = "nio|epoll|auto", defaultValue = "auto",
            description = "plan with this transport's measured costs (heap, direct and native memory, "
                + "descriptors); auto (default): what a director started in this JVM would pick for the rules' "
                + "protocols")
        private String transport;
        @Option(names = "--proc-root", paramLabel = "DIR", hidden = true, defaultValue = "/proc",
            description = "read the host's settings under DIR instead of /proc (tests)")
        private Path procRoot;
        @CommandLine.Spec
        private CommandLine.Model.CommandSpec spec;

        TuneCommand(final Context ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            final TuneOptions o;
            try {
                o = new TuneOptions(connections, rules, json, transport);
            } catch (final IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage(), e);
            }
            return Tune.run(o, procRoot, JvmLimits.current(), ctx.out, ctx.err);
        }
    }

    /** A command that failed after saying why. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;

        Failure(final int status) {
            super(null, null, false, false);
            this.status = status;
        }
    }

    /**
     * Reads rules strictly as UTF-8 ({@link RulesParser#read}): LF, CRLF and CR line ends; a byte that is not UTF-8
     * is a {@link RulesException} naming its line and byte offset.
     */
    static String readRules(final String file, final InputStream in) throws IOException {
        if (file.equals("-")) {
            return RulesParser.decode(in.readAllBytes(), "stdin");
        }
        return RulesParser.read(Path.of(file));
    }

    /**
     * Parses {@code run} arguments and starts the director (for tests and embedders that stop it themselves).
     *
     * @param args the arguments, {@code run} first
     * @param in standard input
     * @param out standard output
     * @param err standard error
     * @return the director, or null after printing why it did not start
     * @throws UsageException for bad arguments
     */
    static Director startDirector(final String[] args, final InputStream in, final PrintStream out,
        final PrintStream err) throws UsageException {
        if (args.length == 0 || !args[0].equals("run")) {
            throw new UsageException("startDirector needs 'run' first");
        }
        final Context ctx = new Context(in, out, err, false);
        final CommandLine cl = new CommandLine(new RunCommand(ctx));
        try {
            cl.parseArgs(java.util.Arrays.copyOfRange(args, 1, args.length));
            return ((RunCommand) cl.getCommand()).start();
        } catch (final ParameterException e) {
            throw new UsageException(message(e));
        } catch (final Failure f) {
            return null;
        }
    }

    /** What {@code -Ln} would show for a configuration that is not running. */
    private static DirectorSnapshot preview(final DirectorConfig c) {
        final List<ServiceSnapshot> services = new ArrayList<>();
        for (final VirtualServiceConfig s : c.services()) {
            final List<ServerSnapshot> servers = new ArrayList<>();
            for (final RealServerConfig r : c.servers(s.key())) {
                servers.add(new ServerSnapshot(r, r.weight(), 0, 0, 0, 1, StatsSnapshot.ZERO));
            }
            services.add(new ServiceSnapshot(s, StatsSnapshot.ZERO, servers));
        }
        return new DirectorSnapshot(services, c.timeouts(), StatsSnapshot.ZERO, DirectorSnapshot.DEFAULT_TABLE_SIZE);
    }

    /** The rules format, the extension options, the schedulers and the admin commands: the help's footer. */
    static String reference() {
        final StringBuilder sb = new StringBuilder();
        sb.append("%nExamples:%n");
        sb.append("  jlvs check --rules rules.txt%n");
        sb.append("  jlvs run --rules rules.txt --admin unix:/run/jlvs/admin.sock --list-interval 10%n");
        sb.append("  jlvs run --rules - --event-loops 2 --admin 127.0.0.1:9900 --admin-level operator < rules.txt%n");
        sb.append("  echo '-L -n --stats' | socat - UNIX-CONNECT:/run/jlvs/admin.sock%n");
        sb.append("  jlvs run --rules rules.txt --http 127.0.0.1:9100 --expect-connections 100000%n");
        sb.append("  kill -HUP $(pidof jlvs)     re-read the rules file and apply the difference%n");
        sb.append("  (echo -R; cat rules.txt) | socat - UNIX-CONNECT:/run/jlvs/admin.sock     the same over the "
            + "admin socket%n");
        sb.append("%nRules: ipvsadm lines (-A -E -D -a -e -d -C --set), '#' comments; numeric addresses only.%n");
        sb.append("  -g (ipvsadm's default) and -i run as a full proxy (-m): JLVS works above the socket layer.%n");
        sb.append("Extension options (--name value on the same lines):%n");
        for (final RuleExtension e : Extensions.transport()) {
            sb.append(esc(String.format("  --%-18s %-8s %s%n", e.name() + (e.takesValue() ? " V" : ""),
                e.scope().name().toLowerCase(Locale.ROOT), e.description())));
        }
        sb.append("%nSchedulers:%n");
        for (final Map.Entry<String, String> e : Schedulers.names().entrySet()) {
            sb.append(esc(String.format("  %-11s %s%n", e.getKey(), e.getValue())));
        }
        sb.append("%nAdmin commands:%n").append(esc(AdminCommands.help()));
        return sb.toString();
    }

    /** Escapes text for picocli's format strings (which read % and newlines as %n). */
    private static String esc(final String s) {
        return s.replace("%", "%%").replace("\r", "").replace("\n", "%n");
    }
}
