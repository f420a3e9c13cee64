package io.jlvs.core.service;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.config.DirectorConfig;
import io.jlvs.core.config.LvsControl;
import io.jlvs.core.config.LvsException;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.Timeouts;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.sched.RandomSource;
import io.jlvs.core.sched.SchedulerRegistry;
import io.jlvs.core.stats.StatsCounters;
import io.jlvs.core.time.Ticker;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Every virtual service of a director, live, changed with ipvsadm's commands ({@link LvsControl}).
 *
 * <p>The map of services is an immutable snapshot replaced with one volatile write on each change, so event loops
 * look services up without locking. Changes are serialised on this object. Listeners hear of services added,
 * edited and removed (a transport opens and closes listening sockets on them), on the thread that made the
 * change, after it was made.
 *
 * <p>Applications see it as a read-only {@link ServiceTableView}; the table itself is the engine's.
 *
 * <p>Thread-safe.
 */
public final class ServiceTable implements LvsControl, ServiceTableView {
    /**
     * Hears of structural changes.
     */
    public interface Listener {
        /**
         * A service was added.
         *
         * @param service the service
         */
        default void serviceAdded(final VirtualService service) {
        }

        /**
         * A service's settings changed.
         *
         * @param service the service
         * @param previous its previous settings
         */
        default void serviceEdited(final VirtualService service, final VirtualServiceConfig previous) {
        }

        /**
         * A service was removed (its servers are already unavailable).
         *
         * @param service the service
         */
        default void serviceRemoved(final VirtualService service) {
        }

        /**
         * A real server was added, edited or removed, or the timeouts changed.
         *
         * @param service the service concerned, or null for a timeout change
         */
        default void serversChanged(final VirtualService service) {
        }
    }

    private final SchedulerRegistry registry;
    private final Ticker clock;
    private final RandomSource random;
    private final StatsCounters totals = new StatsCounters();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile Map<ServiceKey, VirtualService> services = Collections.emptyMap();
    private volatile Timeouts timeouts = Timeouts.DEFAULTS;
    private final ServiceTableView readOnly = new ReadOnly(this);

    /**
     * Makes an empty table.
     *
     * @param registry where schedulers are found
     * @param clock the clock
     * @param random randomness for randomised schedulers
     */
    public ServiceTable(final SchedulerRegistry registry, final Ticker clock, final RandomSource random) {
        this.registry = registry;
        this.clock = clock;
        this.random = random;
    }

    /**
     * Adds a listener.
     *
     * @param listener the listener
     */
    @Override
    public void addListener(final Listener listener) {
        listeners.add(listener);
    }

    /**
     * Removes a listener.
     *
     * @param listener the listener
     */
    @Override
    public void removeListener(final Listener listener) {
        listeners.remove(listener);
    }

    /**
     * The services, in the order they were added.
     *
     * @return an unmodifiable view of the current snapshot
     */
    @Override
    public Collection<VirtualService> services() {
        return services.values();
    }

    /**
     * Finds a service.
     *
     * @param key its key
     * @return the service or null
     */
    @Override
    public VirtualService service(final ServiceKey key) {
        return services.get(key);
    }

    /**
     * Finds the service for a packet or connection as IPVS does: the exact (protocol, address, port), else a
     * port-0 service on that address.
     *
     * @param protocol the protocol
     * @param address the destination address
     * @param port the destination port
     * @return the service or null
     */
    @Override
    public VirtualService lookup(final Protocol protocol, final InetAddress address, final int port) {
        final Map<ServiceKey, VirtualService> m = services;
        final VirtualService exact = m.get(ServiceKey.of(protocol, address, port));
        return exact != null ? exact : m.get(ServiceKey.of(protocol, address, 0));
    }

    /**
     * The timeouts.
     *
     * @return the current timeouts
     */
    @Override
    public Timeouts timeouts() {
        return timeouts;
    }

    /**
     * The director-wide statistics.
     *
     * @return the counters
     */
    @Override
    public StatsCounters totals() {
        return totals;
    }

    @Override
    public synchronized void addService(final VirtualServiceConfig config) {
        addService(config, null);
    }

    /**
     * {@code -A} with a scheduler instance of the caller's instead of one found by name.
     *
     * @param config the service
     * @param scheduler a scheduler not yet initialised, used by this service only; null to find it by name
     * @throws LvsException {@code Service already exists}, {@code Scheduler or persistence engine not found}, or a
     *     listener's refusal (a running transport that cannot listen on the address names it and the reason); the
     *     table is then unchanged
     */
    public synchronized void addService(final VirtualServiceConfig config,
        final io.jlvs.core.sched.Scheduler scheduler) {
        if (services.containsKey(config.key())) {
            throw new LvsException("Service already exists");
        }
        final VirtualService s = scheduler == null ? new VirtualService(config, registry, clock, random)
            : new VirtualService(config, scheduler);
        final Map<ServiceKey, VirtualService> before = services;
        final Map<ServiceKey, VirtualService> next = new LinkedHashMap<>(services);
        next.put(config.key(), s);
        services = Collections.unmodifiableMap(next);
        final List<Listener> told = new ArrayList<>();
        for (final Listener l : listeners) {
            try {
                l.serviceAdded(s);
            } catch (final RuntimeException e) {
                // a listener refused it (the transport cannot bind its address): roll the addition back
                services = before;
                s.removeAll();
                for (final Listener t : told) {
                    t.serviceRemoved(s);
                }
                throw e;
            }
            told.add(l);
        }
    }

    @Override
    public synchronized void editService(final VirtualServiceConfig config) {
        final VirtualService s = existing(config.key());
        final VirtualServiceConfig previous = s.config();
        s.edit(config);
        for (final Listener l : listeners) {
            l.serviceEdited(s, previous);
        }
    }

    @Override
    public synchronized void deleteService(final ServiceKey key) {
        final VirtualService s = existing(key);
        final Map<ServiceKey, VirtualService> next = new LinkedHashMap<>(services);
        next.remove(key);
        services = Collections.unmodifiableMap(next);
        s.removeAll();
        for (final Listener l : listeners) {
            l.serviceRemoved(s);
        }
    }

    private VirtualService existing(final ServiceKey key) {
        final VirtualService s = services.get(key);
        if (s == null) {
            throw new LvsException("No such service");
        }
        return s;
    }

    private VirtualService defined(final ServiceKey key) {
        final VirtualService s = services.get(key);
        if (s == null) {
            throw new LvsException("Service not defined");
        }
        return s;
    }

    @Override
    public synchronized void addServer(final ServiceKey key, final RealServerConfig server) {
        final VirtualService s = defined(key);
        if (key.isIpv6() != (server.address() instanceof Inet6Address)) {
            throw new LvsException("Operation not supported with specified address family");
        }
        s.addServer(server);
        notifyServers(s);
    }

    @Override
    public synchronized void editServer(final ServiceKey key, final RealServerConfig server) {
        final VirtualService s = defined(key);
        s.editServer(server);
        notifyServers(s);
    }

    @Override
    public synchronized void deleteServer(final ServiceKey key, final InetAddress address, final int port) {
        final VirtualService s = defined(key);
        s.removeServer(address, port);
        notifyServers(s);
    }

    private void notifyServers(final VirtualService s) {
        for (final Listener l : listeners) {
            l.serversChanged(s);
        }
    }

    @Override
    public synchronized void clear() {
        for (final ServiceKey k : new ArrayList<>(services.keySet())) {
            deleteService(k);
        }
    }

    @Override
    public synchronized void setTimeouts(final int tcpSeconds, final int tcpFinSeconds, final int udpSeconds) {
        timeouts = timeouts.with(tcpSeconds, tcpFinSeconds, udpSeconds);
        notifyServers(null);
    }

    /**
     * Makes the live table equal to a configuration: services and servers missing from it are removed, new ones
     * added, changed ones edited (servers keep their live counters). Servers are added oldest first so that the
     * list order matches the configuration's.
     *
     * @param config the wanted configuration
     */
    public synchronized void apply(final DirectorConfig config) {
        for (final VirtualService s : new ArrayList<>(services.values())) {
            if (config.service(s.key()) == null) {
                deleteService(s.key());
            }
        }
        for (final VirtualServiceConfig vs : config.services()) {
            final VirtualService live = services.get(vs.key());
            if (live == null) {
                addService(vs);
            } else if (!live.config().equals(vs)) {
                editService(vs);
            }
            final VirtualService s = services.get(vs.key());
            final List<RealServerConfig> wanted = config.servers(vs.key());
            final ServerList have = s.members();
            for (int i = have.size() - 1; i >= 0; i--) {
                final RealServer r = have.get(i);
                boolean keep = false;
                for (final RealServerConfig w : wanted) {
                    keep |= w.sameEndpoint(r.address(), r.port());
                }
                if (!keep) {
                    deleteServer(vs.key(), r.address(), r.port());
                }
            }
            for (int i = wanted.size() - 1; i >= 0; i--) {
                final RealServerConfig w = wanted.get(i);
                final int at = s.members().indexOf(w.address(), w.port());
                if (at < 0) {
                    addServer(vs.key(), w);
                } else if (!s.members().get(at).config().equals(w)) {
                    editServer(vs.key(), w);
                }
            }
        }
        final Timeouts t = config.timeouts();
        setTimeouts(t.tcpSeconds(), t.tcpFinSeconds(), t.udpSeconds());
    }

    /**
     * The configuration the live table holds now.
     *
     * @return an immutable configuration
     */
    @Override
    public synchronized DirectorConfig config() {
        final DirectorConfig.Builder b = DirectorConfig.EMPTY.toBuilder(DirectorConfig.Checks.NONE);
        for (final VirtualService s : services.values()) {
            b.addService(s.config());
            final ServerList list = s.members();
            for (int i = list.size() - 1; i >= 0; i--) {
                b.addServer(s.key(), list.get(i).config());
            }
        }
        final Timeouts t = timeouts;
        b.setTimeouts(t.tcpSeconds(), t.tcpFinSeconds(), t.udpSeconds());
        return b.build();
    }

    /**
     * Runs one rate-estimator step on every statistics object; call every 2 seconds.
     */
    public void estimate() {
        totals.estimate();
        for (final VirtualService s : services.values()) {
            s.stats().estimate();
            final ServerList list = s.members();
            for (int i = 0; i < list.size(); i++) {
                list.get(i).stats().estimate();
            }
        }
    }

    /**
     * {@code ipvsadm -Z}: zeroes the statistics of one service and its servers, or of everything.
     *
     * @param key the service, or null for all (and the totals)
     * @throws LvsException {@code No such service}
     */
    public void zero(final ServiceKey key) {
        if (key != null) {
            zero(existing(key));
            return;
        }
        totals.zero();
        for (final VirtualService s : services.values()) {
            zero(s);
        }
    }

    private static void zero(final VirtualService s) {
        s.stats().zero();
        final ServerList list = s.members();
        for (int i = 0; i < list.size(); i++) {
            list.get(i).stats().zero();
        }
    }

    /**
     * This table as a read-only view that cannot be cast back to the table: what applications are given.
     *
     * @return the view (always the same object)
     */
    public ServiceTableView readOnly() {
        return readOnly;
    }

    /** The read-only view: every read delegates to the table, nothing else is reachable. Thread-safe as the table. */
    private static final class ReadOnly implements ServiceTableView {
        private final ServiceTable table;

        ReadOnly(final ServiceTable table) {
            this.table = table;
        }

        @Override
        public Collection<VirtualService> services() {
            return table.services();
        }

        @Override
        public VirtualService service(final ServiceKey key) {
            return table.service(key);
        }

        @Override
        public VirtualService lookup(final Protocol protocol, final InetAddress address, final int port) {
            return table.lookup(protocol, address, port);
        }

        @Override
        public Timeouts timeouts() {
            return table.timeouts();
        }

        @Override
        public StatsCounters totals() {
            return table.totals();
        }

        @Override
        public DirectorConfig config() {
            return table.config();
        }

        @Override
        public void addListener(final Listener listener) {
            table.addListener(listener);
        }

        @Override
        public void removeListener(final Listener listener) {
            table.removeListener(listener);
        }

        @Override
        public String toString() {
            return "read-only " + table.services();
        }
    }
}
