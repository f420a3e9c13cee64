package io.jlvs.scheduler;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TwoChoicesTest {
    @Test
    void shouldWalkWeightsWithInclusiveRandomsAndKeepChoiceOneOnTie() {
        final Fixture f = new Fixture("twos");
        f.add("A", 2);
        f.add("B", 1);
        f.add("C", 3); // list C(3) B(1) A(2), total 6, randoms in [0, 6]
        f.randoms.add(0);
        f.randoms.add(6);
        assertEquals("C", f.picks(1)); // r1 = 0 -> C; r2 = 6 -> A; equal load keeps choice 1
        Fixture.load(f.server("C"), 1, 0);
        f.randoms.add(3);
        f.randoms.add(5);
        assertEquals("A", f.picks(1)); // r1 3 -> C (3-3=0), r2 5 -> A; C 256*2 > A 0*3
        f.randoms.add(4);
        f.randoms.add(4);
        assertEquals("B", f.picks(1));
    }

    @Test
    void shouldSkipExcludedAndFailWhenEmpty() {
        final Fixture f = new Fixture("twos");
        assertEquals("-", f.picks(1));
        f.add("A", 0);
        f.add("B", 1);
        f.randoms.add(1);
        f.randoms.add(0);
        assertEquals("B", f.picks(1));
    }
}
