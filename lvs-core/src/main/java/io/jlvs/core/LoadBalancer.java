package io.jlvs.core;

import io.jlvs.core.net.Protocol;

import io.jlvs.core.config.ConfigDiff;
import io.jlvs.core.config.DirectorConfig;
import io.jlvs.core.config.Extensions;
import io.jlvs.core.config.LvsControl;
import io.jlvs.core.config.LvsException;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.Timeouts;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.conn.PersistenceTable;
import io.jlvs.core.conn.PersistenceView;
import io.jlvs.core.conn.StateTimeouts;
import io.jlvs.core.health.HealthChecker;
import io.jlvs.core.health.HealthListener;
import io.jlvs.core.listing.ConnectionSnapshot;
import io.jlvs.core.listing.DirectorSnapshot;
import io.jlvs.core.listing.IpvsadmListing;
import io.jlvs.core.listing.ListFormat;
import io.jlvs.core.rules.RulesParser;
import io.jlvs.core.sched.RandomSource;
import io.jlvs.core.sched.Scheduler;
import io.jlvs.core.internal.DirectorAccess;
import io.jlvs.core.internal.sched.DefaultSchedulerRegistry;
import io.jlvs.core.sched.SchedulerRegistry;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.ServiceTable;
import io.jlvs.core.service.ServiceTableView;
import io.jlvs.core.service.VirtualService;
import io.jlvs.core.stats.RateEstimator;
import io.jlvs.core.transport.DirectorOptions;
import io.jlvs.core.transport.DirectorRuntime;
import io.jlvs.core.transport.Transport;
import io.jlvs.core.transport.TransportEngine;
import io.jlvs.core.time.Ticker;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * An embeddable layer-4 director: virtual services, real servers and schedulers, forwarding TCP (and UDP) through
 * a transport.
 *
 * <pre>{@code
 * try (LoadBalancer lb = LoadBalancer.builder()
 *         .service(VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", 8080)).scheduler("wlc").build(),
 *             RealServerConfig.builder("127.0.0.1", 9001).weight(3).build(),
 *             RealServerConfig.builder("127.0.0.1", 9002).build())
 *         .eventLoops(2)
 *         .build()) {
 *     lb.start();
 *     lb.weight(ServiceKey.tcp("127.0.0.1", 8080), "127.0.0.1", 9002, 0); // drain
 *     System.out.print(lb.list(ListFormat.STATS));
 * }
 * }</pre>
 *
 * <p>Runtime changes ({@link LvsControl}, {@link #weight}) are thread-safe, apply to the next connection and never
 * touch live ones. {@link #close()} drains: it stops accepting, lets live connections finish until the drain
 * timeout, then closes the rest.
 *
 * <p>Every change is checked before it is made, with the same code that checks rules files ({@link
 * DirectorConfig.Builder}): a refused change names what is wrong and changes nothing. {@link #reload} applies the
 * difference between the running table and a rules file.
 *
 * <p>Thread-safe. Configuration changes (the {@link LvsControl} methods, {@link #weight}, {@link #reload}) are
 * serialised on one private lock, so that each is checked against the table it is applied to; {@code started} and
 * {@code closed} are guarded by this object's monitor; the engine and the estimator are published through volatile
 * fields.
 */
public final class LoadBalancer implements LvsControl, AutoCloseable {
    private final ServiceTable services;
    private final PersistenceTable persistence = new PersistenceTable();
    private final StateTimeouts timeouts = new StateTimeouts();
    private final DirectorOptions options;
    private final Transport transport;
    private final String transportName;
    /** The started transport's name; written once by {@link #start()}, read by any thread. */
    private volatile String runningTransport;
    private final Ticker clock;
    private final List<String> warnings;
    private final Map<String, HealthChecker> checkers;
    private final List<HealthListener> healthListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final SchedulerRegistry registry;
    private final DirectorConfig.Checks checks;
    /** Serialises configuration changes (admin commands, reloads) so that each is checked and applied at once. */
    private final Object control = new Object();
    private volatile TransportEngine engine;
    private volatile String estimatorDeath;
    private volatile ScheduledExecutorService estimator;
    private boolean started;
    private boolean closed;

    static {
        // The engine's own objects for JLVS code that needs more than the read-only views (non-exported package).
        DirectorAccess.install(new DirectorAccess.Accessor() {
            @Override
            public ServiceTable services(final Object loadBalancer) {
                return of(loadBalancer).services;
            }

            @Override
            public PersistenceTable persistence(final Object loadBalancer) {
                return of(loadBalancer).persistence;
            }

            @Override
            public TransportEngine engine(final Object loadBalancer) {
                return of(loadBalancer).engine;
            }

            private LoadBalancer of(final Object o) {
                if (o instanceof LoadBalancer lb) {
                    return lb;
                }
                throw new IllegalArgumentException("loadBalancer: " + o.getClass().getName()
                    + " (expected: io.jlvs.core.LoadBalancer)");
            }
        });
    }

    private LoadBalancer(final Builder b) {
        this.options = b.options.build();
        this.clock = b.clock;
        this.services = new ServiceTable(b.registry, b.clock, b.random);
        this.persistence.expireQuiescentTemplate(options.expireQuiescentTemplate());
        this.transport = b.transport;
        this.transportName = b.transportName;
        this.warnings = List.copyOf(b.warnings);
        this.checkers = Map.copyOf(b.checkers);
        this.healthListeners.addAll(b.healthListeners);
        this.registry = b.registry;
        this.checks = b.checks();
        for (final Map.Entry<ServiceKey, Scheduler> e : b.instances.entrySet()) {
            services.addService(b.config.service(e.getKey()), e.getValue());
        }
        services.apply(b.config);
        timeouts.set(services.timeouts());
    }

    /**
     * Starts a builder with the default options.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Opens the listeners and starts the event loops and the rate estimator.
     *
     * @return this
     * @throws IOException if a listener cannot be opened (then nothing runs)
     * @throws IllegalStateException if already started or closed
     */
    public synchronized LoadBalancer start() throws IOException {
        if (started || closed) {
            throw new IllegalStateException(closed ? "closed" : "already started");
        }
        final Transport t = transport != null ? transport : TransportChoice.choose(transportName, protocolsInUse());
        engine = t.start(new DirectorRuntime(services, persistence, timeouts, options, clock, checkers,
            healthListeners));
        runningTransport = t.name();
        started = true;
        final ScheduledExecutorService ex = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread th = new Thread(r, "jlvs-estimator");
            th.setDaemon(true);
            return th;
        });
        final long period = RateEstimator.PERIOD_NS;
        ex.scheduleAtFixedRate(this::estimate, period, period, TimeUnit.NANOSECONDS);
        estimator = ex;
        return this;
    }

    private java.util.Set<io.jlvs.core.net.Protocol> protocolsInUse() {
        final java.util.Set<io.jlvs.core.net.Protocol> out = java.util.EnumSet.noneOf(io.jlvs.core.net.Protocol.class);
        for (final io.jlvs.core.service.VirtualService s : services.services()) {
            out.add(s.key().protocol());
        }
        return out;
    }

    /** One estimator tick; a failure stops the estimator (as a dead thread would), logged and kept for health(). */
    private void estimate() {
        try {
            services.estimate();
        } catch (final RuntimeException | Error e) {
            estimatorDeath = "jlvs-estimator died: " + e + " (rates are no longer estimated)";
            org.slf4j.LoggerFactory.getLogger(LoadBalancer.class).error("{}", estimatorDeath, e);
            throw e;
        }
    }

    /**
     * Whether the director can do its work: unhealthy when a thread it depends on died (an event loop, the health
     * checker, the rate estimator), each problem naming the thread and why. Healthy before {@link #start()}.
     *
     * @return the health
     */
    public io.jlvs.core.transport.Health health() {
        final TransportEngine e = engine;
        io.jlvs.core.transport.Health h = e == null ? io.jlvs.core.transport.Health.OK : e.health();
        final String d = estimatorDeath;
        if (d != null) {
            h = h.and(io.jlvs.core.transport.Health.of(List.of(d)));
        }
        return h;
    }

    /**
     * Drains for the configured drain timeout, then closes.
     */
    @Override
    public void close() {
        close(Duration.ofNanos(options.drainTimeoutNs()));
    }

    /**
     * Stops accepting, lets live connections finish until the deadline, then closes the rest and stops every
     * thread. Calling it again does nothing.
     *
     * @param drain how long live connections may take to finish
     */
    public synchronized void close(final Duration drain) {
        if (closed) {
            return;
        }
        closed = true;
        if (engine != null) {
            engine.close(Math.max(0, drain.toNanos()));
        }
        if (estimator != null) {
            estimator.shutdownNow();
        }
    }

    /**
     * The engine options.
     *
     * @return the options
     */
    public DirectorOptions options() {
        return options;
    }

    /**
     * The services, read-only: which exist, their live servers and counters, and change notifications. Change them
     * through this load balancer ({@link #addService}, {@link #addServer}, {@link #reload}, ...).
     *
     * @return a read-only view of the live table
     */
    public ServiceTableView services() {
        return services.readOnly();
    }

    /**
     * The persistence templates, read-only.
     *
     * @return a read-only view of the live templates
     */
    public PersistenceView persistence() {
        return persistence.readOnly();
    }

    /**
     * Warnings from the rules the director was built from (for example direct routing run as a proxy).
     *
     * @return the warnings
     */
    public List<String> warnings() {
        return warnings;
    }

    /**
     * The name of the transport the director runs on, as {@code jlvs run --transport} takes it ({@code nio},
     * {@code epoll}, or a custom transport's {@link Transport#name()}): the one named in the builder, or what
     * {@code auto} chose here.
     *
     * @return the name; the builder's choice ({@code auto} by default) before {@link #start()}
     */
    public String transportName() {
        final String running = runningTransport;
        return running != null ? running : transport != null ? transport.name() : transportName;
    }

    /**
     * Which transport a director started in this JVM would run on, without starting one: what {@code auto} picks
     * here (the transports on the class path that can run, highest priority first) for services of these
     * protocols, or the named transport if it can run here. {@code jlvs tune} plans with it.
     *
     * @param name {@code nio}, {@code epoll} or {@code auto}
     * @param protocols the protocols the services use; empty for no constraint
     * @return the transport's name
     * @throws IOException if the named transport cannot run here, or no transport can (the message says why)
     * @throws IllegalArgumentException if the name is none of those
     */
    public static String transportFor(final String name, final java.util.Set<io.jlvs.core.net.Protocol> protocols)
        throws IOException {
        return TransportChoice.choose(TransportChoice.checkName(name), protocols).name();
    }

    /**
     * The addresses the director listens on.
     *
     * @return bound addresses, empty before {@link #start()}
     */
    public List<InetSocketAddress> listening() {
        final TransportEngine e = engine;
        return e == null ? List.of() : e.listening();
    }

    /**
     * Adds a listener of health transitions (servers going up and down, quorum lost and back).
     *
     * @param listener the listener
     */
    public void addHealthListener(final HealthListener listener) {
        healthListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Proxied connections that still hold sockets.
     *
     * @return the count
     */
    public int liveConnections() {
        final TransportEngine e = engine;
        return e == null ? 0 : e.liveConnections();
    }

    /**
     * Engine counters (accept pauses, malformed PROXY headers, failed connects, ...).
     *
     * @return name to value
     */
    public Map<String, Long> counters() {
        final TransportEngine e = engine;
        return e == null ? Map.of() : e.counters();
    }

    /**
     * A snapshot of services, servers, counters, rates and timeouts.
     *
     * @return the snapshot
     */
    public DirectorSnapshot snapshot() {
        final TransportEngine e = engine;
        return DirectorSnapshot.of(services, e == null ? DirectorSnapshot.DEFAULT_TABLE_SIZE
            : e.connectionTableSize());
    }

    /**
     * {@code ipvsadm -Ln} in a format.
     *
     * @param format the format
     * @return the text
     */
    public String list(final ListFormat format) {
        return IpvsadmListing.list(snapshot(), format, false, false);
    }

    /**
     * {@code ipvsadm -Lnc}: every connection and template.
     *
     * @return the rows
     */
    public List<ConnectionSnapshot> connections() {
        final TransportEngine e = engine;
        return e == null ? List.of() : e.connections();
    }

    /**
     * The current configuration (services, servers, timeouts), as {@code -S} would save it.
     *
     * @return the configuration
     */
    public DirectorConfig config() {
        return services.config();
    }

    /**
     * {@code -Z}: zeroes statistics of a service or of everything.
     *
     * @param key the service, or null for all
     */
    public void zero(final ServiceKey key) {
        services.zero(key);
    }

    /**
     * Changes a server's weight, keeping its other settings (0 drains it: no new connections, live ones stay).
     *
     * @param key the service
     * @param address the server's address literal
     * @param port the server's port
     * @param weight 0..65535
     * @throws LvsException {@code Service not defined} or {@code No such destination}
     */
    public void weight(final ServiceKey key, final String address, final int port, final int weight) {
        final VirtualService s = services.service(key);
        if (s == null) {
            throw new LvsException("Service not defined");
        }
        final InetAddress a = ServiceKeyAccess.literal(address);
        final int i = s.members().indexOf(a, port);
        if (i < 0) {
            throw new LvsException("No such destination");
        }
        synchronized (control) {
            final RealServer r = s.members().get(i);
            services.editServer(key, r.config().toBuilder().weight(weight).build());
        }
    }

    /**
     * {@code -A}: checks the service as a rules line would be checked (scheduler and health checker names, the
     * sorry file, loops through the director), then adds it.
     *
     * @param service the service
     * @throws LvsException naming what is wrong; nothing changes then
     */
    @Override
    public void addService(final VirtualServiceConfig service) {
        synchronized (control) {
            checked(b -> b.addService(service));
            services.addService(service);
        }
    }

    /**
     * Adds a service with a scheduler instance of the caller's.
     *
     * @param service the service
     * @param scheduler a new scheduler used by this service only
     */
    public void addService(final VirtualServiceConfig service, final Scheduler scheduler) {
        synchronized (control) {
            final DirectorConfig.Checks anyScheduler = new DirectorConfig.Checks(n -> true, checks.knownChecker(),
                checks.localAddress(), checks.files());
            checked(anyScheduler, b -> b.addService(service));
            services.addService(service, scheduler);
        }
    }

    /**
     * {@code -E}: checks the service as a rules line would be checked, then changes it.
     *
     * @param service the service
     * @throws LvsException naming what is wrong; nothing changes then
     */
    @Override
    public void editService(final VirtualServiceConfig service) {
        synchronized (control) {
            final VirtualService live = services.service(service.key());
            if (live != null && !registry.contains(service.scheduler())
                && !service.scheduler().equals(live.config().scheduler())) {
                throw new LvsException("Scheduler or persistence engine not found");
            }
            checked(live != null && service.scheduler().equals(live.config().scheduler())
                ? new DirectorConfig.Checks(n -> true, checks.knownChecker(), checks.localAddress(), checks.files())
                : checks, b -> b.editService(service));
            services.editService(service);
        }
    }

    @Override
    public void deleteService(final ServiceKey key) {
        synchronized (control) {
            services.deleteService(key);
        }
    }

    /**
     * {@code -a}: checks the server as a rules line would be checked (address family, a loop through the
     * director), then adds it.
     *
     * @param key the service
     * @param server the server
     * @throws LvsException naming what is wrong; nothing changes then
     */
    @Override
    public void addServer(final ServiceKey key, final RealServerConfig server) {
        synchronized (control) {
            checked(b -> b.addServer(key, server));
            services.addServer(key, server);
        }
    }

    @Override
    public void editServer(final ServiceKey key, final RealServerConfig server) {
        synchronized (control) {
            checked(b -> b.editServer(key, server));
            services.editServer(key, server);
        }
    }

    @Override
    public void deleteServer(final ServiceKey key, final InetAddress address, final int port) {
        synchronized (control) {
            services.deleteServer(key, address, port);
        }
    }

    @Override
    public void clear() {
        synchronized (control) {
            services.clear();
        }
    }

    @Override
    public void setTimeouts(final int tcpSeconds, final int tcpFinSeconds, final int udpSeconds) {
        synchronized (control) {
            services.setTimeouts(tcpSeconds, tcpFinSeconds, udpSeconds);
            timeouts.set(services.timeouts());
        }
    }

    private void checked(final java.util.function.Consumer<DirectorConfig.Builder> command) {
        checked(checks, command);
    }

    /** Runs a command on a copy of the running configuration with the builder's checks; throws what it refuses. */
    private void checked(final DirectorConfig.Checks with,
        final java.util.function.Consumer<DirectorConfig.Builder> command) {
        command.accept(services.config().toBuilder(with));
    }

    /**
     * Reloads the rules a file holds ({@link RulesParser#read} decodes it strictly as UTF-8), as
     * {@link #reload(String, String)} does.
     *
     * @param file the rules file
     * @return what changed
     * @throws IOException if the file cannot be read (nothing changes)
     * @throws io.jlvs.core.rules.RulesException naming the line of every error (nothing changes)
     */
    public ReloadResult reload(final java.nio.file.Path file) throws IOException {
        return reload(RulesParser.read(file), file.toString());
    }

    /**
     * Makes the running director what the rules describe, applying only the difference, as {@code ipvsadm-restore}
     * over a running table with keepalived's reload semantics: the rules are the whole wanted configuration (the
     * same a fresh start with them would run), so services and servers they lack are removed and timeouts they do
     * not set return to the defaults.
     *
     * <p>Everything is checked first, with the checks of the builder (scheduler and health checker names, sorry
     * files, loops through the director): rules with an error change nothing. Then the difference goes through the
     * same paths as the admin commands, so the transport opens and closes listeners as for them:
     * <ul>
     * <li>a new service starts listening;</li>
     * <li>a removed service stops accepting; its live connections continue until they end (its servers wait in
     * the trash, as IPVS keeps a deleted destination that connections still use);</li>
     * <li>a changed service (scheduler, flags, persistence, options) keeps its listener, statistics and servers;
     * the change applies to new connections;</li>
     * <li>a removed server leaves the rotation and its live connections continue; a changed server (weight,
     * thresholds, options) keeps its counters; a new server is added at the head of the list, as {@code -a}
     * does;</li>
     * <li>services and servers that did not change are not touched: their counters continue.</li>
     * </ul>
     * Existing servers keep their place in the scheduling order even when the rules list them in another order.
     *
     * @param rulesText the rules (the ipvsadm-save format with JLVS's extensions); line ends LF, CRLF or CR
     * @param sourceName what to call the rules in messages, for example the file name
     * @return what changed, the rules' warnings and the configuration now running
     * @throws io.jlvs.core.rules.RulesException naming the line of every error; nothing changes then
     * @throws IllegalStateException if the director is closed
     */
    public ReloadResult reload(final String rulesText, final String sourceName) {
        Objects.requireNonNull(rulesText, "rulesText");
        synchronized (control) {
            synchronized (this) {
                if (closed) {
                    throw new IllegalStateException("closed");
                }
            }
            final RulesParser.Loaded l = RulesParser.withExtensions(Extensions.transport()).load(rulesText,
                DirectorConfig.EMPTY, reloadChecks());
            checkInstances(l);
            final DirectorConfig next = l.config();
            final DirectorConfig now = services.config();
            final ConfigDiff diff = ConfigDiff.between(now, next);
            services.apply(next);
            timeouts.set(services.timeouts());
            final List<String> warnings = new ArrayList<>(l.warnings());
            return new ReloadResult(diff, warnings, services.config());
        }
    }

    /**
     * The builder's checks, except that a scheduler name not in the registry (an instance the application gave) is
     * known only if a running service has it; {@link #checkInstances} then makes sure that only that service keeps
     * it, since a new service could not be given an instance by rules.
     */
    private DirectorConfig.Checks reloadChecks() {
        final java.util.Set<String> live = new java.util.HashSet<>();
        for (final VirtualService s : services.services()) {
            live.add(s.config().scheduler());
        }
        return new DirectorConfig.Checks(n -> registry.contains(n) || live.contains(n), checks.knownChecker(),
            checks.localAddress(), checks.files());
    }

    private void checkInstances(final RulesParser.Loaded l) {
        for (final VirtualServiceConfig s : l.config().services()) {
            if (registry.contains(s.scheduler())) {
                continue;
            }
            final VirtualService live = services.service(s.key());
            if (live == null || !live.config().scheduler().equals(s.scheduler())) {
                int line = 0;
                String text = "-A";
                for (final io.jlvs.core.rules.RuleCommand c : l.commands()) {
                    if (s.key().equals(c.service()) && c.serviceConfig() != null) {
                        line = c.line();
                        text = c.text();
                    }
                }
                throw new io.jlvs.core.rules.RulesException(line, text, "scheduler '" + s.scheduler() + "' is an "
                    + "instance the application gave to another service; rules can only name schedulers of the "
                    + "registry (" + (live == null ? "new service" : "the service runs " + live.config().scheduler())
                    + ")");
            }
        }
    }

    /** Parses address literals for {@link LoadBalancer#weight}. */
    private static final class ServiceKeyAccess {
        static InetAddress literal(final String address) {
            final InetAddress a = io.jlvs.core.net.Addresses.parseLiteral(address);
            if (a == null) {
                throw new IllegalArgumentException("address: " + address + " (expected: a numeric IP address)");
            }
            return a;
        }
    }

    /**
     * Builds a {@link LoadBalancer}.
     *
     * <p>Not thread-safe.
     */
    public static final class Builder {
        private final DirectorOptions.Builder options = DirectorOptions.builder();
        private DirectorConfig.Builder configBuilder;
        private DirectorConfig config = DirectorConfig.EMPTY;
        private SchedulerRegistry registry = DefaultSchedulerRegistry.get();
        private Ticker clock = Ticker.SYSTEM;
        private RandomSource random = RandomSource.THREAD_LOCAL;
        private Transport transport;
        private String transportName = TransportChoice.AUTO;
        private final List<String> warnings = new ArrayList<>();
        private final Map<ServiceKey, Scheduler> instances = new java.util.LinkedHashMap<>();
        private final java.util.Set<String> instanceNames = new java.util.HashSet<>();
        private final Map<String, HealthChecker> checkers = new java.util.HashMap<>();
        private final List<HealthListener> healthListeners = new ArrayList<>();
        /** The rules line that last added or edited each service, for messages. */
        private final Map<ServiceKey, Integer> ruleLines = new java.util.HashMap<>();

        private Builder() {
        }

        private boolean known(final String scheduler) {
            return registry.contains(scheduler) || instanceNames.contains(scheduler);
        }

        /**
         * The checks of every command: health checker names are only checked in {@link #build()}, when every
         * checker has been registered.
         */
        private DirectorConfig.Checks commandChecks() {
            return new DirectorConfig.Checks(this::known, n -> true, DirectorConfig.Checks::hostLocal, true);
        }

        /** The checks of the finished configuration and of later changes. */
        DirectorConfig.Checks checks() {
            final java.util.Set<String> names = new java.util.HashSet<>(DirectorConfig.Checks.BUILT_IN_CHECKERS);
            names.addAll(checkers.keySet());
            final java.util.Set<String> known = java.util.Set.copyOf(names);
            final SchedulerRegistry r = registry;
            final java.util.Set<String> instances = java.util.Set.copyOf(instanceNames);
            return new DirectorConfig.Checks(n -> r.contains(n) || instances.contains(n), known::contains,
                DirectorConfig.Checks::hostLocal, true);
        }

        private DirectorConfig.Builder cfg() {
            if (configBuilder == null) {
                configBuilder = config.toBuilder(commandChecks());
            }
            return configBuilder;
        }

        /**
         * Adds a service whose scheduler is an instance of the caller's (a custom or configured scheduler), with its
         * real servers in the order they are added.
         *
         * @param service the service; its scheduler name is what listings show
         * @param scheduler a new, uninitialised scheduler for this service only
         * @param servers its servers
         * @return this
         */
        public Builder service(final VirtualServiceConfig service, final Scheduler scheduler,
            final RealServerConfig... servers) {
            instanceNames.add(service.scheduler());
            instances.put(service.key(), Objects.requireNonNull(scheduler, "scheduler"));
            return service(service, servers);
        }

        /**
         * Adds a service with its real servers, added in the order given (so, as with ipvsadm, the last one given is
         * first in the scheduling order).
         *
         * @param service the service
         * @param servers its servers
         * @return this
         * @throws LvsException if the service exists or its scheduler is unknown
         */
        public Builder service(final VirtualServiceConfig service, final RealServerConfig... servers) {
            cfg().addService(service);
            for (final RealServerConfig r : servers) {
                cfg().addServer(service.key(), r);
            }
            return this;
        }

        /**
         * Adds a real server to a service added before.
         *
         * @param key the service
         * @param server the server
         * @return this
         */
        public Builder server(final ServiceKey key, final RealServerConfig server) {
            cfg().addServer(key, server);
            return this;
        }

        /**
         * Adds the configuration that rules text describes (the ipvsadm-save format with JLVS's extensions).
         *
         * @param rules the rules
         * @return this
         * @throws io.jlvs.core.rules.RulesException naming every bad line; nothing is added then
         */
        public Builder rules(final String rules) {
            final DirectorConfig base = cfg().build();
            final RulesParser.Loaded l = RulesParser.withExtensions(Extensions.transport()).load(rules, base,
                commandChecks());
            configBuilder = l.config().toBuilder(commandChecks());
            warnings.addAll(l.warnings());
            for (final io.jlvs.core.rules.RuleCommand c : l.commands()) {
                if (c.serviceConfig() != null) {
                    ruleLines.put(c.service(), c.line());
                }
            }
            return this;
        }

        /**
         * Sets the connection timeouts ({@code --set}); 0 keeps a value.
         *
         * @param tcpSeconds ESTABLISHED
         * @param tcpFinSeconds FIN_WAIT
         * @param udpSeconds UDP
         * @return this
         */
        public Builder timeouts(final int tcpSeconds, final int tcpFinSeconds, final int udpSeconds) {
            cfg().setTimeouts(tcpSeconds, tcpFinSeconds, udpSeconds);
            return this;
        }

        /**
         * Registers a health checker of the application's own, used by services with {@code --check NAME}.
         *
         * @param name the name ({@code tcp}, {@code http} and {@code udp} are built in)
         * @param checker the checker
         * @return this
         */
        public Builder healthChecker(final String name, final HealthChecker checker) {
            if (!name.matches("[a-z][a-z0-9_-]*")) {
                throw new IllegalArgumentException("checker name: '" + name + "' (expected: lower-case letters, "
                    + "digits, '-' and '_')");
            }
            checkers.put(name, Objects.requireNonNull(checker, "checker"));
            return this;
        }

        /**
         * Adds a listener of health transitions.
         *
         * @param listener the listener
         * @return this
         */
        public Builder healthListener(final HealthListener listener) {
            healthListeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Where schedulers are found by name; default: the class path's.
         *
         * @param r the registry
         * @return this
         */
        public Builder schedulerRegistry(final SchedulerRegistry r) {
            if (configBuilder != null) {
                throw new IllegalStateException("schedulerRegistry must be set before services");
            }
            this.registry = Objects.requireNonNull(r, "registry");
            return this;
        }

        /**
         * The transport itself (overrides {@link #transport(String)}); default: {@code auto}.
         *
         * @param t the transport
         * @return this
         */
        public Builder transport(final Transport t) {
            this.transport = Objects.requireNonNull(t, "transport");
            return this;
        }

        /**
         * The transport by name, found by {@link ServiceLoader} when the director starts: {@code nio}, {@code epoll}
         * or {@code auto} (the default: the available transport of highest {@link Transport#priority()}, so epoll on
         * Linux with Java 22+ and native access enabled, else NIO; the start-up log line says which and why). A
         * named transport that is missing or cannot run here fails {@link LoadBalancer#start()} with the reason.
         * Overridden by {@link #transport(Transport)}.
         *
         * @param name {@code nio}, {@code epoll} or {@code auto} (any case)
         * @return this
         * @throws IllegalArgumentException if the name is none of these
         */
        public Builder transport(final String name) {
            this.transportName = TransportChoice.checkName(name);
            this.transport = null;
            return this;
        }

        /**
         * The clock (tests may inject one).
         *
         * @param c the clock
         * @return this
         */
        public Builder clock(final Ticker c) {
            this.clock = Objects.requireNonNull(c, "clock");
            return this;
        }

        /**
         * Randomness for randomised schedulers.
         *
         * @param r the source
         * @return this
         */
        public Builder random(final RandomSource r) {
            this.random = Objects.requireNonNull(r, "random");
            return this;
        }

        /**
         * The engine options at once.
         *
         * @return the options builder to change (it belongs to this builder)
         */
        public DirectorOptions.Builder options() {
            return options;
        }

        /**
         * Event loops (threads); default: available processors.
         *
         * @param n 1..256
         * @return this
         */
        public Builder eventLoops(final int n) {
            options.eventLoops(n);
            return this;
        }

        /**
         * Relay buffer size.
         *
         * @param bytes 1 KiB..16 MiB
         * @return this
         */
        public Builder bufferSize(final int bytes) {
            options.bufferSize(bytes);
            return this;
        }

        /**
         * Connect timeout.
         *
         * @param d the timeout
         * @return this
         */
        public Builder connectTimeout(final Duration d) {
            options.connectTimeout(d);
            return this;
        }

        /**
         * Retries on other servers after a failed connect.
         *
         * @param n 0..16
         * @return this
         */
        public Builder connectRetries(final int n) {
            options.connectRetries(n);
            return this;
        }

        /**
         * Drain time of {@link LoadBalancer#close()}.
         *
         * @param d the time
         * @return this
         */
        public Builder drainTimeout(final Duration d) {
            options.drainTimeout(d);
            return this;
        }

        /**
         * Lets this director's listeners join a VIP:port another listener holds with {@code SO_REUSEPORT}
         * ({@code --reuse-port-share}); default off: such a port fails with a clear error.
         *
         * @param on the setting
         * @return this
         */
        public Builder reusePortShare(final boolean on) {
            options.reusePortShare(on);
            return this;
        }

        /**
         * The relay's direct-memory budget; 0 (default) for half of the JVM's direct-memory limit.
         *
         * @param bytes 0, or 64 KiB..1 TiB
         * @return this
         */
        public Builder relayBufferBudget(final long bytes) {
            options.relayBufferBudget(bytes);
            return this;
        }

        /**
         * Checks the whole configuration and builds the director (not started). Besides what each call checked
         * already (option names and values, schedulers, sorry files, loops through the director), every
         * {@code --check} must now name a built-in checker ({@code tcp}, {@code http}, {@code udp}), {@code none}
         * or one registered with {@link #healthChecker}.
         *
         * @return the director
         * @throws LvsException naming the service (and the rules line it came from) and what is wrong; nothing is
         *     built then
         */
        public LoadBalancer build() {
            final DirectorConfig c = cfg().build();
            for (final VirtualServiceConfig s : c.services()) {
                final Integer line = ruleLines.get(s.key());
                try {
                    DirectorConfig.EMPTY.toBuilder(checks()).addService(s);
                } catch (final LvsException e) {
                    throw new LvsException("service " + s.key() + (line == null ? "" : " (rules line " + line + ")")
                        + ": " + e.getMessage());
                }
            }
            config = c;
            return new LoadBalancer(this);
        }
    }

    /** Flows offered to {@link #importFlows} that the transport could not import at all. */
    private final java.util.concurrent.atomic.AtomicLong flowsUnsupported =
        new java.util.concurrent.atomic.AtomicLong();
    /** Whether {@link #importFlows} has said once that the transport cannot import (set under CAS, read anywhere). */
    private final java.util.concurrent.atomic.AtomicBoolean importUnsupportedLogged =
        new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Installs flows another director placed (a sync master's UDP flows, at takeover) into the running engine's
     * flow tables: each client's next datagram continues to the real server it had, and {@code -Lnc} lists the
     * flow with its remaining timeout. Flows whose service or real server is gone or down are dropped and counted
     * in the result. A transport that cannot import flows ({@link TransportEngine#importFlows}'s default) takes
     * none: that is logged once per load balancer and counted ({@link #flowImportsUnsupported()}), and such
     * flows are scheduled afresh when their clients return. Thread-safe; blocks until every event loop has taken
     * its flows.
     *
     * @param flows the flows
     * @return what happened to each flow; {@link io.jlvs.core.transport.FlowImportResult#imported()} is how many
     *     were taken
     * @throws IllegalStateException before {@link #start()} or after {@link #close()}
     */
    public io.jlvs.core.transport.FlowImportResult importFlows(
        final List<io.jlvs.core.transport.FlowImport> flows) {
        final TransportEngine e = engine;
        synchronized (this) {
            if (e == null || closed) {
                throw new IllegalStateException("importFlows: the load balancer is not running");
            }
        }
        final io.jlvs.core.transport.FlowImportResult r = e.importFlows(List.copyOf(flows));
        if (r.unsupported() > 0) {
            flowsUnsupported.addAndGet(r.unsupported());
            if (importUnsupportedLogged.compareAndSet(false, true)) {
                org.slf4j.LoggerFactory.getLogger(LoadBalancer.class).warn("the transport engine {} could not import "
                    + "{} synced flow(s) (it has no flow import, or not for their protocol); their clients are "
                    + "scheduled afresh when they return", e.getClass().getSimpleName(), r.unsupported());
            }
        }
        return r;
    }

    /**
     * How many flows {@link #importFlows} could not import because the transport (or the protocol) does not support
     * it, over this load balancer's life.
     *
     * @return the count
     */
    public long flowImportsUnsupported() {
        return flowsUnsupported.get();
    }
}
