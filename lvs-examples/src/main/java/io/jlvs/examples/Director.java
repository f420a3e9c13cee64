package io.jlvs.examples;

import io.jlvs.core.JlvsVersion;
import io.jlvs.core.LoadBalancer;
import io.jlvs.core.listing.ListFormat;
import io.jlvs.core.service.VirtualService;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The standalone director: a {@link LoadBalancer} built from rules, with an optional periodic listing and an
 * optional admin socket. {@link #close()} drains.
 *
 * <p>Thread-safe.
 */
public final class Director implements AutoCloseable {
    private final LoadBalancer lb;
    private final AdminServer admin;
    private final ScheduledExecutorService lister;
    private final Duration drain;

    private Director(final LoadBalancer lb, final AdminServer admin, final ScheduledExecutorService lister,
        final Duration drain) {
        this.lb = lb;
        this.admin = admin;
        this.lister = lister;
        this.drain = drain;
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
        final LoadBalancer.Builder b = LoadBalancer.builder().rules(rules);
        if (drain.compareTo(Duration.ZERO) > 0) {
            b.drainTimeout(drain); // 0 (stop at once) is for close(), which passes the drain itself
        }
        if (eventLoops > 0) {
            b.eventLoops(eventLoops);
        }
        final LoadBalancer lb = b.build();
        for (final String w : lb.warnings()) {
            err.println("warning: " + w);
        }
        lb.start();
        AdminServer admin = null;
        try {
            if (adminOptions != null) {
                admin = new AdminServer(adminOptions, new AdminCommands(lb, adminOptions.level(),
                    adminOptions.filesDir()));
            }
        } catch (final IOException | RuntimeException e) {
            lb.close(Duration.ZERO);
            throw new IOException("admin socket " + AdminOptions.describe(adminOptions.address()) + ": "
                + e.getMessage(), e);
        }
        out.println("JLVS " + JlvsVersion.version() + " director, " + lb.options().eventLoops() + " event loop(s)");
        for (final VirtualService s : lb.services().services()) {
            out.println("listening on " + s.key() + " (" + s.config().scheduler() + ", " + s.members().size()
                + " real server" + (s.members().size() == 1 ? "" : "s") + ")");
        }
        if (admin != null) {
            out.println("admin socket on " + AdminOptions.describe(admin.socketAddress()) + " (ipvsadm commands, one "
                + "per line; level " + adminOptions.level().label() + ")");
        }
        out.flush();
        ScheduledExecutorService lister = null;
        if (listIntervalSeconds > 0) {
            lister = Executors.newSingleThreadScheduledExecutor(r -> {
                final Thread t = new Thread(r, "jlvs-list");
                t.setDaemon(true);
                return t;
            });
            lister.scheduleAtFixedRate(() -> {
                out.print(lb.list(ListFormat.DEFAULT));
                out.flush();
            }, listIntervalSeconds, listIntervalSeconds, TimeUnit.SECONDS);
        }
        return new Director(lb, admin, lister, drain);
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
     * Stops the listing and the admin socket and drains the director.
     */
    @Override
    public void close() {
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
        lb.close(drain);
    }
}
