package io.jlvs.jmh.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ReportTest {
    private static final List<Report.FrontInfo> FRONTS = List.of(new Report.FrontInfo("direct", 0, false),
        new Report.FrontInfo("jlvs-1", 1, false), new Report.FrontInfo("haproxy", 1, true),
        new Report.FrontInfo("pen", 1, true), new Report.FrontInfo("jlvs-2", 2, false),
        new Report.FrontInfo("haproxy-2", 2, true));
    /** Front CPU per operation in ms per x, x counted in figure n. */
    private static final Report.PerOp MS_PER_X = new Report.PerOp("n", "ms/x", 1e3);
    private static final Report.Row ROW = new Report.Row("r", "T", "c", "x", "u", 1, List.of("e", "E"), MS_PER_X);

    /** A run of one second: {@code x} operations per second, so {@code x} of them, and {@code cpu} % of a core. */
    private static Report.Run run(final double x, final double cpu, final double e) {
        return new Report.Run(Map.of("x", x, "e", e, "n", x), cpu, cpu / 100, null);
    }

    private static Map<String, List<Report.Run>> runs() {
        final Map<String, List<Report.Run>> m = new LinkedHashMap<>();
        m.put("direct", List.of(run(40, Double.NaN, 7)));
        m.put("jlvs-1", List.of(run(10, 50, 1), run(30, 70, 2), run(20, 60, 3)));
        m.put("haproxy", List.of(run(10, 100, 5)));
        m.put("pen", List.of(run(12, 80, 0), run(20, 90, 0)));
        m.put("jlvs-2", List.of(run(30, 120, 4)));
        m.put("haproxy-2", List.of(Report.Run.failed("boom | bang")));
        return m;
    }

    @Test
    void shouldTakeTheMiddleOrTheMeanOfTheMiddleTwoLeavingOutNaN() {
        assertEquals(3.0, Report.median(Arrays.asList(5.0, 1.0, 3.0)), 0);
        assertEquals(2.5, Report.median(Arrays.asList(4.0, 1.0, 2.0, 3.0)), 0);
        assertEquals(2.0, Report.median(Arrays.asList(Double.NaN, 2.0, null)), 0);
        assertTrue(Double.isNaN(Report.median(List.of())));
    }

    @Test
    void shouldLeaveFailedRunsOutOfTheMedianOfAFigure() {
        final List<Report.Run> rs = List.of(run(1, 0, 0), Report.Run.failed("x"), run(9, 0, 0));
        assertEquals(5.0, Report.median(rs, "x"), 0);
        assertTrue(Double.isNaN(Report.median(rs, "missing")));
    }

    @Test
    void shouldLetEachFrontLeadOneRepeat() {
        final List<String> f = List.of("a", "b", "c");
        assertEquals(List.of("a", "b", "c"), Report.rotation(f, 0));
        assertEquals(List.of("b", "c", "a"), Report.rotation(f, 1));
        assertEquals(List.of("c", "a", "b"), Report.rotation(f, 2));
        assertEquals(List.of("a", "b", "c"), Report.rotation(f, 3));
        assertEquals(List.of(), Report.rotation(new ArrayList<String>(), 1));
    }

    @Test
    void shouldDivideEachRunsCpuSecondsByItsOperations() {
        final Report.PerOp us = new Report.PerOp("requests", "µs/req", Report.PerOp.MICROS);
        assertEquals(30_000.0, us.of(new Report.Run(Map.of("requests", 20.0), 60, 0.6, null)), 1e-9);
        assertEquals(2.5, us.of(new Report.Run(Map.of("requests", 400_000.0), 100, 1.0, null)), 1e-12);
        final Report.PerOp gib = new Report.PerOp("bytes", "ms/GiB", Report.PerOp.MILLIS_PER_GIB);
        assertEquals(500.0, gib.of(new Report.Run(Map.of("bytes", (double) (1L << 30)), 50, 0.5, null)), 1e-9);
        assertEquals(125.0, gib.of(new Report.Run(Map.of("bytes", 8.0 * (1L << 30)), 20, 1.0, null)), 1e-9);
        // nothing to divide: no CPU (direct), no operations, no such figure, a failed run
        assertTrue(Double.isNaN(us.of(new Report.Run(Map.of("requests", 5.0), Double.NaN, Double.NaN, null))));
        assertTrue(Double.isNaN(us.of(new Report.Run(Map.of("requests", 0.0), 10, 0.1, null))));
        assertTrue(Double.isNaN(us.of(new Report.Run(Map.of("bytes", 5.0), 10, 0.1, null))));
        assertTrue(Double.isNaN(us.of(Report.Run.failed("refused"))));
    }

    @Test
    void shouldTakeTheMedianOfThePerRunCpuPerOpAndTheLowestPeersAsBest() {
        // pen: 0.8 s / 12 and 0.9 s / 20, in ms 66.7 and 45: median 55.8 (not 85 % / 16 = 53.1)
        assertEquals((800.0 / 12 + 45) / 2, Report.medianCpuPerOp(ROW, runs().get("pen")), 1e-9);
        assertEquals(30.0, Report.medianCpuPerOp(ROW, runs().get("jlvs-1")), 1e-9);
        assertTrue(Double.isNaN(Report.medianCpuPerOp(ROW, runs().get("direct"))));
        assertTrue(Double.isNaN(Report.medianCpuPerOp(ROW, runs().get("haproxy-2"))));
        // haproxy 100 ms/x, pen 55.8: the lowest is the best; no 2-thread peer has a figure
        assertEquals((800.0 / 12 + 45) / 2, Report.bestPeerCpuPerOp(ROW, FRONTS, runs(), 1), 1e-9);
        assertTrue(Double.isNaN(Report.bestPeerCpuPerOp(ROW, FRONTS, runs(), 2)));
    }

    @Test
    void shouldCompareEachFrontWithTheBestPeerOfEqualThreadsAndWithDirect() {
        assertEquals("### T\n\nClient: c.\n\n"
            + "| front | threads | u | vs best peer, same threads | vs direct | front CPU, % of a core "
            + "| front CPU per op, ms/x | CPU per op vs best peer's, same threads | E |\n"
            + "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
            + "| direct | - | 40.0 | - | 1.00 | - | - | - | 7.00 |\n"
            + "| jlvs-1 | 1 | 20.0 | 1.25 | 0.50 | 60.0 | 30.0 | 0.54 | 2.00 |\n"
            + "| haproxy | 1 | 10.0 | 0.63 | 0.25 | 100 | 100 | 1.79 | 5.00 |\n"
            + "| pen | 1 | 16.0 | 1.00 | 0.40 | 85.0 | 55.8 | 1.00 | 0.00 |\n"
            + "| jlvs-2 | 2 | 30.0 | - | 0.75 | 120 | 40.0 | - | 4.00 |\n"
            + "| haproxy-2 | 2 | failed: boom / bang | - | - | - | - | - | - |\n\n", Report.table(ROW, FRONTS, runs()));
    }

    @Test
    void shouldScaleTheHeadlineFigureAndLeaveOutFrontsWithoutRuns() {
        final Report.Row bits = new Report.Row("r", "T", "c", "x", "Gbit/s", 1e-9, List.of(), null);
        final Map<String, List<Report.Run>> m = new LinkedHashMap<>();
        m.put("direct", List.of(run(8e9, Double.NaN, 0)));
        m.put("pen", List.of(run(2e9, 33.333, 0)));
        assertEquals("### T\n\nClient: c.\n\n"
            + "| front | threads | Gbit/s | vs best peer, same threads | vs direct | front CPU, % of a core |\n"
            + "|---|---:|---:|---:|---:|---:|\n"
            + "| direct | - | 8.00 | - | 1.00 | - |\n"
            + "| pen | 1 | 2.00 | 1.00 | 0.25 | 33.3 |\n\n", Report.table(bits, FRONTS, m));
    }

    @Test
    void shouldHeadlineEachJlvsFrontAgainstThePeersOfItsThreadCount() {
        assertEquals("| row | jlvs-1 / best of haproxy, pen | jlvs-1 / direct | jlvs-1 CPU per op / best peer's | "
            + "jlvs-2 / best of haproxy-2 | jlvs-2 / direct | jlvs-2 CPU per op / best peer's |\n"
            + "|---|---:|---:|---:|---:|---:|---:|\n| T | 1.25 | 0.50 | 0.54 | - | 0.75 | - |\n\n",
            Report.headline(List.of(ROW), FRONTS, Map.of("r", runs())));
    }

    @Test
    void shouldReplaceOnlyTheTextBetweenTheMarkers() {
        final String old = "# Title\n\nhand text\n\n" + Report.BEGIN + "\nold figures\n" + Report.END
            + "\n\n# JMH\n\nkept\n";
        assertEquals("# Title\n\nhand text\n\n" + Report.BEGIN + "\nnew figures\n" + Report.END + "\n\n# JMH\n\nkept\n",
            Report.splice(old, "new figures\n\n"));
    }

    @Test
    void shouldKeepTheJmhSectionOfAFileWithoutMarkers() {
        final String old = "# JLVS benchmarks\n\n## Bulk\n\nold generated table\n\n# JMH\n\nhand-kept\n";
        assertEquals("# JLVS benchmarks\n\n" + Report.BEGIN + "\nnew\n" + Report.END + "\n\n# JMH\n\nhand-kept\n",
            Report.splice(old, "new"));
    }

    @Test
    void shouldAppendToAFileWithNeitherMarkersNorJmhAndStartAMissingOne() {
        assertEquals("notes\n\n" + Report.BEGIN + "\nnew\n" + Report.END + "\n", Report.splice("notes\n", "new"));
        assertEquals("# JLVS benchmarks\n\n" + Report.BEGIN + "\nnew\n" + Report.END + "\n",
            Report.splice(null, "new"));
    }

    @Test
    void shouldRefuseAFileWithOneMarkerOrThemOutOfOrder() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> Report.splice("x\n" + Report.BEGIN + "\ny\n", "new"));
        assertEquals("BENCHMARKS.md has no " + Report.END + ": fix the markers by hand", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Report.splice(Report.END + "\n" + Report.BEGIN, "new"));
    }

    @Test
    void shouldSayNotSupportedRatherThanFailedWhereTheFrontCannotCarryTheRow() {
        final Map<String, List<Report.Run>> m = new LinkedHashMap<>();
        m.put("jlvs-1", List.of(run(10, 50, 1)));
        m.put("jlvs-2", List.of(Report.Run.unsupported("the epoll transport does not carry UDP")));
        assertEquals("### T\n\nClient: c.\n\n"
            + "| front | threads | u | vs best peer, same threads | vs direct | front CPU, % of a core "
            + "| front CPU per op, ms/x | CPU per op vs best peer's, same threads | E |\n"
            + "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
            + "| jlvs-1 | 1 | 10.0 | - | - | 50.0 | 50.0 | - | 1.00 |\n"
            + "| jlvs-2 | 2 | not supported: the epoll transport does not carry UDP | - | - | - | - | - | - |\n\n",
            Report.table(ROW, FRONTS, m));
    }

    @Test
    void shouldPutEveryFrontInAColumnOfItsOwnWithItsCpu() {
        final Report.Row other = new Report.Row("o", "O", "c", "x", "v", 2, List.of(), null);
        final Map<String, List<Report.Run>> o = new LinkedHashMap<>();
        o.put("jlvs-1", List.of(Report.Run.unsupported("no UDP")));
        o.put("direct", List.of(run(3, Double.NaN, 0)));
        assertEquals("| row | direct | jlvs-1 (1) | haproxy (1) | pen (1) | jlvs-2 (2) | haproxy-2 (2) |\n"
            + "|---|---:|---:|---:|---:|---:|---:|\n"
            + "| T, u (front CPU %, ms/x) | 40.0 | 20.0 (60.0 %, 30.0) | 10.0 (100 %, 100) | 16.0 (85.0 %, 55.8) "
            + "| 30.0 (120 %, 40.0) | failed |\n"
            + "| O, v | 6.00 | n/s | - | - | - | - |\n\n",
            Report.sideBySide(List.of(ROW, other), FRONTS, Map.of("r", runs(), "o", o)));
    }
}
