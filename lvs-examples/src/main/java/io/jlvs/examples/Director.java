package io.jlvs.examples;

import io.jlvs.core.listing.JlvsVersion;
import io.jlvs.core.LoadBalancer;
import io.jlvs.core.ReloadResult;
import io.jlvs.core.rules.RulesException;
import io.jlvs.core.config.DirectorConfig;
import io.jlvs.core.config.Extensions;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.listing.ListFormat;
import io.jlvs.core.service.VirtualService;
import io.jlvs.examples.ops.JlvsMBeans;
import io.jlvs.kernel.KernelDataPath;
import io.jlvs.examples.ops.OpsHttpServer;
import io.jlvs.examples.sync.SyncDaemon;
import io.jlvs.examples.tune.JvmLimits;
import io.jlvs.examples.tune.Tune;
import io.jlvs.examples.tune.TuneOptions;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The standalone director: a {@link LoadBalancer} built from rules, with an optional periodic listing, an
 * optional admin socket, HTTP status server ({@code --http}) and JMX MBeans. {@link #close()} drains.
 *
 * <p>SIGHUP (installed by {@code jlvs run}) calls {@link #hangup()}: reloads run one at a time on the thread
 * {@code jlvs-reload}. Thread-safe: the fields are final; the load balancer is thread-safe.
 */
public final class Director implements AutoCloseable {
    private final LoadBalancer lb;
    private final AdminServer admin;
    private final ScheduledExecutorService lister;
    private final Duration drain;
    private final OpsHttpServer http;
    private final JlvsMBeans jmx;
    private final Path rulesFile;
    private final PrintStream err;
    private final SyncDaemon sync;
    /** The kernel data path of the {@code --forward kernel} services (attached when the first one appears). */
    private final KernelAttachment kernel;
    /** Runs reloads one at a time, off the signal dispatcher thread; made on the first SIGHUP. */
    private final ExecutorService reloader = Executors.newSingleThreadExecutor(r -> {
        final Thread t = new Thread(r, "jlvs-reload");
        t.setDaemon(true);
        return t;
    });

    private Director(final LoadBalancer lb, final AdminServer admin, final ScheduledExecutorService lister,
        final Duration drain, final OpsHttpServer http, final JlvsMBeans jmx, final Path rulesFile,
        final PrintStream err, final SyncDaemon sync, final KernelAttachment kernel) {
        this.lb = lb;
        this.kernel = kernel;
        this.admin = admin;
        this.lister = lister;
        this.drain = drain;
        this.http = http;
        this.jmx = jmx;
        this.rulesFile = rulesFile;
        this.err = err;
        this.sync = sync;
    }

    /**
     * Builds and starts a director; nothing is started if the rules are bad.
     *
     * @param rules the rules text
     * @param eventLoops event loops, or 0 for the default
     * @param listIntervalSeconds print {@code -Ln} this often, or 0 for never
     * @param adminAddress a loopback TCP admin socket at the default level ({@link AdminLevel#READ}), or null for
     *     none
     * @param drain how long {@link #close()} lets connections finish
     * @param out where to print what it listens on and the listings
     * @param err where warnings go
     * @return the running director
     * @throws io.jlvs.core.rules.RulesException for bad rules
     * @throws IOException if a listener or the admin socket cannot be opened
     */
    public static Director start(final String rules, final int eventLoops, final int listIntervalSeconds,
        final InetSocketAddress adminAddress, final Duration drain, final PrintStream out, final PrintStream err)
        throws IOException {
        return start(rules, eventLoops, listIntervalSeconds,
            adminAddress == null ? null : AdminOptions.builder(adminAddress).build(), drain, out, err);
    }

    /**
     * Builds and starts a director; nothing is started if the rules are bad.
     *
     * @param rules the rules text
     * @param eventLoops event loops, or 0 for the default
     * @param listIntervalSeconds print {@code -Ln} this often, or 0 for never
     * @param adminOptions the admin socket, or null for none
     * @param drain how long {@link #close()} lets connections finish
     * @param out where to print what it listens on and the listings
     * @param err where warnings go
     * @return the running director
     * @throws io.jlvs.core.rules.RulesException for bad rules
     * @throws IOException if a listener or the admin socket cannot be opened
     */
    public static Director start(final String rules, final int eventLoops, final int listIntervalSeconds,
        final AdminOptions adminOptions, final Duration drain, final PrintStream out, final PrintStream err)
        throws IOException {
        final Settings s = new Settings();
        s.eventLoops = eventLoops;
        s.listIntervalSeconds = listIntervalSeconds;
        s.admin = adminOptions;
        s.drain = drain;
        return start(rules, s, out, err);
    }

    /** What {@code jlvs run} asks of a director beyond its rules; fields are read once, by {@link #start}. */
    static final class Settings {
        /** The rules file SIGHUP reloads, or null (rules from standard input: nothing to re-read). */
        Path rulesFile;
        int eventLoops;
        int listIntervalSeconds;
        AdminOptions admin;
        Duration drain = Duration.ofSeconds(10);
        /** {@code --http}, or null. */
        InetSocketAddress http;
        boolean httpAllowRemote;
        boolean jmx;
        boolean reusePortShare;
        long relayBufferBudget;
        /** {@code --transport}: nio, epoll or auto. */
        String transport = "auto";
        /** {@code --expect-connections}, or 0: the sum of the TCP services' {@code --max-conns}. */
        long expectConnections;
        /** The {@code --sync} options, or null without {@code --sync}. */
        SyncDaemon.Builder sync;
        /** Where {@code /proc} is read for the tuning warnings (tests give a fake one). */
        Path procRoot = Path.of("/proc");
    }

    /**
     * The connections a director should plan for: {@code --expect-connections}, else the sum of the TCP services'
     * {@code --max-conns} when every TCP service sets one, else 0 (unknown: no tuning warnings).
     */
    static long expectedConnections(final DirectorConfig c, final long expect) {
        if (expect > 0) {
            return expect;
        }
        long sum = 0;
        boolean any = false;
        for (final VirtualServiceConfig s : c.services()) {
            if (s.key().protocol() != io.jlvs.core.net.Protocol.TCP) {
                continue;
            }
            final int m = Extensions.maxConnections(s);
            if (m <= 0) {
                return 0;
            }
            any = true;
            sum += m;
        }
        return any ? Math.min(sum, TuneOptions.MAX_CONNECTIONS) : 0;
    }

    /**
     * Builds and starts a director from rules and {@code run}'s settings; nothing is left running if a part fails.
     */
    static Director start(final String rules, final Settings settings, final PrintStream out, final PrintStream err)
        throws IOException {
        final LoadBalancer.Builder b = LoadBalancer.builder().rules(rules);
        if (settings.drain.compareTo(Duration.ZERO) > 0) {
            b.drainTimeout(settings.drain); // 0 (stop at once) is for close(), which passes the drain itself
        }
        if (settings.eventLoops > 0) {
            b.eventLoops(settings.eventLoops);
        }
        if (settings.reusePortShare) {
            b.reusePortShare(true);
        }
        if (settings.relayBufferBudget > 0) {
            b.relayBufferBudget(settings.relayBufferBudget);
        }
        b.transport(settings.transport);
        final LoadBalancer lb = b.build();
        for (final String w : lb.warnings()) {
            err.println("warning: " + w);
        }
        final long expected = expectedConnections(lb.services().config(), settings.expectConnections);
        final boolean backup = settings.sync != null && settings.sync.settings().role() == SyncDaemon.Role.BACKUP;
        if (!backup) {
            lb.start(); // a sync backup starts its services when it takes over
        }
        if (expected > 0) {
            // after start: the transport that runs; a backup that has not started plans with what auto would pick
            final java.util.Set<io.jlvs.core.net.Protocol> protocols = java.util.EnumSet.noneOf(
                io.jlvs.core.net.Protocol.class);
            for (final VirtualServiceConfig s : lb.services().config().services()) {
                protocols.add(s.key().protocol());
            }
            for (final String w : Tune.warnings(expected, settings.procRoot, JvmLimits.current(),
                lb.transportName(), protocols)) {
                err.println("warning: " + w);
            }
        }
        final AdminOptions adminOptions = settings.admin;
        SyncDaemon sync = null;
        AdminServer admin = null;
        OpsHttpServer http = null;
        JlvsMBeans jmx = null;
        final KernelAttachment kernel = new KernelAttachment(lb);
        try {
            if (!backup) {
                kernel.ensure(); // attaches if there is a kernel service
            }
            if (settings.sync != null) {
                try {
                    sync = settings.sync.start(lb);
                } catch (final IOException e) {
                    throw new IOException("--sync: " + e.getMessage(), e);
                }
            }
            if (adminOptions != null) {
                try {
                    final AdminCommands commands = new AdminCommands(lb, adminOptions.level(),
                        adminOptions.filesDir());
                    commands.sync(sync);
                    commands.kernel(kernel);
                    admin = new AdminServer(adminOptions, commands);
                } catch (final IOException | RuntimeException e) {
                    throw new IOException("admin socket " + AdminOptions.describe(adminOptions.address()) + ": "
                        + e.getMessage(), e);
                }
            }
            if (settings.http != null) {
                try {
                    http = OpsHttpServer.start(lb, settings.http, settings.httpAllowRemote);
                } catch (final IOException e) {
                    throw new IOException("--http " + settings.http.getAddress().getHostAddress() + ":"
                        + settings.http.getPort() + ": " + e.getMessage(), e);
                }
            }
            if (settings.jmx) {
                jmx = JlvsMBeans.register(lb, ManagementFactory.getPlatformMBeanServer());
            }
        } catch (final IOException | RuntimeException e) {
            closeQuietly(http);
            closeQuietly(admin);
            closeQuietly(sync);
            closeQuietly(kernel);
            lb.close(Duration.ZERO);
            throw e;
        }
        out.println("JLVS " + JlvsVersion.version() + " director, " + lb.options().eventLoops() + " event loop(s)");
        if (backup) {
            final SyncDaemon.Settings ss = sync.settings();
            out.println("sync backup id " + ss.syncId() + " on " + sync.backup().address().getAddress()
                .getHostAddress() + ":" + sync.backup().address().getPort() + ", standing by (the services start "
                + "on takeover)");
            sync.backup().onTakeover(() -> {
                out.println("took over");
                printListening(lb, out);
                try {
                    final KernelDataPath k = kernel.ensure(); // the services run now: so do the kernel ones
                    if (k != null) {
                        out.println("kernel forwarding: nftables table inet " + k.table() + " (the --forward kernel "
                            + "services)");
                    }
                } catch (final IOException e) {
                    err.println("jlvs: takeover: " + e.getMessage() + " (the kernel services forward nothing)");
                    err.flush();
                }
                out.flush();
            });
        } else {
            printListening(lb, out);
            if (sync != null) {
                out.println("sync master id " + sync.settings().syncId() + " sending to " + (sync.settings().group()
                    != null ? sync.settings().group() : sync.settings().peers()));
            }
        }
        if (admin != null) {
            out.println("admin socket on " + AdminOptions.describe(admin.socketAddress()) + " (ipvsadm commands, one "
                + "per line; level " + adminOptions.level().label() + ")");
        }
        if (http != null) {
            final InetSocketAddress a = http.address();
            out.println("http on " + (a.getAddress() instanceof java.net.Inet6Address ? "[" + a.getAddress()
                .getHostAddress() + "]" : a.getAddress().getHostAddress()) + ":" + a.getPort()
                + " (/metrics, /api/status, /)");
        }
        if (jmx != null) {
            out.println("jmx MBeans registered under " + JlvsMBeans.DOMAIN);
        }
        if (kernel.get() != null) {
            out.println("kernel forwarding: nftables table inet " + kernel.get().table() + " (the --forward kernel "
                + "services)");
        }
        out.flush();
        ScheduledExecutorService lister = null;
        if (settings.listIntervalSeconds > 0) {
            lister = Executors.newSingleThreadScheduledExecutor(r -> {
                final Thread t = new Thread(r, "jlvs-list");
                t.setDaemon(true);
                return t;
            });
            lister.scheduleAtFixedRate(() -> {
                out.print(listing(lb, kernel));
                out.flush();
            }, settings.listIntervalSeconds, settings.listIntervalSeconds, TimeUnit.SECONDS);
        }
        final Director d = new Director(lb, admin, lister, settings.drain, http, jmx, settings.rulesFile, err, sync,
            kernel);
        return d;
    }

    /** {@code -Ln}: with kernel services, their connection counts from conntrack and their lines marked. */
    private static String listing(final LoadBalancer lb, final KernelAttachment kernel) {
        final KernelDataPath k = kernel.get();
        if (k != null) {
            try {
                return k.list(ListFormat.DEFAULT);
            } catch (final IOException e) {
                return "error: kernel counters: " + e.getMessage() + "\n" + lb.list(ListFormat.DEFAULT);
            }
        }
        return lb.list(ListFormat.DEFAULT);
    }

    private static void printListening(final LoadBalancer lb, final PrintStream out) {
        for (final VirtualService s : lb.services().services()) {
            out.println((Extensions.kernelForwarded(s.config()) ? "kernel forwarding " : "listening on ") + s.key()
                + " (" + s.config().scheduler() + ", " + s.members().size() + " real server"
                + (s.members().size() == 1 ? "" : "s") + ")");
        }
    }

    private static void closeQuietly(final AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (final Exception ignored) {
                // already failing
            }
        }
    }

    /**
     * The HTTP status server.
     *
     * @return it, or null without {@code --http}
     */
    OpsHttpServer http() {
        return http;
    }

    /**
     * The director's load balancer.
     *
     * @return the load balancer
     */
    public LoadBalancer loadBalancer() {
        return lb;
    }

    /**
     * The admin socket.
     *
     * @return its address, or null
     */
    public InetSocketAddress adminAddress() {
        return admin == null ? null : admin.address();
    }

    /**
     * The admin socket, TCP or Unix domain.
     *
     * @return its address, or null
     */
    public SocketAddress adminSocketAddress() {
        return admin == null ? null : admin.socketAddress();
    }

    /**
     * What SIGHUP does: re-reads the rules file on the reload thread and applies the difference
     * ({@link LoadBalancer#reload(Path)}); prints what changed, or the errors (each naming its line) and that
     * nothing changed. The director keeps running either way.
     *
     * @return the reload's outcome, once done
     */
    java.util.concurrent.Future<Boolean> hangup() {
        return reloader.submit(this::reload);
    }

    /** Reloads the rules file now; true if it was applied. */
    boolean reload() {
        if (rulesFile == null) {
            err.println("jlvs: SIGHUP: the rules came from standard input; nothing to reload");
            err.flush();
            return false;
        }
        try {
            final ReloadResult r = lb.reload(rulesFile);
            final StringBuilder sb = new StringBuilder();
            for (final String w : r.warnings()) {
                sb.append("warning: ").append(w).append('\n');
            }
            sb.append("reloaded ").append(rulesFile).append(": ").append(r.changes().isEmpty() ? "no change"
                : r.changes().summary()).append('\n');
            for (final String l : r.changes().lines()) {
                sb.append("  ").append(l).append('\n');
            }
            if (sync == null || sync.backup() == null || sync.backup().tookOver()) {
                try {
                    // "reloaded" then means the kernel forwards by the new rules too; the first kernel service
                    // attaches the data path
                    final boolean attached = kernel.get() != null;
                    final KernelDataPath k = kernel.ensure();
                    if (!attached && k != null) {
                        sb.append("kernel forwarding: nftables table inet ").append(k.table())
                            .append(" (the --forward kernel services)\n");
                    }
                } catch (final IOException e) {
                    sb.append("jlvs: kernel: ").append(e.getMessage()).append(" (the kernel services forward "
                        + "nothing new until this is fixed; the proxied ones are reloaded)\n");
                }
            }
            err.print(sb);
            return true;
        } catch (final RulesException e) {
            final StringBuilder sb = new StringBuilder();
            for (final String m : e.errors()) {
                sb.append(rulesFile).append(": ").append(m).append('\n');
            }
            sb.append("jlvs: reload of ").append(rulesFile).append(" refused; nothing changed\n");
            err.print(sb);
            return false;
        } catch (final java.nio.file.NoSuchFileException e) {
            err.println("jlvs: reload of " + rulesFile + ": no such file; nothing changed");
            return false;
        } catch (final IOException | RuntimeException e) {
            err.println("jlvs: reload of " + rulesFile + ": " + e.getMessage() + "; nothing changed");
            return false;
        } finally {
            err.flush();
        }
    }

    /**
     * Stops the listing and the admin socket and drains the director.
     */
    @Override
    public void close() {
        reloader.shutdownNow();
        if (lister != null) {
            lister.shutdownNow();
        }
        if (admin != null) {
            try {
                admin.close();
            } catch (final IOException ignored) {
                // closing
            }
        }
        if (http != null) {
            http.close();
        }
        if (jmx != null) {
            jmx.close();
        }
        if (sync != null) {
            sync.close();
        }
        kernel.close();
        lb.close(drain);
    }
}
