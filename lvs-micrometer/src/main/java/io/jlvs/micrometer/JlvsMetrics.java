package io.jlvs.micrometer;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.listing.ServerState;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.ServerList;
import io.jlvs.core.service.ServiceTable;
import io.jlvs.core.service.VirtualService;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Binds a running {@link LoadBalancer} to a Micrometer {@link MeterRegistry}: per service and per real server the
 * figures {@code ipvsadm -Ln --stats} and {@code -Ln} show, health, failed connects, connect and health-check
 * latency, and the process's open descriptors and direct memory.
 *
 * <pre>{@code
 * JlvsMetrics metrics = new JlvsMetrics(lb);
 * metrics.bindTo(registry);   // any registry: Prometheus, OTLP, JMX, ...
 * ...
 * metrics.close();            // removes every meter it registered
 * }</pre>
 *
 * <p>Meter names (as the Prometheus registry exposes them; other registries apply their own naming convention to
 * the dotted names): {@code jlvs_service_connections_total}, {@code jlvs_service_bytes_in_total},
 * {@code jlvs_service_bytes_out_total}, {@code jlvs_service_sorry} (tag {@code service}, for example {@code TCP 127.0.0.1:8080});
 * {@code jlvs_server_connections_total}, {@code jlvs_server_active_connections},
 * {@code jlvs_server_inactive_connections}, {@code jlvs_server_weight}, {@code jlvs_server_up},
 * {@code jlvs_server_connect_failures_total}, {@code jlvs_server_connect_latency_seconds} (summary),
 * {@code jlvs_server_health_check_latency_seconds} (summary), {@code jlvs_server_health_check_passed} (tags
 * {@code service} and {@code server}, for example {@code 127.0.0.1:9001}); {@code jlvs_connections_live},
 * {@code jlvs_process_open_fds}, {@code jlvs_process_max_fds}, {@code jlvs_direct_memory_used_bytes},
 * {@code jlvs_direct_buffers}.
 *
 * <p>Counters follow the director's statistics, so {@code ipvsadm -Z} (zeroing) shows as a counter reset, which
 * Prometheus's {@code rate()} handles. Services and servers added or removed at runtime are followed by re-binding
 * on change: the binder listens to the service table and registers the meters of a new service or server, and
 * removes those of a deleted one, when the change is made. A server health checking took out of rotation stays,
 * with {@code jlvs_server_up 0}.
 *
 * <p>Thread-safe: binding, re-binding and closing synchronise on this object (they run on the thread that
 * changes the table); meters read the director's lock-free counters at scrape time.
 */
public final class JlvsMetrics implements MeterBinder, AutoCloseable {
    /** Tag naming a service, as ipvsadm prints it: {@code TCP 127.0.0.1:8080}. */
    public static final String SERVICE_TAG = "service";
    /** Tag naming a real server: {@code 127.0.0.1:9001}. */
    public static final String SERVER_TAG = "server";

    private static final Logger LOG = LoggerFactory.getLogger(JlvsMetrics.class);

    private final LoadBalancer lb;
    private final List<Binding> bindings = new ArrayList<>();
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
    private boolean listening;
    private boolean closed;

    /** The meters bound to one registry. */
    private static final class Binding {
        final MeterRegistry registry;
        final List<Meter> director = new ArrayList<>();
        final Map<VirtualService, List<Meter>> services = new IdentityHashMap<>();
        final Map<VirtualService, Map<RealServer, List<Meter>>> servers = new IdentityHashMap<>();

        Binding(final MeterRegistry registry) {
            this.registry = registry;
        }
    }

    /**
     * Makes a binder for a director (started or not; meters read it live).
     *
     * @param lb the director
     */
    public JlvsMetrics(final LoadBalancer lb) {
        this.lb = Objects.requireNonNull(lb, "lb");
    }

    /**
     * Registers the meters in a registry, and from now on follows services and servers as they are added and
     * removed. May be called for several registries.
     *
     * @param registry the registry
     * @throws IllegalStateException if this binder was closed
     */
    @Override
    public synchronized void bindTo(final MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        if (closed) {
            throw new IllegalStateException("closed");
        }
        final Binding b = new Binding(registry);
        bindDirector(b);
        bindings.add(b);
        if (!listening) {
            lb.services().addListener(listener);
            listening = true;
        }
        sync(b);
    }

    /**
     * Stops following the director and removes every meter this binder registered.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        lb.services().removeListener(listener);
        for (final Binding b : bindings) {
            removeAll(b, b.director);
            for (final List<Meter> m : b.services.values()) {
                removeAll(b, m);
            }
            for (final Map<RealServer, List<Meter>> m : b.servers.values()) {
                for (final List<Meter> l : m.values()) {
                    removeAll(b, l);
                }
            }
        }
        bindings.clear();
    }

    /** Called on the thread that changed the table: a failure here is logged, never thrown into the change. */
    private synchronized void sync() {
        if (closed) {
            return;
        }
        for (final Binding b : bindings) {
            try {
                sync(b);
            } catch (final RuntimeException e) {
                LOG.warn("re-binding JLVS meters to {} failed", b.registry.getClass().getSimpleName(), e);
            }
        }
    }

    private void sync(final Binding b) {
        final Map<VirtualService, Boolean> live = new IdentityHashMap<>();
        for (final VirtualService s : lb.services().services()) {
            live.put(s, Boolean.TRUE);
        }
        for (final Iterator<Map.Entry<VirtualService, List<Meter>>> it = b.services.entrySet().iterator();
            it.hasNext();) {
            final Map.Entry<VirtualService, List<Meter>> e = it.next();
            final VirtualService s = e.getKey();
            if (!live.containsKey(s)) {
                removeAll(b, e.getValue());
                it.remove();
                final Map<RealServer, List<Meter>> gone = b.servers.remove(s);
                if (gone != null) {
                    for (final List<Meter> l : gone.values()) {
                        removeAll(b, l);
                    }
                }
            }
        }
        for (final VirtualService s : lb.services().services()) {
            if (!b.services.containsKey(s)) {
                final List<Meter> m = new ArrayList<>();
                b.services.put(s, m);
                guarded(b, m, s.key().toString(), () -> bindService(b.registry, s, m));
            }
            final Map<RealServer, List<Meter>> have = b.servers.computeIfAbsent(s, k -> new IdentityHashMap<>());
            final ServerList members = s.members();
            for (final Iterator<Map.Entry<RealServer, List<Meter>>> it = have.entrySet().iterator(); it.hasNext();) {
                final Map.Entry<RealServer, List<Meter>> e = it.next();
                if (members.indexOf(e.getKey()) < 0) {
                    removeAll(b, e.getValue());
                    it.remove();
                }
            }
            for (int i = 0; i < members.size(); i++) {
                final RealServer r = members.get(i);
                if (!have.containsKey(r)) {
                    final List<Meter> m = new ArrayList<>();
                    have.put(r, m);
                    guarded(b, m, s.key() + " " + r.addressAndPort(), () -> bindServer(b.registry, s, r, m));
                }
            }
        }
    }

    /**
     * Registers one service's or server's meters; if the registry refuses one (a meter filter that throws, a name
     * clash), those already registered are removed again and the rest of the table is still bound.
     */
    private static void guarded(final Binding b, final List<Meter> meters, final String what, final Runnable bind) {
        try {
            bind.run();
        } catch (final RuntimeException e) {
            removeAll(b, meters);
            LOG.warn("{}: the registry refused its JLVS meters; it has none", what, e);
        }
    }

    private static void removeAll(final Binding b, final List<Meter> meters) {
        for (final Meter m : meters) {
            b.registry.remove(m);
        }
        meters.clear();
    }

    private void bindDirector(final Binding b) {
        final MeterRegistry reg = b.registry;
        b.director.add(Gauge.builder("jlvs.connections.live", lb, LoadBalancer::liveConnections)
            .description("Proxied connections that hold sockets").register(reg));
        final OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean) {
            final com.sun.management.UnixOperatingSystemMXBean unix = (com.sun.management.UnixOperatingSystemMXBean) os;
            b.director.add(Gauge.builder("jlvs.process.open.fds", unix,
                com.sun.management.UnixOperatingSystemMXBean::getOpenFileDescriptorCount)
                .description("File descriptors the process has open").register(reg));
            b.director.add(Gauge.builder("jlvs.process.max.fds", unix,
                com.sun.management.UnixOperatingSystemMXBean::getMaxFileDescriptorCount)
                .description("The process's descriptor limit").register(reg));
        }
        for (final BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if ("direct".equals(pool.getName())) {
                b.director.add(Gauge.builder("jlvs.direct.memory.used", pool, BufferPoolMXBean::getMemoryUsed)
                    .baseUnit("bytes").description("Direct (off-heap) buffer memory in use").register(reg));
                b.director.add(Gauge.builder("jlvs.direct.buffers", pool, BufferPoolMXBean::getCount)
                    .description("Direct buffers allocated").register(reg));
            }
        }
    }

    private static void bindService(final MeterRegistry reg, final VirtualService s, final List<Meter> m) {
        final Tags tags = Tags.of(SERVICE_TAG, s.key().toString());
        m.add(counter(reg, "jlvs.service.connections", "Connections scheduled", tags, s,
            v -> v.stats().snapshot().conns()));
        m.add(counter(reg, "jlvs.service.bytes.in", "Bytes from clients to real servers", tags, s,
            v -> v.stats().snapshot().inBytes()));
        m.add(counter(reg, "jlvs.service.bytes.out", "Bytes from real servers to clients", tags, s,
            v -> v.stats().snapshot().outBytes()));
        m.add(gauge(reg, "jlvs.service.sorry", "1 while the service lost quorum and answers with its sorry response",
            tags, s, v -> v.inSorryMode() ? 1 : 0));
    }

    private static void bindServer(final MeterRegistry reg, final VirtualService s, final RealServer r,
        final List<Meter> m) {
        final Tags tags = Tags.of(SERVICE_TAG, s.key().toString(), SERVER_TAG, r.addressAndPort());
        m.add(counter(reg, "jlvs.server.connections", "Connections scheduled to the server", tags, r,
            x -> x.stats().snapshot().conns()));
        m.add(counter(reg, "jlvs.server.connect.failures", "Failed connects of real traffic", tags, r,
            RealServer::connectFailuresTotal));
        m.add(gauge(reg, "jlvs.server.active.connections", "ActiveConn", tags, r, RealServer::activeConns));
        m.add(gauge(reg, "jlvs.server.inactive.connections", "InActConn", tags, r, RealServer::inactiveConns));
        m.add(gauge(reg, "jlvs.server.weight", "The weight schedulers use (as -Ln shows it)", tags, r,
            RealServer::weight));
        m.add(gauge(reg, "jlvs.server.up", "1 if health checking has the server up, else 0", tags, r,
            x -> ServerState.of(s, x).healthy() ? 1 : 0));
        m.add(gauge(reg, "jlvs.server.health.check.passed", "1 if the last health check passed, 0 if it failed, "
            + "NaN before the first", tags, r, x -> {
                final RealServer.LastCheck c = x.lastCheck();
                return c == null ? Double.NaN : c.passed() ? 1 : 0;
            }));
        m.add(FunctionTimer.builder("jlvs.server.connect.latency", r, x -> x.connectLatency().count(),
            x -> x.connectLatency().totalNanos(), TimeUnit.NANOSECONDS).tags(tags)
            .description("Time from connect to connected, for real traffic").register(reg));
        m.add(TimeGauge.builder("jlvs.server.connect.latency.max", r, TimeUnit.NANOSECONDS,
            x -> x.connectLatency().maxNanos()).tags(tags).description("Slowest connect so far").register(reg));
        m.add(FunctionTimer.builder("jlvs.server.health.check.latency", r, x -> x.checkLatency().count(),
            x -> x.checkLatency().totalNanos(), TimeUnit.NANOSECONDS).tags(tags)
            .description("Time a health check took to give its result").register(reg));
    }

    private static <T> Meter counter(final MeterRegistry reg, final String name, final String description,
        final Tags tags, final T obj, final ToDoubleFunction<T> f) {
        return FunctionCounter.builder(name, obj, f).tags(tags).description(description).register(reg);
    }

    private static <T> Meter gauge(final MeterRegistry reg, final String name, final String description,
        final Tags tags, final T obj, final ToDoubleFunction<T> f) {
        return Gauge.builder(name, obj, f).tags(tags).description(description).register(reg);
    }
}
