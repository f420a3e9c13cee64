package io.jlvs.core.config;

import io.jlvs.core.net.Addresses;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The difference between two configurations, as a reload applies it: services added, removed and changed
 * (scheduler, flags, persistence, options), real servers added, removed and changed (weight, thresholds, options),
 * and whether the timeouts changed. A server of an added or removed service counts as added or removed too.
 * Services are in the order of the configuration that has them; servers in IPVS list order.
 *
 * <p>Immutable.
 *
 * @param addedServices services only the new configuration has
 * @param removedServices services only the old configuration has
 * @param changedServices services both have with different settings
 * @param addedServers servers only the new configuration has
 * @param removedServers servers only the old configuration has
 * @param changedServers servers both have with different settings
 * @param timeoutsChanged whether the timeouts differ
 */
public record ConfigDiff(List<ServiceKey> addedServices, List<ServiceKey> removedServices,
    List<ServiceKey> changedServices, List<Server> addedServers, List<Server> removedServers,
    List<Server> changedServers, boolean timeoutsChanged) {

    /**
     * Copies the lists.
     *
     * @param addedServices services only the new configuration has
     * @param removedServices services only the old configuration has
     * @param changedServices services both have with different settings
     * @param addedServers servers only the new configuration has
     * @param removedServers servers only the old configuration has
     * @param changedServers servers both have with different settings
     * @param timeoutsChanged whether the timeouts differ
     */
    public ConfigDiff {
        addedServices = List.copyOf(addedServices);
        removedServices = List.copyOf(removedServices);
        changedServices = List.copyOf(changedServices);
        addedServers = List.copyOf(addedServers);
        removedServers = List.copyOf(removedServers);
        changedServers = List.copyOf(changedServers);
    }

    /**
     * A real server of a service.
     *
     * <p>Immutable.
     *
     * @param service the service
     * @param address the server's address
     * @param port the server's port
     */
    public record Server(ServiceKey service, InetAddress address, int port) {
        /**
         * Checks the fields.
         *
         * @param service the service
         * @param address the server's address
         * @param port the server's port
         */
        public Server {
            Objects.requireNonNull(service, "service");
            Objects.requireNonNull(address, "address");
        }

        @Override
        public String toString() {
            return service + " -> " + Addresses.formatWithPort(address, port);
        }
    }

    /**
     * Computes what changes from one configuration to another.
     *
     * @param from the configuration now
     * @param to the wanted configuration
     * @return the difference
     */
    public static ConfigDiff between(final DirectorConfig from, final DirectorConfig to) {
        final List<ServiceKey> added = new ArrayList<>();
        final List<ServiceKey> removed = new ArrayList<>();
        final List<ServiceKey> changed = new ArrayList<>();
        final List<Server> addedServers = new ArrayList<>();
        final List<Server> removedServers = new ArrayList<>();
        final List<Server> changedServers = new ArrayList<>();
        for (final VirtualServiceConfig s : from.services()) {
            if (to.service(s.key()) == null) {
                removed.add(s.key());
                for (final RealServerConfig r : from.servers(s.key())) {
                    removedServers.add(new Server(s.key(), r.address(), r.port()));
                }
            }
        }
        for (final VirtualServiceConfig s : to.services()) {
            final VirtualServiceConfig old = from.service(s.key());
            if (old == null) {
                added.add(s.key());
            } else if (!old.equals(s)) {
                changed.add(s.key());
            }
            final List<RealServerConfig> was = from.servers(s.key());
            final List<RealServerConfig> now = to.servers(s.key());
            for (final RealServerConfig r : was) {
                if (find(now, r) == null) {
                    removedServers.add(new Server(s.key(), r.address(), r.port()));
                }
            }
            for (final RealServerConfig r : now) {
                final RealServerConfig before = find(was, r);
                if (before == null) {
                    addedServers.add(new Server(s.key(), r.address(), r.port()));
                } else if (!before.equals(r)) {
                    changedServers.add(new Server(s.key(), r.address(), r.port()));
                }
            }
        }
        return new ConfigDiff(added, removed, changed, addedServers, removedServers, changedServers,
            !from.timeouts().equals(to.timeouts()));
    }

    private static RealServerConfig find(final List<RealServerConfig> list, final RealServerConfig r) {
        for (final RealServerConfig c : list) {
            if (c.sameEndpoint(r.address(), r.port())) {
                return c;
            }
        }
        return null;
    }

    /**
     * Whether nothing changes.
     *
     * @return true for no difference
     */
    public boolean isEmpty() {
        return addedServices.isEmpty() && removedServices.isEmpty() && changedServices.isEmpty()
            && addedServers.isEmpty() && removedServers.isEmpty() && changedServers.isEmpty() && !timeoutsChanged;
    }

    /**
     * One line per change, for a log: {@code + TCP 10.0.0.1:80}, {@code - TCP 10.0.0.1:80 -> 10.0.0.2:80},
     * {@code ~ ...} for a change, {@code ~ timeouts}.
     *
     * @return the lines, empty when nothing changes
     */
    public List<String> lines() {
        final List<String> out = new ArrayList<>();
        addedServices.forEach(k -> out.add("+ " + k));
        removedServices.forEach(k -> out.add("- " + k));
        changedServices.forEach(k -> out.add("~ " + k));
        addedServers.forEach(s -> out.add("+ " + s));
        removedServers.forEach(s -> out.add("- " + s));
        changedServers.forEach(s -> out.add("~ " + s));
        if (timeoutsChanged) {
            out.add("~ timeouts");
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * Counts, for a log line: {@code services +1 -0 ~2, servers +3 -1 ~0, timeouts unchanged}.
     *
     * @return the summary
     */
    public String summary() {
        return "services +" + addedServices.size() + " -" + removedServices.size() + " ~" + changedServices.size()
            + ", servers +" + addedServers.size() + " -" + removedServers.size() + " ~" + changedServers.size()
            + ", timeouts " + (timeoutsChanged ? "changed" : "unchanged");
    }
}
