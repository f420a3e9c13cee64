package io.jlvs.scheduler;

import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.sched.Flows;
import io.jlvs.core.sched.ServerView;
import io.jlvs.core.sched.SchedulerRegistry;
import io.jlvs.core.service.RealServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RegistryAndConcurrencyTest {
    private static final List<String> ALL = List.of("rr", "wrr", "lc", "wlc", "sed", "nq", "dh", "sh", "lblc",
        "lblcr", "mh", "fo", "ovf", "twos", "swrr", "p2c", "peak-ewma", "ring", "rendezvous", "bounded");

    @Test
    void shouldRegisterEverySchedulerThroughServiceLoader() {
        final SchedulerRegistry r = io.jlvs.core.internal.sched.DefaultSchedulerRegistry.get();
        for (final String name : ALL) {
            assertTrue(r.contains(name), name);
            assertEquals(name, r.create(name, io.jlvs.core.sched.SchedulerContext.defaults()).name());
        }
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Schedulers.create("x"));
        assertTrue(e.getMessage().startsWith("scheduler: 'x' (expected one of: bounded dh fo lblc lblcr lc mh nq "),
            e.getMessage());
    }

    @Test
    void schedulersShouldListAndFindEveryNameItCanMake() {
        // Schedulers is the user's one lookup: what it lists, it knows and makes; what it does not know, it refuses
        assertEquals(new java.util.TreeSet<>(ALL), new java.util.TreeSet<>(Schedulers.names().keySet()));
        assertEquals("IPVS weighted least connection (ipvsadm's default)", Schedulers.names().get("wlc"));
        for (final String name : ALL) {
            assertTrue(Schedulers.isKnown(name), name);
            assertEquals(name, Schedulers.create(name).name());
        }
        assertFalse(Schedulers.isKnown("x"));
        assertThrows(UnsupportedOperationException.class, () -> Schedulers.names().put("x", "y"));
    }

    @Test
    void everySchedulerShouldReturnNothingForEmptyAndAllQuiescedLists() {
        for (final String name : ALL) {
            final Fixture f = new Fixture(name);
            for (int i = 0; i < 8; i++) {
                f.randoms.add(0);
            }
            assertNull(f.service.schedule(Fixture.client("192.168.0.1", 1)), name);
            f.add("A", 0);
            f.add("B", 0);
            assertNull(f.service.schedule(Fixture.client("192.168.0.1", 1)), name);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void everySchedulerShouldPickOnlyListedServersWhileTheListChanges() throws Exception {
        // fails if a scheduler answers with a server that is not in the list (a stale or torn view of it), throws
        // while the list changes under it, or loses a server; the list keeps changing until both pickers made
        // 200 picks each during the changes, so the pickers really ran against a changing list
        for (final String name : ALL) {
            final Fixture f = new Fixture(name);
            final io.jlvs.core.service.VirtualService vs = new io.jlvs.core.service.VirtualService(
                f.service.config(), Schedulers.create(name));
            for (int i = 1; i <= 8; i++) {
                vs.addServer(RealServerConfig.builder("10.0.1." + i, 80).weight(i).build());
            }
            final AtomicBoolean stop = new AtomicBoolean();
            final AtomicBoolean changing = new AtomicBoolean();
            final AtomicLong[] picksWhileChanging = {new AtomicLong(), new AtomicLong()};
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final Thread[] pickers = new Thread[2];
            for (int t = 0; t < pickers.length; t++) {
                final int seed = t;
                pickers[t] = new Thread(() -> {
                    try {
                        int k = seed;
                        while (!stop.get()) {
                            final ServerView s = vs.schedule(Fixture.client("192.168." + (k % 200) + ".1",
                                1000 + k % 5000));
                            if (s != null && !s.address().getHostAddress().startsWith("10.0.1.")) {
                                throw new AssertionError("foreign server " + s);
                            }
                            if (changing.get()) {
                                picksWhileChanging[seed].incrementAndGet();
                            }
                            k += 2;
                        }
                    } catch (final Throwable e) {
                        failure.set(e);
                    }
                });
                pickers[t].start();
            }
            changing.set(true);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            for (int round = 0; round < 200 || picksWhileChanging[0].get() < 200
                || picksWhileChanging[1].get() < 200; round++) {
                if (System.nanoTime() - deadline > 0 || failure.get() != null) {
                    break;
                }
                final int i = 1 + round % 8;
                final InetAddress a = InetAddress.getByName("10.0.1." + i);
                vs.removeServer(a, 80);
                vs.addServer(RealServerConfig.builder("10.0.1." + i, 80).weight(1 + round % 5).build());
                vs.editServer(RealServerConfig.builder("10.0.1." + i, 80).weight(round % 3).build());
            }
            stop.set(true);
            for (final Thread t : pickers) {
                t.join(10_000);
                assertFalse(t.isAlive(), name + ": a picker still running 10 s after stop");
            }
            assertNull(failure.get(), name);
            assertTrue(picksWhileChanging[0].get() >= 200 && picksWhileChanging[1].get() >= 200,
                name + ": the pickers made " + picksWhileChanging[0] + " and " + picksWhileChanging[1]
                    + " picks in 30 s of changes (expected 200 each)");
            assertEquals(8, vs.servers().size(), name);
        }
    }

    @Test
    void picksShouldNotAllocate() {
        // smoke check of the zero-allocation claim with the JVM's per-thread allocation counter; JMH -prof gc gives
        // the numbers
        final com.sun.management.ThreadMXBean mx =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        for (final String name : ALL) {
            final Fixture f = new Fixture(name);
            final io.jlvs.core.service.VirtualService vs = new io.jlvs.core.service.VirtualService(
                f.service.config(), Schedulers.create(name));
            for (int i = 1; i <= 16; i++) {
                vs.addServer(RealServerConfig.builder("10.0.1." + i, 80).weight(i).build());
            }
            final io.jlvs.core.sched.Flow flow = Fixture.client("192.168.0.1", 1234);
            for (int i = 0; i < 20_000; i++) {
                vs.schedule(flow); // warm up (lblc fills its cache entry here)
            }
            final long before = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
            for (int i = 0; i < 10_000; i++) {
                vs.schedule(flow);
            }
            final long allocated = mx.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
            assertTrue(allocated < 10_000, name + " allocated " + allocated + " bytes in 10,000 picks");
        }
    }
}
