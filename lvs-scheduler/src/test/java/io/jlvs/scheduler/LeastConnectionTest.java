package io.jlvs.scheduler;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LeastConnectionTest {
    @Test
    void lcShouldPickLeastOverheadFirstInListOnTies() {
        final Fixture f = new Fixture("lc");
        f.add("A", 1);
        f.add("B", 5);
        f.add("C", 1);
        assertEquals("C", f.picks(1)); // all zero: the newest wins
        Fixture.load(f.server("C"), 0, 1); // overhead 1
        assertEquals("B", f.picks(1));
        Fixture.load(f.server("B"), 1, 0); // 256
        Fixture.load(f.server("A"), 0, 255); // 255
        assertEquals("C", f.picks(1));
        Fixture.load(f.server("C"), 0, 300);
        assertEquals("A", f.picks(1));
    }

    @Test
    void lcShouldSkipWeightZeroAndOverloaded() {
        final Fixture f = new Fixture("lc");
        f.add("A", 0);
        f.add("B", 1, 1);
        f.server("B").bindConnection();
        assertEquals("-", f.picks(1));
    }

    @Test
    void wlcShouldCompareOverheadPerWeight() {
        final Fixture f = new Fixture("wlc");
        f.add("A", 3);
        f.add("B", 1);
        assertEquals("B", f.picks(1));
        Fixture.load(f.server("B"), 1, 0); // 256 / 1
        Fixture.load(f.server("A"), 2, 0); // 512 / 3 = 170.7
        assertEquals("A", f.picks(1));
        Fixture.load(f.server("A"), 1, 0); // 768 / 3 = 256: tie keeps B (earlier)
        assertEquals("B", f.picks(1));
    }

    @Test
    void wlcShouldNeverChooseLaterWeightZero() {
        final Fixture f = new Fixture("wlc");
        f.add("A", 0);
        f.add("B", 1);
        Fixture.load(f.server("B"), 10, 0);
        assertEquals("B", f.picks(1));
    }

    @Test
    void sedShouldIgnoreInactiveAndUseActivePlusOne() {
        final Fixture f = new Fixture("sed");
        f.add("A", 2);
        f.add("B", 1);
        Fixture.load(f.server("B"), 0, 100); // (0+1)/1 = 1
        Fixture.load(f.server("A"), 1, 0); // (1+1)/2 = 1: tie keeps B
        assertEquals("B", f.picks(1));
        Fixture.load(f.server("B"), 1, 0); // 2/1
        assertEquals("A", f.picks(1));
    }

    @Test
    void nqShouldTakeFirstIdleServerElseSed() {
        final Fixture f = new Fixture("nq");
        f.add("A", 1);
        f.add("B", 9);
        f.add("C", 1);
        Fixture.load(f.server("C"), 1, 0);
        assertEquals("B", f.picks(1)); // first with no active connection, in list order
        Fixture.load(f.server("B"), 3, 0); // 4/9
        Fixture.load(f.server("A"), 1, 0); // 2/1, C = 2/1
        assertEquals("B", f.picks(1));
        Fixture.load(f.server("B"), 20, 0); // 24/9 > 2
        assertEquals("C", f.picks(1));
    }

    @Test
    void foShouldTakeHighestWeightFirstOnTies() {
        final Fixture f = new Fixture("fo");
        f.add("A", 5);
        f.add("B", 3);
        f.add("C", 5);
        assertEquals("C C", f.picks(2));
        f.weight("C", 0);
        assertEquals("A", f.picks(1));
    }

    @Test
    void ovfShouldOverflowWhenActiveExceedsWeight() {
        final Fixture f = new Fixture("ovf");
        f.add("A", 1);
        f.add("B", 2);
        assertEquals("B", f.picks(1));
        Fixture.load(f.server("B"), 2, 0);
        assertEquals("B", f.picks(1)); // 2 <= 2 still eligible
        Fixture.load(f.server("B"), 1, 0);
        assertEquals("A", f.picks(1));
        Fixture.load(f.server("A"), 2, 0);
        assertEquals("-", f.picks(1));
    }
}
