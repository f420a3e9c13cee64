package io.jlvs.core.config;

import io.jlvs.core.internal.sched.DefaultSchedulerRegistry;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * The whole configuration of a director: its virtual services (in the order they were added), each one's real
 * servers in IPVS list order (the most recently added first, which is the order schedulers walk), and the
 * connection timeouts.
 *
 * <p>Two configurations are equal when they have the same services with the same settings, the same servers in
 * the same order, and the same timeouts; the order of services does not matter (services are found by key).
 *
 * <p>Immutable.
 */
public final class DirectorConfig {
    /** A configuration with no services and IPVS's default timeouts. */
    public static final DirectorConfig EMPTY = new DirectorConfig(new LinkedHashMap<>(), Timeouts.DEFAULTS);

    private final Map<ServiceKey, Entry> services;
    private final Timeouts timeouts;

    private DirectorConfig(final Map<ServiceKey, Entry> services, final Timeouts timeouts) {
        this.services = Collections.unmodifiableMap(services);
        this.timeouts = timeouts;
    }

    /**
     * Starts a builder from this configuration, checking scheduler names against the default registry.
     *
     * @return a builder
     */
    public Builder toBuilder() {
        return toBuilder(DefaultSchedulerRegistry.get()::contains);
    }

    /**
     * Starts a builder from this configuration that knows the built-in health checkers only and recognises local
     * addresses by their form ({@link Checks#of}).
     *
     * @param knownScheduler says whether a scheduler name exists
     * @return a builder
     */
    public Builder toBuilder(final Predicate<String> knownScheduler) {
        return new Builder(this, Checks.of(knownScheduler));
    }

    /**
     * Starts a builder from this configuration.
     *
     * @param checks what the builder checks each command against
     * @return a builder
     */
    public Builder toBuilder(final Checks checks) {
        return new Builder(this, checks);
    }

    /**
     * What a {@link Builder} checks each command against, beyond the fields themselves: which scheduler and health
     * checker names exist, and which addresses are this host's own (a real server there, on the port of a
     * virtual service that listens on every address, would loop through the director).
     *
     * <p>Immutable if the predicates are.
     *
     * @param knownScheduler says whether a scheduler name exists
     * @param knownChecker says whether a health checker name exists ({@code none} is always accepted)
     * @param localAddress says whether an address is one of this host's
     * @param files whether a {@code --sorry-file} must name a readable regular file now
     */
    public record Checks(Predicate<String> knownScheduler, Predicate<String> knownChecker,
        Predicate<InetAddress> localAddress, boolean files) {
        /** The names of the built-in health checkers. */
        public static final java.util.Set<String> BUILT_IN_CHECKERS = java.util.Set.of("tcp", "http", "udp");

        /**
         * Every name accepted, no file looked at, addresses local by their form only: for copying a configuration
         * that was checked before (such as a running table's).
         */
        public static final Checks NONE = new Checks(n -> true, n -> true, Checks::formLocal, false);

        /**
         * Checks the fields.
         *
         * @param knownScheduler says whether a scheduler name exists
         * @param knownChecker says whether a health checker name exists
         * @param localAddress says whether an address is one of this host's
         * @param files whether sorry files are looked at
         */
        public Checks {
            Objects.requireNonNull(knownScheduler, "knownScheduler");
            Objects.requireNonNull(knownChecker, "knownChecker");
            Objects.requireNonNull(localAddress, "localAddress");
        }

        /**
         * Checks with the built-in health checkers only, and local addresses recognised by their form only
         * ({@link #formLocal}): what a rules file can be checked against on any host.
         *
         * @param knownScheduler says whether a scheduler name exists
         * @return the checks
         */
        public static Checks of(final Predicate<String> knownScheduler) {
            return new Checks(knownScheduler, BUILT_IN_CHECKERS::contains, Checks::formLocal, true);
        }

        /**
         * Whether an address is local by its form alone: the wildcard address or a loopback address.
         *
         * @param a the address
         * @return true for 0.0.0.0, ::, 127.0.0.0/8 and ::1
         */
        public static boolean formLocal(final InetAddress a) {
            return a.isAnyLocalAddress() || a.isLoopbackAddress();
        }

        /**
         * Whether an address is local by its form ({@link #formLocal}) or is assigned to one of this host's network
         * interfaces now.
         *
         * @param a the address
         * @return true if local
         */
        public static boolean hostLocal(final InetAddress a) {
            if (formLocal(a)) {
                return true;
            }
            try {
                return java.net.NetworkInterface.getByInetAddress(a) != null;
            } catch (final java.net.SocketException e) {
                return false;
            }
        }
    }

    /**
     * The services in the order they were added.
     *
     * @return an unmodifiable list
     */
    public List<VirtualServiceConfig> services() {
        final List<VirtualServiceConfig> out = new ArrayList<>(services.size());
        for (final Entry e : services.values()) {
            out.add(e.service);
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * One service.
     *
     * @param key its key
     * @return the service, or null if there is none
     */
    public VirtualServiceConfig service(final ServiceKey key) {
        final Entry e = services.get(key);
        return e == null ? null : e.service;
    }

    /**
     * A service's real servers in IPVS list order (most recently added first).
     *
     * @param key the service
     * @return an unmodifiable list, empty if the service does not exist
     */
    public List<RealServerConfig> servers(final ServiceKey key) {
        final Entry e = services.get(key);
        return e == null ? List.of() : e.servers;
    }

    /**
     * The connection timeouts.
     *
     * @return the timeouts
     */
    public Timeouts timeouts() {
        return timeouts;
    }

    @Override
    public boolean equals(final Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof DirectorConfig)) {
            return false;
        }
        final DirectorConfig d = (DirectorConfig) o;
        return services.equals(d.services) && timeouts.equals(d.timeouts);
    }

    @Override
    public int hashCode() {
        return Objects.hash(services, timeouts);
    }

    @Override
    public String toString() {
        final StringBuilder sb = new StringBuilder();
        for (final Entry e : services.values()) {
            sb.append(e.service).append('\n');
            for (final RealServerConfig r : e.servers) {
                sb.append("  -> ").append(r).append('\n');
            }
        }
        return sb.append(timeouts.listing()).toString();
    }

    private static final class Entry {
        final VirtualServiceConfig service;
        final List<RealServerConfig> servers;

        Entry(final VirtualServiceConfig service, final List<RealServerConfig> servers) {
            this.service = service;
            this.servers = Collections.unmodifiableList(servers);
        }

        @Override
        public boolean equals(final Object o) {
            return o instanceof Entry && ((Entry) o).service.equals(service) && ((Entry) o).servers.equals(servers);
        }

        @Override
        public int hashCode() {
            return service.hashCode() * 31 + servers.hashCode();
        }
    }

    /**
     * Changes a configuration with ipvsadm's commands and builds a new one; the configuration it started from is
     * never changed.
     *
     * <p>Not thread-safe.
     */
    public static final class Builder implements LvsControl {
        private final LinkedHashMap<ServiceKey, Entry> services;
        private final Checks checks;
        private Timeouts timeouts;

        private Builder(final DirectorConfig from, final Checks checks) {
            this.services = new LinkedHashMap<>(from.services);
            this.timeouts = from.timeouts;
            this.checks = Objects.requireNonNull(checks, "checks");
        }

        @Override
        public void addService(final VirtualServiceConfig service) {
            if (services.containsKey(service.key())) {
                throw new LvsException("Service already exists");
            }
            checkService(service);
            checkSorryServer(service);
            final ServiceKey k = service.key();
            for (final Entry e : services.values()) {
                if (e.service.key().protocol() != k.protocol()) {
                    continue;
                }
                final java.net.InetSocketAddress sorry = e.service.extensions().endpoint(Extensions.SORRY_SERVER);
                if (sorry != null && k.protocol() == io.jlvs.core.net.Protocol.TCP
                    && loops(k, sorry.getAddress(), sorry.getPort())) {
                    throw new LvsException("virtual service " + k + " is the --" + Extensions.SORRY_SERVER + " "
                        + Extensions.format(sorry) + " of " + e.service.key() + ": its sorry connections would loop "
                        + "through the director (expected: a virtual address and port that no sorry server of this "
                        + "director uses)");
                }
                for (final RealServerConfig r : e.servers) {
                    if (loops(k, r.address(), r.port())) {
                        throw new LvsException("virtual service " + k + " would receive the connections of "
                            + e.service.key() + ", whose real server " + r.addressAndPort() + " it "
                            + (k.address().isAnyLocalAddress() ? "covers (it listens on every local address)" : "is")
                            + ": they would loop through the director (expected: a virtual address and port that "
                            + "no real server of this director uses)");
                    }
                }
            }
            services.put(k, new Entry(service, new ArrayList<>()));
        }

        @Override
        public void editService(final VirtualServiceConfig service) {
            final Entry e = services.get(service.key());
            if (e == null) {
                throw new LvsException("No such service");
            }
            checkService(service);
            checkSorryServer(service);
            services.put(service.key(), new Entry(service, new ArrayList<>(e.servers)));
        }

        /** A TCP service's sorry server must not be a TCP service of this director (itself included). */
        private void checkSorryServer(final VirtualServiceConfig service) {
            final java.net.InetSocketAddress sorry = service.extensions().endpoint(Extensions.SORRY_SERVER);
            if (sorry == null || service.key().protocol() != io.jlvs.core.net.Protocol.TCP) {
                return;
            }
            final List<ServiceKey> keys = new ArrayList<>(services.keySet());
            keys.remove(service.key());
            keys.add(0, service.key());
            for (final ServiceKey k : keys) {
                if (k.protocol() == io.jlvs.core.net.Protocol.TCP && loops(k, sorry.getAddress(), sorry.getPort())) {
                    throw new LvsException("--" + Extensions.SORRY_SERVER + " " + Extensions.format(sorry) + ": "
                        + (k.equals(service.key()) ? "the virtual service itself" : "the virtual service " + k
                        + " of this director") + ": sorry connections would loop through the director (expected: "
                        + "an address and port that no TCP service of this director listens on)");
                }
            }
        }

        private void checkService(final VirtualServiceConfig service) {
            if (!checks.knownScheduler().test(service.scheduler())) {
                throw new LvsException("Scheduler or persistence engine not found");
            }
            final String check = service.extensions().text(Extensions.CHECK);
            if (check != null && !check.equals("none") && !checks.knownChecker().test(check)) {
                throw new LvsException("--" + Extensions.CHECK + " " + check + ": no health checker of that name "
                    + "(expected: tcp, http, udp, none, or a name registered with LoadBalancer.Builder.healthChecker)");
            }
            final java.nio.file.Path file = service.extensions().path(Extensions.SORRY_FILE);
            if (file != null && checks.files()) {
                final String problem = !java.nio.file.Files.exists(file) ? "no such file"
                    : !java.nio.file.Files.isRegularFile(file) ? "not a regular file"
                    : !java.nio.file.Files.isReadable(file) ? "not readable" : null;
                if (problem != null) {
                    throw new LvsException("--" + Extensions.SORRY_FILE + " " + file + ": " + problem
                        + " (expected: a readable regular file)");
                }
            }
        }

        /**
         * Whether a real server at address:port (of a service with the same protocol as key) is key's listener: the
         * same address, a local address when key is the wildcard, or the wildcard when key is a loopback address.
         */
        private boolean loops(final ServiceKey key, final InetAddress address, final int port) {
            if (key.port() != port) {
                return false;
            }
            if (key.address().equals(address)) {
                return true;
            }
            if (address.isAnyLocalAddress() && key.address().isLoopbackAddress()
                && key.isIpv6() == (address instanceof java.net.Inet6Address)) {
                return true; // a connection to the wildcard address reaches this host's loopback
            }
            return key.address().isAnyLocalAddress() && key.isIpv6() == (address instanceof java.net.Inet6Address)
                && checks.localAddress().test(address);
        }

        @Override
        public void deleteService(final ServiceKey key) {
            if (services.remove(key) == null) {
                throw new LvsException("No such service");
            }
        }

        @Override
        public void addServer(final ServiceKey key, final RealServerConfig server) {
            final Entry e = services.get(key);
            if (e == null) {
                throw new LvsException("Service not defined");
            }
            checkFamily(key, server.address());
            if (indexOf(e.servers, server.address(), server.port()) >= 0) {
                throw new LvsException("Destination already exists");
            }
            checkLoop(key, server);
            final List<RealServerConfig> list = new ArrayList<>(e.servers.size() + 1);
            list.add(server); // IPVS inserts a new destination at the head of the list
            list.addAll(e.servers);
            services.put(key, new Entry(e.service, list));
        }

        private static String how(final ServiceKey key, final InetAddress server) {
            return key.address().equals(server) ? "the address of" : key.address().isAnyLocalAddress()
                ? "a local address on the port of" : "the wildcard address (this host) on the port of";
        }

        private void checkLoop(final ServiceKey key, final RealServerConfig server) {
            if (loops(key, server.address(), server.port())) {
                throw new LvsException("real server " + server.addressAndPort() + " is "
                    + how(key, server.address()) + " the virtual service itself: every connection would loop through "
                    + "the director (expected: an address and port that no " + key.protocol().label()
                    + " service of this director listens on)");
            }
            for (final Entry other : services.values()) {
                final ServiceKey k = other.service.key();
                if (!k.equals(key) && k.protocol() == key.protocol() && loops(k, server.address(), server.port())) {
                    throw new LvsException("real server " + server.addressAndPort() + " is "
                        + how(k, server.address()) + " the virtual service " + k + " of this director: connections "
                        + "would loop through the director (expected: an address and port that no "
                        + key.protocol().label()
                        + " service of this director listens on)");
                }
            }
        }

        @Override
        public void editServer(final ServiceKey key, final RealServerConfig server) {
            final Entry e = services.get(key);
            if (e == null) {
                throw new LvsException("Service not defined");
            }
            final int i = indexOf(e.servers, server.address(), server.port());
            if (i < 0) {
                throw new LvsException("No such destination");
            }
            final List<RealServerConfig> list = new ArrayList<>(e.servers);
            list.set(i, server);
            services.put(key, new Entry(e.service, list));
        }

        @Override
        public void deleteServer(final ServiceKey key, final InetAddress address, final int port) {
            final Entry e = services.get(key);
            if (e == null) {
                throw new LvsException("Service not defined");
            }
            final int i = indexOf(e.servers, address, port);
            if (i < 0) {
                throw new LvsException("No such destination");
            }
            final List<RealServerConfig> list = new ArrayList<>(e.servers);
            list.remove(i);
            services.put(key, new Entry(e.service, list));
        }

        @Override
        public void clear() {
            services.clear();
        }

        @Override
        public void setTimeouts(final int tcpSeconds, final int tcpFinSeconds, final int udpSeconds) {
            timeouts = timeouts.with(tcpSeconds, tcpFinSeconds, udpSeconds);
        }

        /**
         * Builds the configuration.
         *
         * @return an immutable configuration
         */
        public DirectorConfig build() {
            return new DirectorConfig(new LinkedHashMap<>(services), timeouts);
        }

        private static int indexOf(final List<RealServerConfig> list, final InetAddress address, final int port) {
            for (int i = 0; i < list.size(); i++) {
                if (list.get(i).sameEndpoint(address, port)) {
                    return i;
                }
            }
            return -1;
        }

        static void checkFamily(final ServiceKey key, final InetAddress server) {
            if (key.isIpv6() != (server instanceof java.net.Inet6Address)) {
                throw new LvsException("Operation not supported with specified address family");
            }
        }
    }
}
