package io.jlvs.core.health;

import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.ServerList;
import io.jlvs.core.service.VirtualService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The health policy of one virtual service: per real server, consecutive check results with rise/fall hysteresis,
 * passive ejection from real traffic's failed connects, and the service's quorum.
 *
 * <ul>
 *   <li>A server that is UP goes DOWN after {@code fall} consecutive failed checks; a DOWN server comes UP after
 *   {@code rise} consecutive passes. A server that starts DOWN ({@code check-initial down}, keepalived's alpha)
 *   comes UP on its first pass.</li>
 *   <li>DOWN takes the server out of rotation (as keepalived deletes the destination) or, with {@code on-down
 *   inhibit}, gives it weight 0; UP undoes it (a server back in rotation goes to the front of the list, as a
 *   re-added destination does). With {@code shutdown-sessions} a server going DOWN has its live connections
 *   closed.</li>
 *   <li>Passive: {@code observe} consecutive failed connects of real traffic eject the server for {@code eject-time};
 *   with active checks it then needs {@code rise} passes, without them it comes back when the time is up.</li>
 *   <li>Quorum: with fewer than {@code quorum} servers UP the service answers new connections with its sorry
 *   response, and goes back to normal when quorum returns.</li>
 * </ul>
 * Every transition is logged (one line naming the service, the server, the check and the reason) and given to the
 * listeners.
 *
 * <p>Thread-safe: methods synchronise on the monitor (control plane: check results, ticks, membership changes).
 */
public final class HealthMonitor {
    private static final Logger LOG = LoggerFactory.getLogger(HealthMonitor.class);

    /** One server's counters. */
    private static final class ServerHealth {
        HealthState state;
        boolean checkedOnce;
        int passes;
        int failures;
        long ejectedUntil;
        boolean ejected;
        String lastReason = "";
    }

    private final VirtualService service;
    private final List<HealthListener> listeners;
    private final Consumer<RealServer> shutdownSessions;
    private final Map<RealServer, ServerHealth> servers = new IdentityHashMap<>();
    private volatile HealthCheckConfig config;
    private boolean quorumLost;

    /**
     * Makes a monitor and starts tracking the service's members.
     *
     * @param service the service
     * @param config its settings
     * @param listeners who hears of transitions (a live list)
     * @param shutdownSessions closes a server's live connections (for {@code shutdown-sessions})
     * @param now the clock's time
     */
    public HealthMonitor(final VirtualService service, final HealthCheckConfig config,
        final List<HealthListener> listeners, final Consumer<RealServer> shutdownSessions, final long now) {
        this.service = service;
        this.config = config;
        this.listeners = listeners == null ? new CopyOnWriteArrayList<>() : listeners;
        this.shutdownSessions = shutdownSessions;
        sync(now);
    }

    /**
     * The service.
     *
     * @return the service
     */
    public VirtualService service() {
        return service;
    }

    /**
     * The settings.
     *
     * @return the settings
     */
    public HealthCheckConfig config() {
        return config;
    }

    /**
     * Takes new settings (the service was edited).
     *
     * @param c the settings
     * @param now the clock's time
     */
    public synchronized void config(final HealthCheckConfig c, final long now) {
        this.config = c;
        evaluateQuorum(now);
    }

    /**
     * Starts tracking new members and forgets removed ones.
     *
     * @param now the clock's time
     * @return the servers that started being tracked now
     */
    public synchronized List<RealServer> sync(final long now) {
        final ServerList members = service.members();
        final List<RealServer> added = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            final RealServer s = members.get(i);
            if (!servers.containsKey(s)) {
                final ServerHealth h = new ServerHealth();
                h.state = config.initialUp() ? HealthState.UP : HealthState.DOWN;
                servers.put(s, h);
                added.add(s);
                if (h.state == HealthState.DOWN) {
                    apply(s, HealthState.DOWN);
                }
            }
        }
        servers.keySet().removeIf(s -> members.indexOf(s) < 0);
        evaluateQuorum(now);
        return added;
    }

    /**
     * A server's state.
     *
     * @param s the server
     * @return its state, or null if not tracked
     */
    public synchronized HealthState state(final RealServer s) {
        final ServerHealth h = servers.get(s);
        return h == null ? null : h.state;
    }

    /**
     * The members that are UP.
     *
     * @return the count
     */
    public synchronized int upCount() {
        int n = 0;
        for (final ServerHealth h : servers.values()) {
            n += h.state == HealthState.UP ? 1 : 0;
        }
        return n;
    }

    /**
     * Whether the service lost quorum (its sorry response is on).
     *
     * @return true if quorum is lost
     */
    public synchronized boolean quorumLost() {
        return quorumLost;
    }

    /**
     * Records a check result.
     *
     * @param s the server
     * @param check the check's name
     * @param r the result
     * @param now the clock's time
     */
    public synchronized void result(final RealServer s, final String check, final CheckResult r, final long now) {
        result(s, check, r, -1, now);
    }

    /**
     * Records a check result and how long the check took (kept on the server: {@link RealServer#lastCheck()},
     * {@link RealServer#checkLatency()}).
     *
     * @param s the server
     * @param check the check's name
     * @param r the result
     * @param latencyNanos how long the check took, negative if unknown
     * @param now the clock's time
     */
    public synchronized void result(final RealServer s, final String check, final CheckResult r,
        final long latencyNanos, final long now) {
        final ServerHealth h = servers.get(s);
        if (h == null) {
            return;
        }
        s.checked(r.success(), check, r.reason(), latencyNanos);
        h.lastReason = r.reason();
        final boolean first = !h.checkedOnce;
        h.checkedOnce = true;
        if (r.success()) {
            h.failures = 0;
            h.passes++;
            final boolean ejectionOver = !h.ejected || now - h.ejectedUntil >= 0;
            if (h.state == HealthState.DOWN && ejectionOver
                && (h.passes >= config.rise() || first && !config.initialUp())) {
                h.ejected = false;
                transition(s, h, HealthState.UP, check, r.reason(), now);
            }
        } else {
            h.passes = 0;
            h.failures++;
            if (h.state == HealthState.UP && h.failures >= config.fall()) {
                transition(s, h, HealthState.DOWN, check, r.reason(), now);
            }
        }
    }

    /**
     * Real traffic failed to connect to a server; with {@code observe} set, enough consecutive failures eject it.
     *
     * @param s the server
     * @param consecutive consecutive failures so far (from {@link RealServer#connectFailed()})
     * @param why the failure
     * @param now the clock's time
     */
    public synchronized void connectFailed(final RealServer s, final int consecutive, final String why,
        final long now) {
        final ServerHealth h = servers.get(s);
        if (h == null || config.observe() == 0 || consecutive < config.observe() || h.state == HealthState.DOWN) {
            return;
        }
        h.ejected = true;
        h.ejectedUntil = now + config.ejectNs();
        h.passes = 0;
        transition(s, h, HealthState.DOWN, "passive", consecutive + " consecutive failed connects (" + why
            + "), ejected for " + config.ejectNs() / 1_000_000 + " ms", now);
    }

    /**
     * Periodic work: ends passive ejections of servers without active checks.
     *
     * @param now the clock's time
     */
    public synchronized void tick(final long now) {
        if (config.check() != null) {
            return;
        }
        for (final Map.Entry<RealServer, ServerHealth> e : servers.entrySet()) {
            final ServerHealth h = e.getValue();
            if (h.ejected && now - h.ejectedUntil >= 0) {
                h.ejected = false;
                e.getKey().connectSucceeded();
                transition(e.getKey(), h, HealthState.UP, "passive", "ejection time over", now);
            }
        }
    }

    private void transition(final RealServer s, final ServerHealth h, final HealthState to, final String check,
        final String reason, final long now) {
        h.state = to;
        h.passes = 0;
        h.failures = 0;
        apply(s, to);
        if (to == HealthState.DOWN && config.shutdownSessions() && shutdownSessions != null) {
            shutdownSessions.accept(s);
        }
        emit(new HealthEvent(service.key(), s.addressAndPort(), to, check, reason, now));
        evaluateQuorum(now);
    }

    private void apply(final RealServer s, final HealthState to) {
        if (config.inhibit()) {
            service.inhibit(s, to == HealthState.DOWN);
        } else {
            service.rotation(s, to == HealthState.UP);
        }
    }

    private void evaluateQuorum(final long now) {
        final int quorum = config.quorum();
        if (quorum == 0) {
            if (quorumLost) {
                quorumLost = false;
                service.sorryMode(false);
            }
            return;
        }
        int up = 0;
        for (final ServerHealth h : servers.values()) {
            up += h.state == HealthState.UP ? 1 : 0;
        }
        if (up < quorum && !quorumLost) {
            quorumLost = true;
            service.sorryMode(true);
            emit(new HealthEvent(service.key(), null, HealthState.DOWN, "quorum", up + " of " + servers.size()
                + " servers up, quorum " + quorum, now));
        } else if (up >= quorum && quorumLost) {
            quorumLost = false;
            service.sorryMode(false);
            emit(new HealthEvent(service.key(), null, HealthState.UP, "quorum", up + " of " + servers.size()
                + " servers up, quorum " + quorum, now));
        }
    }

    private void emit(final HealthEvent e) {
        if (e.state() == HealthState.DOWN) {
            LOG.warn("{}", e);
        } else {
            LOG.info("{}", e);
        }
        for (final HealthListener l : listeners) {
            try {
                l.onHealthEvent(e);
            } catch (final RuntimeException ex) {
                LOG.warn("health listener failed on {}", e, ex);
            }
        }
    }
}
