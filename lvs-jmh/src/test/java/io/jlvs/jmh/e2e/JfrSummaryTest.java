package io.jlvs.jmh.e2e;

import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JfrSummaryTest {
    private static volatile long sink;

    /** Busy for about {@code millis}: the method the recording must find on top of the stack. */
    private static void spinInTheTest(final long millis) {
        final long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        long x = 1;
        while (System.nanoTime() - end < 0) {
            for (int i = 0; i < 10_000; i++) {
                x = x * 6364136223846793005L + 1442695040888963407L;
            }
            sink = x;
        }
    }

    @Test
    void shouldNameTheMethodThatBurnedTheCpuAtTheTopOfARealRecording(@TempDir final Path dir) throws Exception {
        final Path jfr = dir.resolve("spin.jfr");
        final AtomicBoolean stop = new AtomicBoolean();
        final Thread spinner = new Thread(() -> {
            while (!stop.get()) {
                spinInTheTest(50);
            }
        }, "jfr-test-spinner");
        JfrSummary.Counts[] c;
        // the samples of this thread, which dumps and reads the recording, are left out
        final Set<String> reader = Set.of(Thread.currentThread().getName());
        try (Recording r = new Recording(Configuration.getConfiguration("profile"))) {
            r.start();
            spinner.start();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
            do {
                Thread.sleep(200);
                r.dump(jfr);
                c = JfrSummary.read(jfr, reader);
            } while (c[0].self().getOrDefault("JfrSummaryTest.spinInTheTest", 0) < 20 && System.nanoTime() < deadline);
        } finally {
            stop.set(true);
            spinner.join();
        }
        final String top = JfrSummary.top(c[0].self(), 1).get(0).getKey();
        assertEquals("JfrSummaryTest.spinInTheTest", top, "top self frame; all: " + c[0].self());
        assertTrue(c[0].total().get("JfrSummaryTest.lambda$shouldNameTheMethodThatBurnedTheCpuAtTheTopOfARealRecording$0")
            >= c[0].self().get("JfrSummaryTest.spinInTheTest"), "the caller is on every stack the spinner is: "
            + c[0].total());
        final String text = JfrSummary.render("title", c, 5);
        assertTrue(text.startsWith("title\nCPU samples (jdk.ExecutionSample): " + c[0].samples() + ";"), text);
        assertTrue(text.contains("CPU-time samples (jdk.CPUTimeSample): none (JDK 25+)\n") == (c[2].samples() == 0),
            text);
        assertTrue(text.contains("%  JfrSummaryTest.spinInTheTest\n"), text);
        assertTrue(c[0].threads().containsKey("jfr-test-spinner"), c[0].threads().toString());
        assertTrue(!c[0].threads().containsKey(Thread.currentThread().getName()), c[0].threads().toString());
    }

    @Test
    void shouldCountAMethodOnceInTotalPerSampleAndTheTopFrameAsSelf() {
        final JfrSummary.Counts c = new JfrSummary.Counts();
        c.add("loop-0", List.of("A.read", "B.relay", "A.read", "C.run"));
        c.add("loop-0", List.of("B.relay", "C.run"));
        c.add("loop-1", List.of());
        assertEquals(3, c.samples());
        assertEquals(Map.of("A.read", 1, "B.relay", 1), c.self());
        assertEquals(Map.of("A.read", 1, "B.relay", 2, "C.run", 2), c.total());
        assertEquals(Map.of("loop-0", 2, "loop-1", 1), c.threads());
    }

    @Test
    void shouldRankByCountThenNameAndCutAtN() {
        assertEquals(List.of(Map.entry("b", 5), Map.entry("a", 2), Map.entry("c", 2)),
            JfrSummary.top(Map.of("a", 2, "b", 5, "c", 2, "d", 1), 3));
        assertEquals(List.of(Map.entry("x", 1)), JfrSummary.top(Map.of("x", 1), 15));
    }

    @Test
    void shouldNameAFrameByItsSimpleClassAndMethod() {
        assertEquals("EpollLoop.run", JfrSummary.frameName("io.jlvs.transport.epoll.EpollLoop", "run"));
        assertEquals("Top.m", JfrSummary.frameName("Top", "m"));
    }

    @Test
    void shouldDropTheAddressOfAHiddenClass() {
        assertEquals("LambdaForm$MH.invoke", JfrSummary.frameName("java.lang.invoke.LambdaForm$MH/0x000000001a0b9000",
            "invoke"));
        assertEquals("LambdaForm$MH.invoke", JfrSummary.frameName("java.lang.invoke.LambdaForm$MH.0x00000a0b",
            "invoke"));
    }

    @Test
    void shouldFoldDowncallPlumbingOnTopIntoTheCallerMarkedNativeAndDropItBelow() {
        assertEquals(List.of("Syscalls.splice [native]", "SpliceRelay.pump", "EpollLoop.run"), JfrSummary.fold(
            List.of("java.lang.invoke.LambdaForm$MH/0x000000001a0b9000", "0x000000001a099800",
                "jdk.internal.foreign.abi.DowncallLinker", "io.jlvs.transport.epoll.internal.Syscalls",
                "io.jlvs.transport.epoll.SpliceRelay", "java.lang.invoke.Invokers$Holder",
                "io.jlvs.transport.epoll.EpollLoop"),
            List.of("invoke", "invokeStatic", "x", "splice", "pump", "linkToTargetMethod", "run")));
        assertEquals(List.of("EpollLoop.run"), JfrSummary.fold(List.of("io.jlvs.transport.epoll.EpollLoop"),
            List.of("run")));
        assertEquals(List.of(), JfrSummary.fold(List.of("java.lang.invoke.X"), List.of("m")));
    }
}
