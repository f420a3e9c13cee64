package io.jlvs.core.listing;

import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.health.CheckResult;
import io.jlvs.core.health.HealthCheckConfig;
import io.jlvs.core.health.HealthMonitor;
import io.jlvs.core.sched.RandomSource;
import io.jlvs.core.sched.SchedulerRegistry;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.TestSchedulers;
import io.jlvs.core.service.VirtualService;
import io.jlvs.core.stats.LatencyStats;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The operational figures core keeps for metrics and the status page: state, check results, latencies. */
class ServerStateTest {
    private long now = 1_000_000_000L;

    private VirtualService service(final String... options) {
        final VirtualServiceConfig.Builder b = VirtualServiceConfig.builder(ServiceKey.tcp("10.0.0.1", 80))
            .scheduler("test");
        for (int i = 0; i < options.length; i += 2) {
            b.option(options[i], options[i + 1]);
        }
        final SchedulerRegistry reg = TestSchedulers.registry(new ArrayList<>(), "test");
        return new VirtualService(b.build(), reg, () -> now, RandomSource.THREAD_LOCAL);
    }

    @Test
    void shouldNameEachStateInPrecedenceOrder() {
        final VirtualService vs = service();
        final RealServer a = vs.addServer(RealServerConfig.builder("10.0.0.11", 80).build());
        assertEquals(ServerState.UP, ServerState.of(vs, a));
        assertTrue(ServerState.of(vs, a).healthy());

        vs.editServer(RealServerConfig.builder("10.0.0.11", 80).weight(0).build());
        assertEquals(ServerState.DRAINING, ServerState.of(vs, a));
        assertTrue(ServerState.of(vs, a).healthy());

        vs.editServer(RealServerConfig.builder("10.0.0.11", 80).weight(1).upperThreshold(1).build());
        a.bindConnection();
        assertEquals(ServerState.OVERLOADED, ServerState.of(vs, a));

        vs.inhibit(a, true);
        assertEquals(ServerState.INHIBITED, ServerState.of(vs, a));
        assertFalse(ServerState.of(vs, a).healthy());

        vs.rotation(a, false);
        assertEquals(ServerState.DOWN, ServerState.of(vs, a));
        assertEquals("down", ServerState.of(vs, a).label());

        vs.rotation(a, true);
        vs.inhibit(a, false);
        a.unbindConnection(false);
        assertEquals(ServerState.UP, ServerState.of(vs, a));
        vs.removeServer(a.address(), a.port());
        assertEquals(ServerState.DOWN, ServerState.of(vs, a));
    }

    @Test
    void shouldSummariseLatencies() {
        final LatencyStats l = new LatencyStats();
        assertEquals(0, l.count());
        assertEquals(-1, l.lastNanos());
        assertEquals(0.0, l.meanNanos());
        l.record(3_000);
        l.record(1_000);
        l.record(-5);
        assertEquals(3, l.count());
        assertEquals(4_000, l.totalNanos());
        assertEquals(3_000, l.maxNanos());
        assertEquals(0, l.lastNanos());
        assertEquals(4_000 / 3.0, l.meanNanos(), 1e-9);
    }

    @Test
    void shouldCountEveryFailedConnectWhileTheConsecutiveCountRestarts() {
        final RealServer s = RealServer.of("10.0.0.11", 80, 1);
        assertEquals(1, s.connectFailed());
        assertEquals(2, s.connectFailed());
        s.connectSucceeded();
        assertEquals(1, s.connectFailed());
        assertEquals(1, s.consecutiveConnectFailures());
        assertEquals(3, s.connectFailuresTotal());
    }

    @Test
    void shouldKeepTheLastCheckResultAndItsLatencyOnTheServer() {
        final VirtualService vs = service("check", "tcp", "rise", "1", "fall", "1");
        final RealServer a = vs.addServer(RealServerConfig.builder("10.0.0.11", 80).build());
        final List<String> events = new ArrayList<>();
        final HealthMonitor m = new HealthMonitor(vs, HealthCheckConfig.of(vs.config()),
            new java.util.concurrent.CopyOnWriteArrayList<>(List.of(e -> events.add(e.toString()))), null, now);
        assertNull(a.lastCheck());
        final long before = System.currentTimeMillis();
        m.result(a, "tcp", CheckResult.fail("connection refused"), 2_000_000, now);
        final RealServer.LastCheck c = a.lastCheck();
        assertFalse(c.passed());
        assertEquals("tcp", c.check());
        assertEquals("connection refused", c.reason());
        assertEquals(2_000_000, c.latencyNanos());
        assertTrue(c.atEpochMillis() >= before);
        assertEquals(ServerState.DOWN, ServerState.of(vs, a));
        assertEquals(1, events.size());

        m.result(a, "tcp", CheckResult.pass("connected in 1 ms"), 1_000_000, now);
        assertTrue(a.lastCheck().passed());
        assertEquals(ServerState.UP, ServerState.of(vs, a));
        assertEquals(2, a.checkLatency().count());
        assertEquals(3_000_000, a.checkLatency().totalNanos());

        m.result(a, "tcp", CheckResult.pass("connected"), now);
        assertEquals(-1, a.lastCheck().latencyNanos());
        assertEquals(2, a.checkLatency().count());
    }
}
