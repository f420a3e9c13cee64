package io.jlvs.scheduler;

import io.jlvs.core.sched.Flows;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

class RoundRobinTest {
    @Test
    void shouldWalkInKernelOrderNewestFirst() {
        final Fixture f = new Fixture("rr");
        f.add("A", 1);
        f.add("B", 5);
        f.add("C", 1);
        assertEquals("C B A C B A C", f.picks(7)); // weights other than 0 do not matter
    }

    @Test
    void shouldSkipWeightZeroAndOverloaded() {
        final Fixture f = new Fixture("rr");
        f.add("A", 1);
        f.add("B", 0);
        f.add("C", 1, 1);
        assertEquals("C A C", f.picks(3));
        f.server("C").bindConnection(); // reaches its threshold: OVERLOAD
        assertEquals("A A", f.picks(2));
        f.server("C").unbindConnection(false); // cleared
        assertEquals("C A", f.picks(2));
    }

    @Test
    void shouldReturnNoneForEmptyOrAllExcluded() {
        final Fixture f = new Fixture("rr");
        assertEquals("-", f.picks(1));
        f.add("A", 0);
        assertEquals("- -", f.picks(2));
    }

    @Test
    void shouldContinueWithSuccessorWhenCursorServerIsRemoved() throws Exception {
        final Fixture f = new Fixture("rr");
        f.add("A", 1);
        f.add("B", 1);
        f.add("C", 1);
        assertEquals("C B", f.picks(2)); // cursor on B
        f.remove("B");
        assertEquals("A C A", f.picks(3));
    }

    @Test
    void shouldReachNewServerWhenTheWalkWraps() {
        final Fixture f = new Fixture("rr");
        f.add("A", 1);
        f.add("B", 1);
        assertEquals("B", f.picks(1)); // cursor on B (index 0)
        f.add("C", 1); // list C B A, cursor still B
        assertEquals("A C B A", f.picks(4));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldLetThreadsShareTheCycleWithoutLosingPicks() throws Exception {
        // fails if two threads take the same step of the cycle (a lost CAS): the counts are then uneven
        final Fixture f = new Fixture("rr");
        f.add("A", 1);
        f.add("B", 1);
        f.add("C", 1);
        f.add("D", 1);
        final int[][] counts = new int[2][4];
        final Thread[] ts = new Thread[2];
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int t = 0; t < 2; t++) {
            final int id = t;
            ts[t] = new Thread(() -> {
                try {
                    for (int i = 0; i < 100_000; i++) {
                        counts[id][f.servers.indexOf(f.service.schedule(Flows.ofKey(i)))]++;
                    }
                } catch (final Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            ts[t].start();
        }
        for (final Thread t : ts) {
            t.join(30_000);
            assertFalse(t.isAlive(), t.getName() + " still picking after 30 s");
        }
        assertNull(failure.get(), "a picker failed");
        for (int s = 0; s < 4; s++) {
            assertEquals(50_000, counts[0][s] + counts[1][s], "server " + s); // every CAS step is one pick
        }
    }
}
