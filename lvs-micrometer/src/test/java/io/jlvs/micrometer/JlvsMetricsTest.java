package io.jlvs.micrometer;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.listing.DirectorSnapshot;
import io.jlvs.core.listing.ServerSnapshot;
import io.jlvs.core.listing.ServiceSnapshot;
import io.jlvs.transport.nio.NioTransport;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JlvsMetricsTest {
    private static final Pattern SAMPLE = Pattern.compile("^([a-z_]+)\\{([^}]*)} (\\S+)$");
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closing(final T c) {
        closeables.add(c);
        return c;
    }

    private LoadBalancer start(final LoadBalancer.Builder b) throws Exception {
        final LoadBalancer lb = b.eventLoops(2).transport(new NioTransport()).build();
        closeables.add(() -> lb.close(Duration.ZERO));
        return lb.start();
    }

    static void waitFor(final String what, final BooleanSupplier condition) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    /** Parses the scrape into "name{labels}" to value, labels in the order written. */
    private static Map<String, Double> samples(final String scrape) {
        final Map<String, Double> out = new HashMap<>();
        for (final String line : scrape.split("\n")) {
            final Matcher m = SAMPLE.matcher(line);
            if (m.matches()) {
                final TreeSet<String> labels = new TreeSet<>(List.of(m.group(2).split(",")));
                out.put(m.group(1) + labels, Double.parseDouble(m.group(3)));
            }
        }
        return out;
    }

    private static String series(final String name, final String service, final String server) {
        final TreeSet<String> labels = new TreeSet<>();
        labels.add("service=\"" + service + "\"");
        if (server != null) {
            labels.add("server=\"" + server + "\"");
        }
        return name + labels;
    }

    @Test
    void prometheusScrapeShouldCarryTheNamedSeriesEqualToTheListing() throws Exception {
        final EchoBackend a = closing(new EchoBackend());
        final EchoBackend b = closing(new EchoBackend());
        final int dead = EchoBackend.deadPort();
        final int vport = EchoBackend.deadPort();
        final ServiceKey key = ServiceKey.tcp("127.0.0.1", vport);
        final LoadBalancer lb = start(LoadBalancer.builder().service(
            VirtualServiceConfig.builder(key).scheduler("rr").build(),
            RealServerConfig.builder("127.0.0.1", dead).build(),
            RealServerConfig.builder("127.0.0.1", a.port()).weight(2).build(),
            RealServerConfig.builder("127.0.0.1", b.port()).weight(3).build()).connectRetries(2));
        final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        final JlvsMetrics metrics = closing(new JlvsMetrics(lb));
        metrics.bindTo(registry);

        for (int i = 0; i < 6; i++) {
            assertEquals("hello" + i + "\n", EchoBackend.roundTrip(vport, "hello" + i + "\n"));
        }
        waitFor("connections to end", () -> lb.liveConnections() == 0);
        final String scrape = registry.scrape();
        final DirectorSnapshot snap = lb.snapshot();
        final Map<String, Double> s = samples(scrape);

        final String svc = "TCP 127.0.0.1:" + vport;
        final ServiceSnapshot ss = snap.services().get(0);
        // a connection redispatched after a failed connect is scheduled (and counted) again, as in IPVS
        assertEquals(6 + lb.counters().get("redispatches"), ss.stats().conns());
        assertEquals((double) ss.stats().conns(), s.get(series("jlvs_service_connections_total", svc, null)));
        assertEquals(7.0 * 6, s.get(series("jlvs_service_bytes_in_total", svc, null)));
        assertEquals(7.0 * 6, s.get(series("jlvs_service_bytes_out_total", svc, null)));
        assertEquals((double) ss.stats().inBytes(), s.get(series("jlvs_service_bytes_in_total", svc, null)));
        assertEquals((double) ss.stats().outBytes(), s.get(series("jlvs_service_bytes_out_total", svc, null)));
        assertEquals(0.0, s.get(series("jlvs_service_sorry", svc, null)));
        long connects = 0;
        for (final ServerSnapshot d : ss.servers()) {
            final String srv = d.config().addressAndPort();
            assertEquals((double) d.stats().conns(), s.get(series("jlvs_server_connections_total", svc, srv)), srv);
            assertEquals((double) d.activeConns(), s.get(series("jlvs_server_active_connections", svc, srv)), srv);
            assertEquals((double) d.inactiveConns(), s.get(series("jlvs_server_inactive_connections", svc, srv)),
                srv);
            assertEquals((double) d.weight(), s.get(series("jlvs_server_weight", svc, srv)), srv);
            assertEquals(1.0, s.get(series("jlvs_server_up", svc, srv)), srv);
            final double failures = s.get(series("jlvs_server_connect_failures_total", svc, srv));
            final double latencyCount = s.get(series("jlvs_server_connect_latency_seconds_count", svc, srv));
            if (d.config().port() == dead) {
                assertTrue(failures >= 1, "failures of the dead server: " + failures);
                assertEquals(0.0, latencyCount);
            } else {
                assertEquals(0.0, failures, srv);
                connects += (long) latencyCount;
            }
            assertNotNull(s.get(series("jlvs_server_connect_latency_seconds_sum", svc, srv)), srv);
            assertNotNull(s.get(series("jlvs_server_health_check_latency_seconds_count", svc, srv)), srv);
        }
        assertEquals(6, connects); // each client connection completed exactly one backend connect
        assertEquals(2.0, s.get(series("jlvs_server_weight", svc, "127.0.0.1:" + a.port())));
        assertEquals(3.0, s.get(series("jlvs_server_weight", svc, "127.0.0.1:" + b.port())));
        // the listing and the counters agree on the failures the engine saw
        double failed = 0;
        for (final ServerSnapshot d : ss.servers()) {
            failed += s.get(series("jlvs_server_connect_failures_total", svc, d.config().addressAndPort()));
        }
        assertEquals((double) lb.counters().get("connect_failures"), failed);

        for (final String family : List.of("jlvs_service_connections_total counter",
            "jlvs_server_connections_total counter", "jlvs_server_active_connections gauge",
            "jlvs_server_inactive_connections gauge", "jlvs_server_weight gauge", "jlvs_server_up gauge",
            "jlvs_service_bytes_in_total counter", "jlvs_service_bytes_out_total counter",
            "jlvs_server_connect_failures_total counter", "jlvs_server_connect_latency_seconds summary",
            "jlvs_server_health_check_latency_seconds summary", "jlvs_process_open_fds gauge",
            "jlvs_direct_memory_used_bytes gauge", "jlvs_connections_live gauge")) {
            assertTrue(scrape.contains("\n# TYPE " + family + "\n"), family + " in\n" + scrape);
        }
        assertTrue(s.keySet().stream().noneMatch(k -> k.contains("_total_total")), scrape);
    }

    @Test
    void healthShouldShowAsUpAndCheckResultAndLatency() throws Exception {
        final EchoBackend a = closing(new EchoBackend());
        final int dead = EchoBackend.deadPort();
        final int vport = EchoBackend.deadPort();
        final ServiceKey key = ServiceKey.tcp("127.0.0.1", vport);
        final LoadBalancer lb = start(LoadBalancer.builder().service(VirtualServiceConfig.builder(key)
                .option("check", "tcp").option("check-interval", "50").option("fall", "1").option("quorum", "2")
                .build(),
            RealServerConfig.builder("127.0.0.1", dead).build(),
            RealServerConfig.builder("127.0.0.1", a.port()).build()));
        final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        closing(new JlvsMetrics(lb)).bindTo(registry);
        final String svc = "TCP 127.0.0.1:" + vport;
        final String deadSeries = series("jlvs_server_up", svc, "127.0.0.1:" + dead);
        waitFor("the dead server down", () -> samples(registry.scrape()).get(deadSeries) == 0.0
            && samples(registry.scrape()).get(series("jlvs_server_health_check_passed", svc, "127.0.0.1:"
            + a.port())) == 1.0 && samples(registry.scrape()).get(series("jlvs_service_sorry", svc, null)) == 1.0);
        final Map<String, Double> s = samples(registry.scrape());
        assertEquals(1.0, s.get(series("jlvs_server_up", svc, "127.0.0.1:" + a.port())));
        assertEquals(1.0, s.get(series("jlvs_service_sorry", svc, null))); // 1 up, quorum 2
        assertEquals(0.0, s.get(series("jlvs_server_health_check_passed", svc, "127.0.0.1:" + dead)));
        assertTrue(s.get(series("jlvs_server_health_check_latency_seconds_count", svc, "127.0.0.1:" + a.port()))
            >= 1);
        // -Ln no longer lists the dead server: the metric still does, as down
        assertEquals(1, lb.snapshot().services().get(0).servers().size());
    }

    @Test
    void shouldFollowServicesAndServersAddedAndRemovedAtRuntime() throws Exception {
        final int vport = EchoBackend.deadPort();
        final ServiceKey key = ServiceKey.tcp("127.0.0.1", vport);
        final LoadBalancer lb = start(LoadBalancer.builder().service(VirtualServiceConfig.builder(key).build(),
            RealServerConfig.builder("127.0.0.1", 9001).build()));
        final SimpleMeterRegistry registry = new SimpleMeterRegistry();
        final JlvsMetrics metrics = new JlvsMetrics(lb);
        metrics.bindTo(registry);
        final String svc = key.toString();
        assertNotNull(registry.find("jlvs.server.weight").tags("service", svc, "server", "127.0.0.1:9001").gauge());
        assertNull(registry.find("jlvs.server.weight").tags("server", "127.0.0.1:9002").gauge());

        lb.addServer(key, RealServerConfig.builder("127.0.0.1", 9002).weight(7).build());
        assertEquals(7.0, registry.find("jlvs.server.weight").tags("service", svc, "server", "127.0.0.1:9002")
            .gauge().value());
        lb.weight(key, "127.0.0.1", 9002, 4);
        assertEquals(4.0, registry.find("jlvs.server.weight").tags("server", "127.0.0.1:9002").gauge().value());
        lb.deleteServer(key, InetAddress.getByName("127.0.0.1"), 9001);
        assertNull(registry.find("jlvs.server.weight").tags("server", "127.0.0.1:9001").gauge());
        assertNull(registry.find("jlvs.server.connections").tags("server", "127.0.0.1:9001").functionCounter());

        final int vport2 = EchoBackend.deadPort();
        final ServiceKey key2 = ServiceKey.tcp("127.0.0.1", vport2);
        lb.addService(VirtualServiceConfig.builder(key2).build());
        lb.addServer(key2, RealServerConfig.builder("127.0.0.1", 9003).build());
        assertNotNull(registry.find("jlvs.service.connections").tags("service", key2.toString()).functionCounter());
        assertNotNull(registry.find("jlvs.server.up").tags("service", key2.toString(), "server", "127.0.0.1:9003")
            .gauge());
        lb.deleteService(key2);
        assertNull(registry.find("jlvs.service.connections").tags("service", key2.toString()).functionCounter());
        assertNull(registry.find("jlvs.server.up").tags("service", key2.toString()).gauge());

        metrics.close();
        for (final Meter m : registry.getMeters()) {
            assertFalse(m.getId().getName().startsWith("jlvs."), m.getId().toString());
        }
        lb.addServer(key, RealServerConfig.builder("127.0.0.1", 9004).build()); // no longer followed
        assertTrue(registry.getMeters().isEmpty());
    }

    @Test
    void aFailingRegistryShouldNeverFailTheTableChange() throws Exception {
        final ServiceKey key = ServiceKey.tcp("127.0.0.1", EchoBackend.deadPort());
        final LoadBalancer lb = start(LoadBalancer.builder().service(VirtualServiceConfig.builder(key).build(),
            RealServerConfig.builder("127.0.0.1", 9001).build()));
        final SimpleMeterRegistry registry = new SimpleMeterRegistry();
        registry.config().meterFilter(new io.micrometer.core.instrument.config.MeterFilter() {
            @Override
            public Meter.Id map(final Meter.Id id) {
                if ("127.0.0.1:9005".equals(id.getTag("server"))) {
                    throw new IllegalStateException("this registry refuses 9005");
                }
                return id;
            }
        });
        closing(new JlvsMetrics(lb)).bindTo(registry);
        lb.addServer(key, RealServerConfig.builder("127.0.0.1", 9006).build());
        lb.addServer(key, RealServerConfig.builder("127.0.0.1", 9005).build()); // first in the list, refused
        assertEquals(3, lb.services().service(key).members().size());
        lb.editServer(key, RealServerConfig.builder("127.0.0.1", 9006).weight(3).build());
        assertEquals(3.0, registry.find("jlvs.server.weight").tags("server", "127.0.0.1:9006").gauge().value());
        assertTrue(registry.find("jlvs.server.weight").tags("server", "127.0.0.1:9005").meters().isEmpty());
        assertNotNull(registry.find("jlvs.server.weight").tags("server", "127.0.0.1:9001").gauge());
    }
}
