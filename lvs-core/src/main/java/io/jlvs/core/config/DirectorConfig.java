package io.jlvs.core.config;

import io.jlvs.core.sched.SchedulerRegistry;

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
        return toBuilder(SchedulerRegistry.getDefault()::contains);
    }

    /**
     * Starts a builder from this configuration.
     *
     * @param knownScheduler says whether a scheduler name exists
     * @return a builder
     */
    public Builder toBuilder(final Predicate<String> knownScheduler) {
        return new Builder(this, knownScheduler);
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
        private final Predicate<String> knownScheduler;
        private Timeouts timeouts;

        private Builder(final DirectorConfig from, final Predicate<String> knownScheduler) {
            this.services = new LinkedHashMap<>(from.services);
            this.timeouts = from.timeouts;
            this.knownScheduler = Objects.requireNonNull(knownScheduler, "knownScheduler");
        }

        @Override
        public void addService(final VirtualServiceConfig service) {
            if (services.containsKey(service.key())) {
                throw new LvsException("Service already exists");
            }
            checkScheduler(service);
            services.put(service.key(), new Entry(service, new ArrayList<>()));
        }

        @Override
        public void editService(final VirtualServiceConfig service) {
            final Entry e = services.get(service.key());
            if (e == null) {
                throw new LvsException("No such service");
            }
            checkScheduler(service);
            services.put(service.key(), new Entry(service, new ArrayList<>(e.servers)));
        }

        private void checkScheduler(final VirtualServiceConfig service) {
            if (!knownScheduler.test(service.scheduler())) {
                throw new LvsException("Scheduler or persistence engine not found");
            }
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
            final List<RealServerConfig> list = new ArrayList<>(e.servers.size() + 1);
            list.add(server); // IPVS inserts a new destination at the head of the list
            list.addAll(e.servers);
            services.put(key, new Entry(e.service, list));
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
