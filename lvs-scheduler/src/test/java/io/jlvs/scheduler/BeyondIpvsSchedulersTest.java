package io.jlvs.scheduler;

import io.jlvs.core.sched.Explanation;
import io.jlvs.core.sched.Flows;
import io.jlvs.core.sched.SchedulerContext;
import io.jlvs.core.service.Lease;
import io.jlvs.core.service.RealServer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BeyondIpvsSchedulersTest {
    @Test
    void swrrShouldSpreadPicksWithoutBursts() {
        final Fixture f = new Fixture("swrr");
        f.add("C", 1);
        f.add("B", 1);
        f.add("A", 5); // list A B C
        assertEquals("A A B A C A A A A B A C A A", f.picks(14));
    }

    @Test
    void swrrShouldReduceByGcdAndSkipOverloaded() {
        final Fixture f = new Fixture("swrr");
        f.add("B", 200, 1);
        f.add("A", 400); // same cycle as 2:1
        assertEquals("A B A A B A", f.picks(6));
        f.server("B").bindConnection();
        assertEquals("A A A A", f.picks(4));
        f.weight("A", 0);
        assertEquals("-", f.picks(1));
    }

    @Test
    void p2cShouldPreferFewerActiveConnectionsPerWeight() {
        final Fixture f = new Fixture("p2c");
        f.add("A", 1);
        f.add("B", 1);
        f.add("C", 2); // eligible order C B A
        Fixture.load(f.server("C"), 3, 0);
        f.randoms.add(0); // C
        f.randoms.add(0); // second draw among the other two: 0 -> B
        assertEquals("B", f.picks(1)); // B 1/(0+1) beats C 2/(3+1)
        Fixture.load(f.server("B"), 3, 0);
        f.randoms.add(1); // B
        f.randoms.add(0); // C
        assertEquals("C", f.picks(1)); // C 2/4 beats B 1/4
        f.randoms.add(2); // A
        f.randoms.add(1); // draws index 1 of the others -> B
        assertEquals("A", f.picks(1));
    }

    @Test
    void p2cShouldHandleOneOrNoEligibleServer() {
        final Fixture f = new Fixture("p2c");
        assertEquals("-", f.picks(1));
        f.add("A", 0);
        f.add("B", 1);
        assertEquals("B B", f.picks(2)); // no random draw needed
        assertThrows(IllegalArgumentException.class,
            () -> Schedulers.powerOfTwoChoices(SchedulerContext.defaults(), -1));
    }

    @Test
    void peakEwmaShouldPreferLowerLatencyAndReactToPeaksAtOnce() {
        final Fixture f = new Fixture("peak-ewma");
        final RealServer a = f.add("A", 1);
        final RealServer b = f.add("B", 1);
        final PeakEwma s = (PeakEwma) f.service.scheduler();
        s.observeLatency(a, 1_000_000);
        s.observeLatency(b, 5_000_000);
        f.randoms.add(0);
        f.randoms.add(0); // B vs A
        assertEquals("A", f.picks(1));
        s.observeLatency(a, 50_000_000); // a peak replaces the average at once
        assertEquals(50_000_000.0, s.averageNanos(a));
        f.randoms.add(0);
        f.randoms.add(0);
        assertEquals("B", f.picks(1));
        f.now += Duration.ofSeconds(10).toNanos(); // one time constant later a lower sample pulls it down
        s.observeLatency(a, 1_000_000);
        final double expected = 50_000_000.0 * Math.exp(-1) + 1_000_000 * (1 - Math.exp(-1));
        assertEquals(expected, s.averageNanos(a), 1.0);
    }

    @Test
    void peakEwmaShouldPenaliseBusyServerWithoutSamples() {
        final Fixture f = new Fixture("peak-ewma");
        final RealServer a = f.add("A", 1);
        f.add("B", 1);
        ((PeakEwma) f.service.scheduler()).observeLatency(a, 2_000_000);
        Fixture.load(f.server("B"), 1, 0);
        f.randoms.add(0);
        f.randoms.add(0);
        assertEquals("A", f.picks(1));
    }

    /** The O(1) draw (nothing overloaded) and the scan (an overloaded server present) pick alike. */
    @Test
    void peakEwmaShouldDrawTheSameServersWithOrWithoutAnOverloadedOne() {
        final Fixture fast = peakEwmaFixture(false);
        final Fixture scan = peakEwmaFixture(true);
        for (int r1 = 0; r1 < 3; r1++) {
            for (int r2 = 0; r2 < 2; r2++) {
                fast.randoms.add(r1);
                fast.randoms.add(r2);
                scan.randoms.add(r1);
                scan.randoms.add(r2);
                final String expected = new String[][] {{"D", "A"}, {"D", "A"}, {"A", "A"}}[r1][r2];
                assertEquals(expected, fast.picks(1), "draws " + r1 + ", " + r2);
                assertEquals(expected, scan.picks(1), "draws " + r1 + ", " + r2);
            }
        }
    }

    /** A (1 ms), B (weight 0), C (3 ms), D (2 ms); list order D C B A, eligible D C A; optionally E overloaded. */
    private static Fixture peakEwmaFixture(final boolean overloadedE) {
        final Fixture f = new Fixture("peak-ewma");
        final RealServer a = f.add("A", 1);
        f.add("B", 0);
        final RealServer c = f.add("C", 1);
        final RealServer d = f.add("D", 1);
        final PeakEwma s = (PeakEwma) f.service.scheduler();
        s.observeLatency(a, 1_000_000);
        s.observeLatency(c, 3_000_000);
        s.observeLatency(d, 2_000_000);
        if (overloadedE) {
            final RealServer e = f.add("E", 1, 1);
            Fixture.load(e, 1, 0);
            assertTrue(e.isOverloaded());
        }
        return f;
    }

    private static Map<String, Integer> spread(final Fixture f, final int keys) {
        final Map<String, Integer> m = new HashMap<>();
        for (int k = 0; k < keys; k++) {
            m.merge(f.pick(Flows.ofKey(k)), 1, Integer::sum);
        }
        return m;
    }

    @Test
    void ringAndRendezvousShouldKeepKeysAndHonourWeights() throws Exception {
        for (final String name : new String[] {"ring", "rendezvous"}) {
            final Fixture f = new Fixture(name);
            f.add("A", 1);
            f.add("B", 1);
            f.add("C", 2);
            assertEquals(f.pick(Flows.ofKey("user-42")), f.pick(Flows.ofKey("user-42")), name);
            final Map<String, Integer> m = spread(f, 40_000);
            assertTrue(Math.abs(m.get("C") - 20_000) < 2_000, name + " " + m);
            assertTrue(Math.abs(m.get("A") - 10_000) < 1_500, name + " " + m);
            final Map<Integer, String> before = new HashMap<>();
            for (int k = 0; k < 20_000; k++) {
                before.put(k, f.pick(Flows.ofKey(k)));
            }
            f.remove("A");
            for (int k = 0; k < 20_000; k++) {
                final String was = before.get(k);
                if (!was.equals("A")) {
                    assertEquals(was, f.pick(Flows.ofKey(k)), name + ": only A's keys may move");
                }
            }
        }
    }

    @Test
    void ringShouldWalkPastExcludedServers() {
        final Fixture f = new Fixture("ring");
        f.add("A", 1);
        f.add("B", 1, 1);
        f.server("B").bindConnection();
        for (int k = 0; k < 1000; k++) {
            assertEquals("A", f.pick(Flows.ofKey(k)));
        }
    }

    @Test
    void boundedShouldCapLoadAtFactorTimesShare() {
        final Fixture f = new Fixture("bounded");
        f.add("A", 1);
        f.add("B", 1);
        f.add("C", 1);
        final java.util.Map<String, Integer> held = new java.util.TreeMap<>();
        final Lease[] leases = new Lease[3000];
        for (int k = 0; k < 3000; k++) {
            leases[k] = f.service.acquire(Flows.ofKey(7)); // one hot key
            assertNotNull(leases[k], "lease " + k);
            held.merge(f.name(leases[k].server()), 1, Integer::sum);
        }
        // the hot key overflows to the other servers instead of piling onto one; the servers' own counts agree
        assertEquals(java.util.Set.of("A", "B", "C"), held.keySet(), "holders " + held);
        for (final RealServer s : f.servers) {
            final int n = held.get(f.name(s));
            assertEquals(n, s.activeConns(), f.name(s));
            assertTrue(n <= Math.ceil(1.25 * 3000 / 3) + 1, f.name(s) + " holds " + n + " of 3000: " + held);
        }
        for (final Lease l : leases) {
            l.close();
        }
        assertEquals(0, f.server("A").activeConns() + f.server("B").activeConns() + f.server("C").activeConns());
    }

    @Test
    void slowStartShouldRampNewServerWeightOverTheWindow() {
        final Fixture f = new Fixture("wrr");
        final SlowStart ss = Schedulers.slowStart(Schedulers.create("wrr", SchedulerContext.defaults()),
            SchedulerContext.of(0, f, bound -> 0), Duration.ofSeconds(100), 1.0, 0.1);
        final io.jlvs.core.service.VirtualService vs = new io.jlvs.core.service.VirtualService(
            f.service.config(), ss);
        final RealServer a = vs.addServer(io.jlvs.core.config.RealServerConfig.builder("10.0.0.1", 80).weight(10)
            .build());
        assertEquals(1, a.weight()); // starts at 10 %
        f.now += Duration.ofSeconds(50).toNanos();
        vs.schedule(Flows.ofKey(1));
        assertEquals(5, a.weight());
        final Explanation e = vs.scheduler().explain(Flows.ofKey(1));
        assertEquals(0.5, e.servers().get(0).weightFactor(), 1e-9);
        f.now += Duration.ofSeconds(60).toNanos();
        vs.schedule(Flows.ofKey(1));
        assertEquals(10, a.weight());
        assertEquals(1.0, a.weightFactor());
        vs.editServer(a.config().toBuilder().weight(0).build());
        vs.editServer(a.config().toBuilder().weight(8).build()); // back from 0: ramps again
        assertEquals(1, a.weight());
    }

    @Test
    void explainShouldNameWhyServersAreNotCandidates() {
        final Fixture f = new Fixture("wlc");
        f.add("A", 0);
        f.add("B", 1, 1);
        f.add("C", 1);
        f.server("B").bindConnection();
        final Explanation e = f.service.scheduler().explain(Flows.ofKey(1));
        assertEquals(f.server("C"), e.chosen());
        assertEquals(Explanation.Status.CANDIDATE, e.servers().get(0).status());
        assertEquals(Explanation.Status.OVERLOADED, e.servers().get(1).status());
        assertEquals(Explanation.Status.WEIGHT_ZERO, e.servers().get(2).status());
        assertTrue(e.toString().startsWith("wlc for key 1: 10.0.0.3:80\n"), e.toString());
    }
}
