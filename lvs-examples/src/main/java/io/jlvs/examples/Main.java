package io.jlvs.examples;

import io.jlvs.core.JlvsVersion;
import io.jlvs.core.config.Extensions;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.config.DirectorConfig;
import io.jlvs.core.listing.DirectorSnapshot;
import io.jlvs.core.listing.IpvsadmListing;
import io.jlvs.core.listing.ListFormat;
import io.jlvs.core.listing.ServiceSnapshot;
import io.jlvs.core.listing.ServerSnapshot;
import io.jlvs.core.rules.RuleExtension;
import io.jlvs.core.rules.RulesException;
import io.jlvs.core.rules.RulesParser;
import io.jlvs.core.sched.SchedulerRegistry;
import io.jlvs.core.stats.StatsSnapshot;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The {@code jlvs} command: {@code demo}, {@code run}, {@code check}, {@code --help}, {@code --version}.
 *
 * <p>Not thread-safe (a command line program).
 */
public final class Main {
    /** Exit status of bad usage or bad rules. */
    public static final int USAGE = 2;

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
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            out.print(usage());
            return args.length == 0 ? USAGE : 0;
        }
        if (args[0].equals("--version") || args[0].equals("version")) {
            out.println("JLVS " + JlvsVersion.version());
            return 0;
        }
        try {
            switch (args[0]) {
                case "demo":
                    return Demo.run(parseDemo(args), out);
                case "check":
                    return check(args, in, out, err);
                case "run":
                    final Director d = startDirector(args, in, out, err);
                    if (d == null) {
                        return USAGE;
                    }
                    if (!waitForSignal) {
                        d.close();
                        return 0;
                    }
                    final CountDownLatch stopped = new CountDownLatch(1);
                    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                        err.println("stopping: draining live connections");
                        d.close();
                        stopped.countDown();
                    }, "jlvs-shutdown"));
                    stopped.await();
                    return 0;
                default:
                    err.println("jlvs: unknown command '" + args[0] + "' (try jlvs --help)");
                    return USAGE;
            }
        } catch (final UsageException e) {
            err.println("jlvs: " + e.getMessage() + " (try jlvs --help)");
            return USAGE;
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    /** Bad arguments. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(final String message) {
            super(message);
        }
    }

    private static Demo.Options parseDemo(final String[] args) throws UsageException {
        int seconds = Demo.DEFAULT_SECONDS;
        boolean ansi = System.console() != null;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds":
                    seconds = intArg(args, ++i, "--seconds", 4, 3600);
                    break;
                case "--no-ansi":
                    ansi = false;
                    break;
                default:
                    throw new UsageException("demo: unknown option '" + args[i] + "'");
            }
        }
        return new Demo.Options(seconds, ansi);
    }

    private static int intArg(final String[] args, final int i, final String name, final int min, final int max)
        throws UsageException {
        if (i >= args.length) {
            throw new UsageException(name + " needs a value");
        }
        try {
            final int v = Integer.parseInt(args[i]);
            if (v < min || v > max) {
                throw new NumberFormatException();
            }
            return v;
        } catch (final NumberFormatException e) {
            throw new UsageException(name + " " + args[i] + ": expected a number " + min + ".." + max);
        }
    }

    private static String readRules(final String file, final InputStream in) throws IOException {
        if (file.equals("-")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        return Files.readString(Path.of(file), StandardCharsets.UTF_8);
    }

    /**
     * Parses {@code run} arguments and starts the director.
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
        String rules = null;
        int loops = 0;
        int listInterval = 0;
        int drain = 10;
        InetSocketAddress admin = null;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--rules":
                    if (++i >= args.length) {
                        throw new UsageException("--rules needs a file (or - for standard input)");
                    }
                    rules = args[i];
                    break;
                case "--event-loops":
                    loops = intArg(args, ++i, "--event-loops", 1, 256);
                    break;
                case "--list-interval":
                    listInterval = intArg(args, ++i, "--list-interval", 1, 86400);
                    break;
                case "--drain":
                    drain = intArg(args, ++i, "--drain", 0, 3600);
                    break;
                case "--admin":
                    if (++i >= args.length) {
                        throw new UsageException("--admin needs HOST:PORT");
                    }
                    admin = Extensions.endpoint(args[i], true);
                    if (admin == null) {
                        throw new UsageException("--admin " + args[i] + ": expected a numeric HOST:PORT such as "
                            + "127.0.0.1:9900");
                    }
                    break;
                default:
                    throw new UsageException("run: unknown option '" + args[i] + "'");
            }
        }
        if (rules == null) {
            throw new UsageException("run needs --rules FILE");
        }
        final String text;
        try {
            text = readRules(rules, in);
        } catch (final NoSuchFileException e) {
            err.println("jlvs: " + rules + ": no such file");
            return null;
        } catch (final IOException e) {
            err.println("jlvs: " + rules + ": " + e.getMessage());
            return null;
        }
        try {
            return Director.start(text, loops, listInterval, admin, Duration.ofSeconds(drain), out, err);
        } catch (final RulesException e) {
            for (final String m : e.errors()) {
                err.println(rules + ": " + m);
            }
            return null;
        } catch (final IOException e) {
            err.println("jlvs: " + e.getMessage());
            return null;
        }
    }

    private static int check(final String[] args, final InputStream in, final PrintStream out,
        final PrintStream err) throws UsageException {
        if (args.length != 3 || !args[1].equals("--rules")) {
            throw new UsageException("check needs --rules FILE");
        }
        final String text;
        try {
            text = readRules(args[2], in);
        } catch (final IOException e) {
            err.println("jlvs: " + args[2] + ": " + (e instanceof NoSuchFileException ? "no such file"
                : e.getMessage()));
            return USAGE;
        }
        try {
            final RulesParser.Loaded l = RulesParser.withExtensions(Extensions.transport()).load(text,
                DirectorConfig.EMPTY, SchedulerRegistry.getDefault()::contains);
            for (final String w : l.warnings()) {
                err.println("warning: " + w);
            }
            out.print(IpvsadmListing.list(preview(l.config()), ListFormat.DEFAULT, false, false));
            return 0;
        } catch (final RulesException e) {
            for (final String m : e.errors()) {
                err.println(args[2] + ": " + m);
            }
            return USAGE;
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

    static String usage() {
        final StringBuilder sb = new StringBuilder();
        sb.append("JLVS ").append(JlvsVersion.version()).append(" - an embeddable layer-4 load balancer modeled on "
            + "Linux Virtual Server\n\n");
        sb.append("usage: java -jar jlvs.jar COMMAND [OPTIONS]\n\n");
        sb.append("commands:\n");
        sb.append("  demo [--seconds N] [--no-ansi]\n");
        sb.append("        three local backends, a director (wlc, TCP health checks) and a load client; a live view for\n");
        sb.append("        N seconds (default ").append(Demo.DEFAULT_SECONDS).append("), one backend stopped and "
            + "restarted midway, then the -Ln --stats table\n");
        sb.append("  run --rules FILE|- [--event-loops N] [--list-interval SECONDS] [--admin HOST:PORT] "
            + "[--drain SECONDS]\n");
        sb.append("        a standalone director from rules in the ipvsadm-save format; SIGTERM or Ctrl-C drains it\n");
        sb.append("        --event-loops   event loop threads (default: available processors, here ")
            .append(Runtime.getRuntime().availableProcessors()).append(")\n");
        sb.append("        --list-interval print the -Ln listing every SECONDS (default: never)\n");
        sb.append("        --admin         ipvsadm commands over TCP, one per line (default: off; use a loopback "
            + "address)\n");
        sb.append("        --drain         how long stopping lets live connections finish (default 10)\n");
        sb.append("  check --rules FILE|-\n");
        sb.append("        validate rules and print the -Ln listing they would give; exit status 0, or 2 on errors\n");
        sb.append("  --help, --version\n\n");
        sb.append("rules: ipvsadm lines (-A -E -D -a -e -d -C --set), '#' comments; numeric addresses only.\n");
        sb.append("  -g (ipvsadm's default) and -i run as a full proxy (-m): JLVS works above the socket layer.\n");
        sb.append("extension options (--name value on the same lines):\n");
        for (final RuleExtension e : Extensions.transport()) {
            sb.append(String.format("  --%-18s %-8s %s%n", e.name() + (e.takesValue() ? " V" : ""),
                e.scope().name().toLowerCase(java.util.Locale.ROOT), e.description()));
        }
        sb.append("\nschedulers:\n");
        for (final Map.Entry<String, String> e : SchedulerRegistry.getDefault().names().entrySet()) {
            sb.append(String.format("  %-11s %s%n", e.getKey(), e.getValue()));
        }
        sb.append("\nadmin commands:\n").append(AdminCommands.help());
        return sb.toString();
    }
}
