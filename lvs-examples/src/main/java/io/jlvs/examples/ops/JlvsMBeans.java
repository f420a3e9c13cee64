package io.jlvs.examples.ops;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.LvsException;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.listing.ServerState;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.ServerList;
import io.jlvs.core.service.ServiceTable;
import io.jlvs.core.service.VirtualService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;

/**
 * Registers a director's services and real servers as MXBeans under the {@value #DOMAIN} domain, and keeps them in
 * step with the service table: a service or server added at runtime gets its MBean when it is added, a removed
 * one loses it. What jconsole shows:
 *
 * <ul>
 *   <li>{@code io.jlvs:type=VirtualService,name="TCP 127.0.0.1:8080"}: {@link VirtualServiceMXBean};</li>
 *   <li>{@code io.jlvs:type=RealServer,service="TCP 127.0.0.1:8080",name="127.0.0.1:9001"}:
 *   {@link RealServerMXBean}, with the operations {@code changeWeight} and {@code drain}.</li>
 * </ul>
 *
 * <pre>{@code
 * JlvsMBeans jmx = JlvsMBeans.register(lb, ManagementFactory.getPlatformMBeanServer());
 * ...
 * jmx.close(); // unregisters them
 * }</pre>
 *
 * <p>Thread-safe: registration changes synchronise on this object and run on the thread that changes the table;
 * attribute reads go to the director's lock-free counters.
 */
public final class JlvsMBeans implements AutoCloseable {
    /** The JMX domain. */
    public static final String DOMAIN = "io.jlvs";

    private static final Logger LOG = LoggerFactory.getLogger(JlvsMBeans.class);

    private final LoadBalancer lb;
    private final MBeanServer server;
    private final Map<VirtualService, ObjectName> services = new IdentityHashMap<>();
    private final Map<RealServer, ObjectName> servers = new IdentityHashMap<>();
    private final ServiceTable.Listener listener = new ServiceTable.Listener() {
        @Override
        public void serviceAdded(final VirtualService service) {
            sync();
        }

        @Override
        public void serviceEdited(final VirtualService service, final VirtualServiceConfig previous) {
            sync();
        }

        @Override
        public void serviceRemoved(final VirtualService service) {
            sync();
        }

        @Override
        public void serversChanged(final VirtualService service) {
            if (service != null) {
                sync();
            }
        }
    };
    private boolean closed;

    private JlvsMBeans(final LoadBalancer lb, final MBeanServer server) {
        this.lb = lb;
        this.server = server;
    }

    /**
     * Registers the MBeans of every service and server, and follows changes.
     *
     * @param lb the director
     * @param server where to register them, usually {@code ManagementFactory.getPlatformMBeanServer()}
     * @return the registration, to close when the director stops
     */
    public static JlvsMBeans register(final LoadBalancer lb, final MBeanServer server) {
        final JlvsMBeans m = new JlvsMBeans(Objects.requireNonNull(lb, "lb"), Objects.requireNonNull(server,
            "server"));
        lb.services().addListener(m.listener);
        m.sync();
        return m;
    }

    /**
     * The name of a service's MBean.
     *
     * @param key the service
     * @return {@code io.jlvs:type=VirtualService,name="TCP 127.0.0.1:8080"}
     */
    public static ObjectName serviceName(final ServiceKey key) {
        return name("type=VirtualService,name=" + ObjectName.quote(key.toString()));
    }

    /**
     * The name of a real server's MBean.
     *
     * @param key its service
     * @param addressAndPort the server, as {@code -Ln} prints it
     * @return {@code io.jlvs:type=RealServer,service="TCP 127.0.0.1:8080",name="127.0.0.1:9001"}
     */
    public static ObjectName serverName(final ServiceKey key, final String addressAndPort) {
        return name("type=RealServer,service=" + ObjectName.quote(key.toString()) + ",name="
            + ObjectName.quote(addressAndPort));
    }

    private static ObjectName name(final String properties) {
        try {
            return new ObjectName(DOMAIN + ":" + properties);
        } catch (final MalformedObjectNameException e) {
            throw new IllegalArgumentException(properties, e);
        }
    }

    /** Unregisters every MBean this registration made and stops following the table. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        lb.services().removeListener(listener);
        for (final ObjectName n : servers.values()) {
            unregister(n);
        }
        for (final ObjectName n : services.values()) {
            unregister(n);
        }
        servers.clear();
        services.clear();
    }

    /** Called on the thread that changed the table: a failure here is logged, never thrown into the change. */
    private synchronized void sync() {
        if (closed) {
            return;
        }
        try {
            syncNow();
        } catch (final RuntimeException e) {
            LOG.warn("updating the JLVS MBeans failed", e);
        }
    }

    private void syncNow() {
        final Map<VirtualService, Boolean> liveServices = new IdentityHashMap<>();
        final Map<RealServer, VirtualService> liveServers = new IdentityHashMap<>();
        for (final VirtualService s : lb.services().services()) {
            liveServices.put(s, Boolean.TRUE);
            final ServerList m = s.members();
            for (int i = 0; i < m.size(); i++) {
                liveServers.put(m.get(i), s);
            }
        }
        for (final Iterator<Map.Entry<RealServer, ObjectName>> it = servers.entrySet().iterator(); it.hasNext();) {
            final Map.Entry<RealServer, ObjectName> e = it.next();
            final ObjectName n = e.getValue();
            if (!liveServers.containsKey(e.getKey())) {
                unregister(n);
                it.remove();
            }
        }
        for (final Iterator<Map.Entry<VirtualService, ObjectName>> it = services.entrySet().iterator();
            it.hasNext();) {
            final Map.Entry<VirtualService, ObjectName> e = it.next();
            final ObjectName n = e.getValue();
            if (!liveServices.containsKey(e.getKey())) {
                unregister(n);
                it.remove();
            }
        }
        for (final VirtualService s : liveServices.keySet()) {
            if (!services.containsKey(s)) {
                final ObjectName n = serviceName(s.key());
                if (register(new StandardMBean(new ServiceBean(s), VirtualServiceMXBean.class, true), n)) {
                    services.put(s, n);
                }
            }
        }
        for (final Map.Entry<RealServer, VirtualService> e : liveServers.entrySet()) {
            if (!servers.containsKey(e.getKey())) {
                final ObjectName n = serverName(e.getValue().key(), e.getKey().addressAndPort());
                if (register(new StandardMBean(new ServerBean(lb, e.getValue(), e.getKey()), RealServerMXBean.class,
                    true), n)) {
                    servers.put(e.getKey(), n);
                }
            }
        }
    }

    private boolean register(final Object bean, final ObjectName n) {
        try {
            if (server.isRegistered(n)) {
                server.unregisterMBean(n); // a stale registration of the same name (another director instance)
            }
            server.registerMBean(bean, n);
            return true;
        } catch (final JMException e) {
            LOG.warn("cannot register MBean {}", n, e);
            return false;
        }
    }

    private void unregister(final ObjectName n) {
        try {
            if (server.isRegistered(n)) {
                server.unregisterMBean(n);
            }
        } catch (final JMException e) {
            LOG.warn("cannot unregister MBean {}", n, e);
        }
    }

    /** A service's MBean; reads the live service. */
    private static final class ServiceBean implements VirtualServiceMXBean {
        private final VirtualService s;

        ServiceBean(final VirtualService s) {
            this.s = s;
        }

        @Override
        public String getService() {
            return s.key().toString();
        }

        @Override
        public String getScheduler() {
            return s.config().scheduler();
        }

        @Override
        public boolean isSorryMode() {
            return s.inSorryMode();
        }

        @Override
        public int getServerCount() {
            return s.members().size();
        }

        @Override
        public int getServersUp() {
            final ServerList m = s.members();
            int up = 0;
            for (int i = 0; i < m.size(); i++) {
                up += ServerState.of(s, m.get(i)).healthy() ? 1 : 0;
            }
            return up;
        }

        @Override
        public long getConnections() {
            return s.stats().snapshot().conns();
        }

        @Override
        public long getInBytes() {
            return s.stats().snapshot().inBytes();
        }

        @Override
        public long getOutBytes() {
            return s.stats().snapshot().outBytes();
        }

        @Override
        public long getConnectionsPerSecond() {
            return s.stats().snapshot().cps();
        }

        @Override
        public long getInBytesPerSecond() {
            return s.stats().snapshot().inBps();
        }

        @Override
        public long getOutBytesPerSecond() {
            return s.stats().snapshot().outBps();
        }
    }

    /** A real server's MBean; reads the live server, changes go through the director. */
    private static final class ServerBean implements RealServerMXBean {
        private final LoadBalancer lb;
        private final VirtualService s;
        private final RealServer r;

        ServerBean(final LoadBalancer lb, final VirtualService s, final RealServer r) {
            this.lb = lb;
            this.s = s;
            this.r = r;
        }

        @Override
        public String getService() {
            return s.key().toString();
        }

        @Override
        public String getServer() {
            return r.addressAndPort();
        }

        @Override
        public String getState() {
            return ServerState.of(s, r).label();
        }

        @Override
        public boolean isUp() {
            return ServerState.of(s, r).healthy();
        }

        @Override
        public int getWeight() {
            return r.weight();
        }

        @Override
        public int getConfiguredWeight() {
            return r.config().weight();
        }

        @Override
        public int getActiveConnections() {
            return r.activeConns();
        }

        @Override
        public int getInactiveConnections() {
            return r.inactiveConns();
        }

        @Override
        public int getPersistentConnections() {
            return r.persistConns();
        }

        @Override
        public long getConnections() {
            return r.stats().snapshot().conns();
        }

        @Override
        public long getInBytes() {
            return r.stats().snapshot().inBytes();
        }

        @Override
        public long getOutBytes() {
            return r.stats().snapshot().outBytes();
        }

        @Override
        public long getConnectionsPerSecond() {
            return r.stats().snapshot().cps();
        }

        @Override
        public long getConnectFailures() {
            return r.connectFailuresTotal();
        }

        @Override
        public double getConnectLatencyMeanMillis() {
            return r.connectLatency().meanNanos() / 1e6;
        }

        @Override
        public double getConnectLatencyMaxMillis() {
            return r.connectLatency().maxNanos() / 1e6;
        }

        @Override
        public String getLastCheck() {
            final RealServer.LastCheck c = r.lastCheck();
            return c == null ? "none" : (c.passed() ? "passed" : "failed") + " (" + c.check() + "): " + c.reason();
        }

        @Override
        public double getLastCheckLatencyMillis() {
            final RealServer.LastCheck c = r.lastCheck();
            return c == null || c.latencyNanos() < 0 ? -1 : c.latencyNanos() / 1e6;
        }

        @Override
        public void changeWeight(final int weight) {
            if (weight < 0 || weight > 65535) {
                throw new IllegalArgumentException("weight: " + weight + " (expected: 0..65535)");
            }
            try {
                lb.weight(s.key(), r.address().getHostAddress(), r.port(), weight);
            } catch (final LvsException e) {
                throw new IllegalArgumentException(getService() + " " + getServer() + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void drain() {
            changeWeight(0);
        }
    }
}
