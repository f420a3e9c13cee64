package io.jlvs.core.service;

import io.jlvs.core.config.LvsException;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.sched.Flow;
import io.jlvs.core.sched.RandomSource;
import io.jlvs.core.sched.Scheduler;
import io.jlvs.core.sched.SchedulerContext;
import io.jlvs.core.sched.SchedulerRegistry;
import io.jlvs.core.sched.ServerView;
import io.jlvs.core.stats.StatsCounters;
import io.jlvs.core.time.Ticker;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A virtual service, live: its configuration, its real servers in IPVS order, its scheduler and its statistics.
 *
 * <p>Server changes follow IPVS: a new server goes to the front of the list and the scheduler's add hook runs; an
 * edit keeps the server's place and runs the update hook; a removed server is marked unavailable, leaves the list
 * (remove hook) and waits in a trash list while connections still point to it, so that re-adding the same address
 * and port within {@value #TRASH_SECONDS} seconds revives it with its counters and statistics. Editing the service
 * with the same scheduler keeps the scheduler's state; switching scheduler starts a new one.
 *
 * <p>It also serves an application that balances its own connections, with no proxy: {@link #acquire(Flow)}
 * picks a server and returns a {@link Lease} that counts as an active connection until it is closed, so the
 * least-connection schedulers see the application's load.
 *
 * <p>Thread-safe. Changes are serialised on this object (control plane); {@link #schedule} and
 * {@link #acquire} take no lock.
 */
public final class VirtualService {
    /** How long a removed server with no connections stays revivable (IPVS: 120 s). */
    public static final int TRASH_SECONDS = 120;

    private final SchedulerRegistry registry;
    private final Ticker clock;
    private final RandomSource random;
    private final StatsCounters stats = new StatsCounters();
    private final List<Trashed> trash = new ArrayList<>();

    private volatile VirtualServiceConfig config;
    private final java.util.concurrent.atomic.AtomicInteger overloaded = new java.util.concurrent.atomic.AtomicInteger();
    private volatile ServerList members = ServerList.EMPTY.tracked(overloaded);
    private volatile ServerList servers = ServerList.EMPTY.tracked(overloaded);
    private volatile Scheduler scheduler;
    private volatile boolean sorry;

    private static final class Trashed {
        final RealServer server;
        final long removedAtNs;

        Trashed(final RealServer server, final long removedAtNs) {
            this.server = server;
            this.removedAtNs = removedAtNs;
        }
    }

    /**
     * Makes a service with no servers.
     *
     * @param config the configuration
     * @param registry where the scheduler is found by name
     * @param clock the clock for schedulers and the trash
     * @param random randomness for randomised schedulers
     * @throws LvsException {@code Scheduler or persistence engine not found}
     */
    public VirtualService(final VirtualServiceConfig config, final SchedulerRegistry registry, final Ticker clock,
        final RandomSource random) {
        this.registry = registry;
        this.clock = clock;
        this.random = random;
        this.config = config;
        this.scheduler = newScheduler(config.scheduler());
        this.scheduler.init(servers);
    }

    /**
     * Makes a service with a scheduler instance of the caller's (client-side use, or a custom scheduler).
     *
     * @param config the configuration; its scheduler name is informational
     * @param scheduler a scheduler not yet initialised, used by this service only
     */
    public VirtualService(final VirtualServiceConfig config, final Scheduler scheduler) {
        this.registry = new SchedulerRegistry();
        this.clock = System::nanoTime;
        this.random = RandomSource.THREAD_LOCAL;
        this.config = config;
        this.scheduler = scheduler;
        this.scheduler.init(servers);
    }

    private Scheduler newScheduler(final String name) {
        if (!registry.contains(name)) {
            throw new LvsException("Scheduler or persistence engine not found");
        }
        return registry.create(name, SchedulerContext.live(() -> config.schedulerFlags(), clock, random));
    }

    /**
     * The service key.
     *
     * @return the key
     */
    public ServiceKey key() {
        return config.key();
    }

    /**
     * The configuration.
     *
     * @return the configuration
     */
    public VirtualServiceConfig config() {
        return config;
    }

    /**
     * The servers in rotation, in IPVS order: what the scheduler walks and what {@code ipvsadm -Ln} lists. A server
     * that health checking took out of rotation is not here (as keepalived removes it from IPVS) but stays a
     * member.
     *
     * @return the current snapshot
     */
    public ServerList servers() {
        return servers;
    }

    /**
     * Every configured server, in or out of rotation, most recently added first.
     *
     * @return the current snapshot
     */
    public ServerList members() {
        return members;
    }

    /**
     * Whether the service answers every new connection with its sorry response (health checking lost quorum).
     *
     * @return true in sorry mode
     */
    public boolean inSorryMode() {
        return sorry;
    }

    /**
     * Switches sorry mode on or off. Called by health checking.
     *
     * @param on the mode
     */
    public void sorryMode(final boolean on) {
        this.sorry = on;
    }

    /**
     * Takes a member out of rotation (unavailable: schedulers no longer see it, persistence templates pointing to
     * it stop matching, live connections continue) or puts it back at the front of the list, as keepalived deletes
     * and re-adds a destination.
     *
     * @param server a member
     * @param inRotation the wanted state
     * @return true if something changed
     */
    public synchronized boolean rotation(final RealServer server, final boolean inRotation) {
        if (members.indexOf(server) < 0) {
            return false;
        }
        final int i = servers.indexOf(server);
        if (inRotation && i < 0) {
            server.available(true);
            final ServerList next = servers.withFirst(server);
            servers = next;
            scheduler.onServerAdded(next, server);
            return true;
        }
        if (!inRotation && i >= 0) {
            server.available(false);
            final ServerList next = servers.without(i);
            servers = next;
            scheduler.onServerRemoved(next, server, i);
            return true;
        }
        return false;
    }

    /**
     * Inhibits a member (weight 0 for schedulers, keepalived's {@code inhibit_on_failure}) or ends that.
     *
     * @param server a member
     * @param on the wanted state
     * @return true if something changed
     */
    public synchronized boolean inhibit(final RealServer server, final boolean on) {
        if (members.indexOf(server) < 0 || server.isInhibited() == on) {
            return false;
        }
        server.inhibited(on);
        if (servers.indexOf(server) >= 0) {
            scheduler.onServerUpdated(servers, server);
        }
        return true;
    }

    /**
     * Replaces the scheduler with an instance of the caller's (for example the same algorithm wrapped in slow
     * start); it is initialised with the current list.
     *
     * @param fresh a new, uninitialised scheduler
     */
    public synchronized void replaceScheduler(final Scheduler fresh) {
        fresh.init(servers);
        final Scheduler old = scheduler;
        scheduler = fresh;
        old.done();
    }

    /**
     * The scheduler in use.
     *
     * @return the scheduler
     */
    public Scheduler scheduler() {
        return scheduler;
    }

    /**
     * The service's statistics.
     *
     * @return the counters
     */
    public StatsCounters stats() {
        return stats;
    }

    /**
     * Picks a server for a new connection. Lock-free and, for every JLVS scheduler, allocation-free.
     *
     * @param flow the flow
     * @return the server, or null when none is eligible
     */
    public RealServer schedule(final Flow flow) {
        return own(scheduler, scheduler.schedule(flow));
    }

    /**
     * The real server behind a scheduler's pick. A JLVS scheduler returns one of the views of the list it was given,
     * which are this service's {@link RealServer}s; anything else is a broken scheduler, named in the error.
     */
    private static RealServer own(final Scheduler sched, final ServerView picked) {
        if (picked == null || picked instanceof RealServer) {
            return (RealServer) picked;
        }
        throw new IllegalStateException("scheduler " + sched.name() + ": picked " + picked
            + " (expected: one of the servers of the list it was given, or null)");
    }

    /**
     * Picks a server for a connection that already failed on some (redispatch after a failed connect): the
     * scheduler's pick if it is not one of them (asked up to four times, so rotating schedulers move on), otherwise,
     * for a scheduler that keeps answering with a failed server (fo, wlc on a tie, hashing), the least loaded of the
     * others by the weighted least-connection rule (overhead / weight, ties to the first in IPVS order), skipping
     * servers of weight 0 and overloaded ones. Allocation-free.
     *
     * @param flow the connection
     * @param excluded servers that failed this connection
     * @param count how many entries of {@code excluded} count
     * @return a server, or null when none but the excluded is available
     */
    public RealServer scheduleExcluding(final Flow flow, final RealServer[] excluded, final int count) {
        final Scheduler sched = scheduler;
        for (int tries = 0; tries < 4; tries++) {
            final RealServer r = own(sched, sched.schedule(flow));
            if (r == null) {
                return null;
            }
            if (!contains(excluded, count, r)) {
                return r;
            }
        }
        final ServerList list = servers;
        RealServer least = null;
        long leastLoad = 0;
        int leastWeight = 0;
        for (int i = 0; i < list.size(); i++) {
            final RealServer d = list.get(i);
            final int w = d.weight();
            if (w <= 0 || d.isOverloaded() || contains(excluded, count, d)) {
                continue;
            }
            final long load = d.overhead();
            if (least == null || load * leastWeight < leastLoad * w) {
                least = d;
                leastLoad = load;
                leastWeight = w;
            }
        }
        return least;
    }

    private static boolean contains(final RealServer[] a, final int count, final RealServer r) {
        for (int i = 0; i < count; i++) {
            if (a[i] == r) {
                return true;
            }
        }
        return false;
    }

    /**
     * Client-side use: picks a server and counts a connection to it (bound, then active) until the lease is
     * closed. Meant for try-with-resources; {@link #tryAcquire} is the variant that does not throw.
     *
     * @param flow the flow or key to place
     * @return the lease, never null
     * @throws NoServerAvailableException when no server is eligible; nothing is counted then
     */
    public Lease acquire(final Flow flow) {
        final Lease lease = lease(flow);
        if (lease == null) {
            throw new NoServerAvailableException(key());
        }
        return lease;
    }

    /**
     * Client-side use: like {@link #acquire}, but reports "no eligible server" as an empty result.
     *
     * @param flow the flow or key to place
     * @return the lease, or empty when no server is eligible (nothing is counted then)
     */
    public java.util.Optional<Lease> tryAcquire(final Flow flow) {
        return java.util.Optional.ofNullable(lease(flow));
    }

    private Lease lease(final Flow flow) {
        final Scheduler sched = scheduler;
        final RealServer s = own(sched, sched.schedule(flow));
        if (s == null) {
            return null;
        }
        s.bindConnection();
        s.connectionActivated();
        s.stats().addConnection(0);
        stats.addConnection(0);
        return new Lease(s);
    }

    /**
     * Applies {@code -E}: new settings; a different scheduler name starts a new scheduler, the same keeps its
     * state.
     *
     * @param newConfig the new settings for the same key
     */
    public synchronized void edit(final VirtualServiceConfig newConfig) {
        if (!newConfig.key().equals(config.key())) {
            throw new IllegalArgumentException("service: " + newConfig.key() + " (expected: " + config.key() + ")");
        }
        if (!newConfig.scheduler().equals(config.scheduler())) {
            final Scheduler next = newScheduler(newConfig.scheduler());
            config = newConfig;
            next.init(servers);
            final Scheduler old = scheduler;
            scheduler = next;
            old.done();
        } else {
            config = newConfig;
        }
    }

    /**
     * Applies {@code -a}: adds a server at the front (or revives it from the trash).
     *
     * @param serverConfig the server
     * @return the live server
     * @throws LvsException {@code Destination already exists}
     */
    public synchronized RealServer addServer(final RealServerConfig serverConfig) {
        if (members.indexOf(serverConfig.address(), serverConfig.port()) >= 0) {
            throw new LvsException("Destination already exists");
        }
        RealServer s = takeFromTrash(serverConfig.address(), serverConfig.port());
        if (s != null) {
            s.update(serverConfig);
            s.inhibited(false);
            s.available(true);
        } else {
            s = new RealServer(serverConfig);
        }
        members = members.withFirst(s);
        final ServerList next = servers.withFirst(s);
        servers = next;
        scheduler.onServerAdded(next, s);
        return s;
    }

    /**
     * Applies {@code -e}: new weight, thresholds and options for a server; its place stays.
     *
     * @param serverConfig the new settings
     * @return the live server
     * @throws LvsException {@code No such destination}
     */
    public synchronized RealServer editServer(final RealServerConfig serverConfig) {
        final int i = members.indexOf(serverConfig.address(), serverConfig.port());
        if (i < 0) {
            throw new LvsException("No such destination");
        }
        final RealServer s = members.get(i);
        s.update(serverConfig);
        if (servers.indexOf(s) >= 0) {
            scheduler.onServerUpdated(servers, s);
        }
        return s;
    }

    /**
     * Re-runs the scheduler's update hook for a server whose effective weight changed (slow start).
     *
     * @param server a server of this service
     */
    public synchronized void serverWeightChanged(final RealServer server) {
        if (servers.indexOf(server) >= 0) {
            scheduler.onServerUpdated(servers, server);
        }
    }

    /**
     * Applies {@code -d}: the server becomes unavailable and leaves the list; live connections keep pointing to
     * it until they end.
     *
     * @param address its address
     * @param port its port
     * @return the removed server
     * @throws LvsException {@code No such destination}
     */
    public synchronized RealServer removeServer(final InetAddress address, final int port) {
        final int m = members.indexOf(address, port);
        if (m < 0) {
            throw new LvsException("No such destination");
        }
        final RealServer s = members.get(m);
        members = members.without(m);
        s.available(false);
        final int i = servers.indexOf(s);
        if (i >= 0) {
            final ServerList next = servers.without(i);
            servers = next;
            scheduler.onServerRemoved(next, s, i);
        }
        purgeTrash();
        trash.add(new Trashed(s, clock.nanoTime()));
        return s;
    }

    /**
     * Removes every server (the service itself is being deleted); they become unavailable.
     */
    public synchronized void removeAll() {
        while (members.size() > 0) {
            final RealServer s = members.get(0);
            removeServer(s.address(), s.port());
        }
        scheduler.done();
    }

    private RealServer takeFromTrash(final InetAddress address, final int port) {
        purgeTrash();
        for (final Iterator<Trashed> it = trash.iterator(); it.hasNext();) {
            final Trashed t = it.next();
            if (t.server.port() == port && t.server.address().equals(address)) {
                it.remove();
                return t.server;
            }
        }
        return null;
    }

    private void purgeTrash() {
        final long now = clock.nanoTime();
        trash.removeIf(t -> t.server.activeConns() + t.server.inactiveConns() + t.server.persistConns() == 0
            && now - t.removedAtNs >= TimeUnit.SECONDS.toNanos(TRASH_SECONDS));
    }

    /**
     * The removed servers that live connections may still point to.
     *
     * @return a copy of the trash list
     */
    public synchronized List<RealServer> trashedServers() {
        final List<RealServer> out = new ArrayList<>(trash.size());
        for (final Trashed t : trash) {
            out.add(t.server);
        }
        return out;
    }

    @Override
    public String toString() {
        return config + " " + servers;
    }
}
