package io.jlvs.scheduler;

import io.jlvs.core.sched.SchedulerContext;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.ServerList;
import io.jlvs.core.sched.Flows;
import io.jlvs.core.sched.Scheduler;
import io.jlvs.core.sched.ServerView;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class WeightedRoundRobinTest {
    private static String run(final Scheduler s, final RealServer[] servers, final String[] names, final int n) {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            final ServerView r = s.schedule(Flows.ofKey(i));
            int k = -1;
            for (int j = 0; j < servers.length; j++) {
                if (servers[j] == r) {
                    k = j;
                }
            }
            sb.append(i == 0 ? "" : " ").append(k < 0 ? "-" : names[k]);
        }
        return sb.toString();
    }

    private static String initWith(final int wa, final int wb, final int wc, final int n) {
        final RealServer a = RealServer.of("10.0.0.1", 80, wa);
        final RealServer b = RealServer.of("10.0.0.2", 80, wb);
        final RealServer c = RealServer.of("10.0.0.3", 80, wc);
        final Scheduler s = Schedulers.create("wrr", SchedulerContext.defaults());
        s.init(ServerList.of(a, b, c)); // list order A, B, C, state as right after init
        return run(s, new RealServer[] {a, b, c}, new String[] {"A", "B", "C"}, n);
    }

    @Test
    void shouldFollowIpvsPassesAfterInit() {
        assertEquals("A A B A B C A B C A A B A B C A B C", initWith(4, 3, 2, 18));
        assertEquals("A A A A A B C A A A A A B C", initWith(5, 1, 1, 14));
    }

    @Test
    void shouldUseGcdSteps() {
        assertEquals("A A B C A A B C", initWith(4, 2, 2, 8)); // di = 2, mw = 3: passes cw = 3, 1
    }

    @Test
    void shouldStartWithLastPassWhenAddedOneByOne() {
        final Fixture f = new Fixture("wrr");
        f.add("A", 4);
        f.add("B", 3);
        f.add("C", 2); // list C, B, A; add hooks leave cw = 1
        assertEquals("C B A A B A C B A C B A A B A C B A", f.picks(18));
    }

    @Test
    void shouldReachTheInitCycleWhenAddedInReverse() {
        final Fixture f = new Fixture("wrr");
        f.add("C", 2);
        f.add("B", 3);
        f.add("A", 4); // list A, B, C
        assertEquals("A B C A A B A B C A B C", f.picks(12));
    }

    @Test
    void shouldFollowFiveOneOneAddedOneByOne() {
        final Fixture f = new Fixture("wrr");
        f.add("A", 5);
        f.add("B", 1);
        f.add("C", 1);
        assertEquals("C B A A A A A C B A A A A A C B A", f.picks(17));
    }

    @Test
    void shouldResetCursorToHeadOnUpdate() {
        final Fixture f = new Fixture("wrr");
        f.add("C", 2);
        f.add("B", 3);
        f.add("A", 4); // list A B C, cw = 1
        assertEquals("A B", f.picks(2));
        f.weight("B", 3); // update hook: cursor to head, cw stays 1 (di = 1)
        assertEquals("A B C A", f.picks(4));
    }

    @Test
    void shouldNeverPickWeightZeroAndFailWhenAllZeroOrOverloaded() {
        final Fixture f = new Fixture("wrr");
        assertEquals("-", f.picks(1));
        f.add("A", 0);
        f.add("B", 2);
        assertEquals("B B B", f.picks(3));
        f.weight("B", 0);
        assertEquals("- -", f.picks(2));
        f.weight("B", 1);
        Fixture.load(f.server("B"), 0, 0);
        f.service.editServer(f.server("B").config().toBuilder().upperThreshold(1).build());
        f.server("B").bindConnection(); // overloaded now
        assertNull(f.service.schedule(Flows.ofKey(1)));
    }
}
