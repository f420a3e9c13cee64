package io.jlvs.jmh.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class CpuTest {
    /** A /proc/PID/stat line recorded on this machine, with utime 250 and stime 50 put into fields 14 and 15. */
    private static final String STAT = "29483 (cat) R 29479 29479 26112 0 -1 4194304 98 0 0 0 250 50 7 9 20 0 1 0 "
        + "434837 3133440 359 18446744073709551615 94696237477888 94696237497769 140735929488272 0 0 0 0 0 0 0 0 0 17"
        + " 1 0 0 0 0 0 94696237513776 94696237515392 94696361984000 140735929490140 140735929490160 "
        + "140735929490160 140735929491435 0";

    @Test
    void shouldAddUserAndSystemTicksButNotThoseOfWaitedForChildren() {
        assertEquals(300, Cpu.ticks(STAT));
    }

    @Test
    void shouldCountFieldsFromTheLastParenthesisOfTheCommandName() {
        assertEquals(300, Cpu.ticks(STAT.replace("(cat)", "(a b) (c) R 1 2)")));
    }

    @Test
    void shouldRejectWhatIsNotAStatLine() {
        assertEquals("not a /proc/PID/stat line (no ')'): 12 cat R",
            assertThrows(IllegalArgumentException.class, () -> Cpu.ticks("12 cat R")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Cpu.ticks("12 (cat) R 1 2 3"));
    }

    @Test
    void shouldExpressTicksOverAnIntervalAsPercentOfOneCore() {
        assertEquals(50.0, Cpu.percentOfCore(100, 150, 1_000_000_000L, 100), 1e-9);
        assertEquals(150.0, Cpu.percentOfCore(0, 300, 2_000_000_000L, 100), 1e-9);
        assertEquals(0.0, Cpu.percentOfCore(7, 7, 5, 100), 0);
        assertThrows(IllegalArgumentException.class, () -> Cpu.percentOfCore(2, 1, 1, 100));
        assertThrows(IllegalArgumentException.class, () -> Cpu.percentOfCore(1, 2, 0, 100));
    }

    @Test
    void shouldExpressTicksOverAnIntervalAsSecondsOfCpu() {
        assertEquals(0.5, Cpu.seconds(100, 150, 100), 1e-12);
        assertEquals(3.0, Cpu.seconds(0, 300, 100), 1e-12);
        assertEquals(0.0, Cpu.seconds(7, 7, 250), 0);
        assertEquals("CPU ticks went backwards: 2 -> 1",
            assertThrows(IllegalArgumentException.class, () -> Cpu.seconds(2, 1, 100)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Cpu.seconds(1, 2, 0));
    }

    @Test
    void shouldAccountTheDescendantsOfAFrontsProcess() throws Exception {
        final Process child = new ProcessBuilder("sleep", "60").start();
        try {
            final List<Long> pids = Cpu.tree(List.of(ProcessHandle.current()));
            assertEquals(ProcessHandle.current().pid(), pids.get(0));
            assertTrue(pids.contains(child.pid()), pids + " lacks the child " + child.pid());
        } finally {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldSeeThisProcessSpendCpuAndCountAGoneProcessAsNothing() throws IOException {
        final List<Long> self = Cpu.tree(List.of(ProcessHandle.current()));
        assertEquals(ProcessHandle.current().pid(), self.get(0));
        final long before = Cpu.sample(self);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        long spin = 0;
        long now = before;
        while (now <= before && System.nanoTime() - deadline < 0) {
            for (int i = 0; i < 1_000_000; i++) {
                spin += i ^ spin;
            }
            now = Cpu.sample(self);
        }
        assertTrue(now > before, "no CPU tick counted while spinning (" + spin + ")");
        // pid_max is at most 2^22: this pid cannot exist
        assertEquals(0, Cpu.sample(List.of(1L << 23)));
    }
}
