package io.jlvs.jmh.e2e;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The pure part of the benchmark report: medians, the ratio table of each row and the generated section of
 * BENCHMARKS.md between its markers. Stateless.
 */
final class Report {
    /** Opens the generated section of BENCHMARKS.md. */
    static final String BEGIN = "<!-- e2e:begin (written by lvs-jmh/bench.sh; edit outside these markers) -->";
    /** Closes the generated section of BENCHMARKS.md. */
    static final String END = "<!-- e2e:end -->";
    /** The heading of the hand-kept JMH section, which a file without markers keeps (the layout before markers). */
    static final String JMH_HEADING = "# JMH";

    private Report() {
    }

    /**
     * A front as the report shows it.
     *
     * @param name its name
     * @param threads its forwarding threads (0 for {@code direct})
     * @param peer whether it is a user-space peer (HAProxy, nginx, pen) rather than JLVS or the baseline
     */
    record FrontInfo(String name, int threads, boolean peer) {
    }

    /**
     * One measured run of a front.
     *
     * @param figures the client's figures, by name
     * @param cpuPct the front's CPU over the measured interval, % of one core (NaN for {@code direct})
     * @param cpuSeconds the front's CPU time over the same interval, in seconds (NaN for {@code direct})
     * @param error why the run produced nothing, or null
     */
    record Run(Map<String, Double> figures, double cpuPct, double cpuSeconds, String error) {
        /**
         * A run that produced nothing.
         *
         * @param error why
         * @return the run
         */
        static Run failed(final String error) {
            return new Run(Map.of(), Double.NaN, Double.NaN, error);
        }

        /**
         * A run that was not made because the front does not carry the row's protocol.
         *
         * @param why what is missing, for example {@code the epoll transport does not carry UDP}
         * @return the run, shown as {@code not supported: WHY}
         */
        static Run unsupported(final String why) {
            return failed(NOT_SUPPORTED + why);
        }
    }

    /** How the error of a run that was not made because the front cannot carry the row starts. */
    static final String NOT_SUPPORTED = "not supported: ";

    /**
     * How a row counts the front's CPU per operation: the figure of a {@link Run} that holds the total of operations
     * done in the measured interval (requests, connections, bytes, datagrams), and the unit the CPU seconds per
     * operation are shown in.
     *
     * @param figure the total's name in {@link Run#figures}, for example {@code requests}
     * @param unit the unit, for example {@code µs/req}
     * @param scale multiplies CPU seconds per operation into {@code unit} (1e6 for µs; 1e3 &times; 2^30 for ms/GiB
     *     when an operation is a byte)
     */
    record PerOp(String figure, String unit, double scale) {
        /** Microseconds of CPU per operation. */
        static final double MICROS = 1e6;
        /** Milliseconds of CPU per GiB, when the operation is a byte. */
        static final double MILLIS_PER_GIB = 1e3 * (1L << 30);

        /**
         * The front's CPU per operation in one run.
         *
         * @param run the run
         * @return {@code cpuSeconds / figure * scale}; NaN if the run failed, has no CPU figure or no operations
         */
        double of(final Run run) {
            final Double ops = run.figures().get(figure);
            if (run.error() != null || ops == null || ops.isNaN() || ops <= 0 || Double.isNaN(run.cpuSeconds())) {
                return Double.NaN;
            }
            return run.cpuSeconds() / ops * scale;
        }
    }

    /**
     * A row of the report.
     *
     * @param id its id (for {@code --only})
     * @param title its heading
     * @param client which load client produced it, as the report says it
     * @param metric the headline figure's name in {@link Run#figures}
     * @param unit the headline figure's unit after scaling
     * @param scale multiplies the figure into {@code unit}
     * @param extras further figures shown in columns of their own: name, then header, pairs
     * @param perOp how the front's CPU per operation is counted, or null where the row does not count it
     */
    record Row(String id, String title, String client, String metric, String unit, double scale,
        List<String> extras, PerOp perOp) {
    }

    /**
     * The median of the values; NaN for none. Values that are NaN are left out.
     *
     * @param values the values
     * @return their median (the mean of the middle two for an even count)
     */
    static double median(final List<Double> values) {
        final List<Double> s = new ArrayList<>();
        for (final Double v : values) {
            if (v != null && !v.isNaN()) {
                s.add(v);
            }
        }
        Collections.sort(s);
        final int n = s.size();
        if (n == 0) {
            return Double.NaN;
        }
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    /**
     * The median of one figure over the runs that produced it.
     *
     * @param runs the runs
     * @param figure the figure's name
     * @return the median, NaN if no run has it
     */
    static double median(final List<Run> runs, final String figure) {
        final List<Double> v = new ArrayList<>();
        for (final Run r : runs) {
            if (r.error() == null) {
                v.add(r.figures().getOrDefault(figure, Double.NaN));
            }
        }
        return median(v);
    }

    private static double medianCpu(final List<Run> runs) {
        final List<Double> v = new ArrayList<>();
        for (final Run r : runs) {
            if (r.error() == null) {
                v.add(r.cpuPct());
            }
        }
        return median(v);
    }

    /**
     * The median over the runs of the front's CPU per operation, each run's CPU seconds over its own total of
     * operations.
     *
     * @param row the row (NaN if it counts no CPU per operation)
     * @param runs the runs
     * @return the median in the row's per-operation unit, NaN if no run has one
     */
    static double medianCpuPerOp(final Row row, final List<Run> runs) {
        if (row.perOp() == null || runs == null) {
            return Double.NaN;
        }
        final List<Double> v = new ArrayList<>();
        for (final Run r : runs) {
            v.add(row.perOp().of(r));
        }
        return median(v);
    }

    /**
     * The lowest median CPU per operation among the user-space peers with {@code threads} threads.
     *
     * @param row the row
     * @param fronts the fronts
     * @param runs the runs by front name
     * @param threads the thread count
     * @return the lowest, NaN if no such peer has one
     */
    static double bestPeerCpuPerOp(final Row row, final List<FrontInfo> fronts, final Map<String, List<Run>> runs,
        final int threads) {
        double best = Double.NaN;
        for (final FrontInfo p : fronts) {
            if (p.peer() && p.threads() == threads) {
                final double pv = medianCpuPerOp(row, runs.get(p.name()));
                if (!Double.isNaN(pv) && (Double.isNaN(best) || pv < best)) {
                    best = pv;
                }
            }
        }
        return best;
    }

    /** {@code v / best} as the tables show it, "-" when either is missing or the best is 0. */
    private static String ratio(final double v, final double best) {
        return Double.isNaN(v) || Double.isNaN(best) || best == 0 ? "-" : num(v / best);
    }

    /**
     * The order of rotation {@code r}: the list turned left by {@code r} places, so each front leads one run.
     *
     * @param <T> the element type
     * @param fronts the fronts in their declared order
     * @param r the repeat, from 0
     * @return a new list in the order of that repeat
     */
    static <T> List<T> rotation(final List<T> fronts, final int r) {
        final List<T> order = new ArrayList<>(fronts);
        if (!order.isEmpty()) {
            Collections.rotate(order, -(r % order.size()));
        }
        return order;
    }

    /** A figure as the tables show it: 3 significant digits or the whole number, "-" for NaN. */
    static String num(final double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        final double a = Math.abs(v);
        return String.format(Locale.ROOT, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : "%.2f", v);
    }

    /**
     * Renders one row: for each front with runs, the median headline figure, its ratio to the best user-space peer
     * with the same number of threads and to {@code direct}, the front's median CPU, where the row counts it the
     * front's median CPU per operation and its ratio to the lowest of the peers with the same number of threads
     * (below 1: less CPU per operation than that peer), and the extra figures.
     *
     * @param row the row
     * @param fronts the fronts, in the order to show them
     * @param runs the runs by front name (fronts without an entry are left out)
     * @return markdown
     */
    static String table(final Row row, final List<FrontInfo> fronts, final Map<String, List<Run>> runs) {
        final StringBuilder sb = new StringBuilder();
        sb.append("### ").append(row.title()).append("\n\nClient: ").append(row.client()).append(".\n\n");
        sb.append("| front | threads | ").append(row.unit()).append(" | vs best peer, same threads | vs direct | ")
            .append("front CPU, % of a core |");
        final int perOpColumns = row.perOp() == null ? 0 : 2;
        if (row.perOp() != null) {
            sb.append(" front CPU per op, ").append(row.perOp().unit()).append(" | CPU per op vs best peer's, same ")
                .append("threads |");
        }
        for (int i = 1; i < row.extras().size(); i += 2) {
            sb.append(' ').append(row.extras().get(i)).append(" |");
        }
        sb.append("\n|---|---:|---:|---:|---:|---:|").append("---:|".repeat(perOpColumns + row.extras().size() / 2))
            .append('\n');
        final double direct = runs.containsKey("direct") ? median(runs.get("direct"), row.metric()) * row.scale()
            : Double.NaN;
        for (final FrontInfo f : fronts) {
            final List<Run> rs = runs.get(f.name());
            if (rs == null) {
                continue;
            }
            final double v = median(rs, row.metric()) * row.scale();
            double best = Double.NaN;
            for (final FrontInfo p : fronts) {
                if (p.peer() && p.threads() == f.threads() && runs.containsKey(p.name())) {
                    final double pv = median(runs.get(p.name()), row.metric()) * row.scale();
                    if (!Double.isNaN(pv) && (Double.isNaN(best) || pv > best)) {
                        best = pv;
                    }
                }
            }
            sb.append("| ").append(f.name()).append(" | ").append(f.threads() == 0 ? "-" : f.threads()).append(" | ");
            if (Double.isNaN(v)) {
                String why = "no result";
                for (final Run r : rs) {
                    if (r.error() != null) {
                        why = r.error().replace('|', '/').replace('\n', ' ');
                    }
                }
                sb.append(why.startsWith(NOT_SUPPORTED) ? "" : "failed: ").append(why).append(" | - | - | - |")
                    .append(" - |".repeat(perOpColumns + row.extras().size() / 2))
                    .append('\n');
                continue;
            }
            sb.append(num(v)).append(" | ")
                .append(f.threads() == 0 ? "-" : ratio(v, best)).append(" | ")
                .append(ratio(v, direct)).append(" | ")
                .append(num(medianCpu(rs))).append(" |");
            if (row.perOp() != null) {
                final double perOp = medianCpuPerOp(row, rs);
                sb.append(' ').append(num(perOp)).append(" | ").append(f.threads() == 0 ? "-"
                    : ratio(perOp, bestPeerCpuPerOp(row, fronts, runs, f.threads()))).append(" |");
            }
            for (int i = 0; i < row.extras().size(); i += 2) {
                sb.append(' ').append(num(median(rs, row.extras().get(i)))).append(" |");
            }
            sb.append('\n');
        }
        return sb.append('\n').toString();
    }

    /**
     * The headline: for each row, each JLVS front's median against the best user-space peer with the same number of
     * threads (JLVS with one event loop against one HAProxy thread, one nginx worker and pen; with two against
     * HAProxy {@code nbthread 2}), and against {@code direct}; then its median CPU per operation against the lowest
     * of those peers' (below 1: the JLVS front spends less CPU per request, connection or byte), where the row counts
     * it.
     *
     * @param rows the rows
     * @param fronts the fronts (JLVS fronts are those neither peer nor {@code direct})
     * @param results the runs by row id, then front name
     * @return markdown
     */
    static String headline(final List<Row> rows, final List<FrontInfo> fronts,
        final Map<String, Map<String, List<Run>>> results) {
        final List<FrontInfo> ours = new ArrayList<>();
        for (final FrontInfo f : fronts) {
            if (!f.peer() && f.threads() > 0) {
                ours.add(f);
            }
        }
        final StringBuilder sb = new StringBuilder("| row |");
        final StringBuilder rule = new StringBuilder("|---|");
        for (final FrontInfo f : ours) {
            final List<String> peers = new ArrayList<>();
            for (final FrontInfo p : fronts) {
                if (p.peer() && p.threads() == f.threads()) {
                    peers.add(p.name());
                }
            }
            sb.append(' ').append(f.name()).append(" / best of ")
                .append(peers.isEmpty() ? "(no peer)" : String.join(", ", peers)).append(" | ").append(f.name())
                .append(" / direct | ").append(f.name()).append(" CPU per op / best peer's |");
            rule.append("---:|---:|---:|");
        }
        sb.append('\n').append(rule).append('\n');
        for (final Row row : rows) {
            final Map<String, List<Run>> runs = results.get(row.id());
            if (runs == null) {
                continue;
            }
            sb.append("| ").append(row.title()).append(" |");
            final double direct = runs.containsKey("direct") ? median(runs.get("direct"), row.metric())
                : Double.NaN;
            for (final FrontInfo f : ours) {
                final double v = runs.containsKey(f.name()) ? median(runs.get(f.name()), row.metric()) : Double.NaN;
                double best = Double.NaN;
                for (final FrontInfo p : fronts) {
                    if (p.peer() && p.threads() == f.threads() && runs.containsKey(p.name())) {
                        final double pv = median(runs.get(p.name()), row.metric());
                        if (!Double.isNaN(pv) && (Double.isNaN(best) || pv > best)) {
                            best = pv;
                        }
                    }
                }
                sb.append(' ').append(ratio(v, best)).append(" | ").append(ratio(v, direct)).append(" | ")
                    .append(ratio(medianCpuPerOp(row, runs.get(f.name())),
                        bestPeerCpuPerOp(row, fronts, runs, f.threads()))).append(" |");
            }
            sb.append('\n');
        }
        return sb.append('\n').toString();
    }

    /**
     * All rows side by side, a column per front (as issue 14's table): each cell the median headline figure, then
     * in parentheses the front's median CPU in % of a core and, where the row counts it, its median CPU per operation
     * in the unit the row's label names, {@code n/s} where the front does not carry the row, {@code failed}
     * where it produced nothing, {@code -} where it was not run.
     *
     * @param rows the rows
     * @param fronts the fronts, in the order of the columns
     * @param results the runs by row id, then front name
     * @return markdown
     */
    static String sideBySide(final List<Row> rows, final List<FrontInfo> fronts,
        final Map<String, Map<String, List<Run>>> results) {
        final StringBuilder sb = new StringBuilder("| row |");
        final StringBuilder rule = new StringBuilder("|---|");
        for (final FrontInfo f : fronts) {
            sb.append(' ').append(f.name()).append(f.threads() == 0 ? "" : " (" + f.threads() + ")").append(" |");
            rule.append("---:|");
        }
        sb.append('\n').append(rule).append('\n');
        for (final Row row : rows) {
            final Map<String, List<Run>> runs = results.get(row.id());
            if (runs == null) {
                continue;
            }
            sb.append("| ").append(row.title()).append(", ").append(row.unit())
                .append(row.perOp() == null ? "" : " (front CPU %, " + row.perOp().unit() + ")").append(" |");
            for (final FrontInfo f : fronts) {
                final List<Run> rs = runs.get(f.name());
                sb.append(' ');
                if (rs == null || rs.isEmpty()) {
                    sb.append('-');
                } else {
                    final double v = median(rs, row.metric()) * row.scale();
                    if (!Double.isNaN(v)) {
                        sb.append(num(v));
                        final double cpu = medianCpu(rs);
                        final double perOp = medianCpuPerOp(row, rs);
                        if (!Double.isNaN(cpu)) {
                            sb.append(" (").append(num(cpu)).append(" %")
                                .append(Double.isNaN(perOp) ? "" : ", " + num(perOp)).append(')');
                        }
                    } else {
                        boolean unsupported = false;
                        for (final Run r : rs) {
                            unsupported |= r.error() != null && r.error().startsWith(NOT_SUPPORTED);
                        }
                        sb.append(unsupported ? "n/s" : "failed");
                    }
                }
                sb.append(" |");
            }
            sb.append('\n');
        }
        return sb.append('\n').toString();
    }

    /**
     * Puts the generated section into BENCHMARKS.md: between the markers if the file has them; else, in a file of
     * the layout before markers (generated part, then the hand-kept {@code # JMH} section), in place of the part
     * above {@code # JMH}; else at the end. Text outside the markers is kept as it is.
     *
     * @param old the file's text, or null if there is no file
     * @param section the generated section (without markers)
     * @return the new text
     * @throws IllegalArgumentException if the file has one marker without the other, or them out of order
     */
    static String splice(final String old, final String section) {
        final String block = BEGIN + "\n" + section.strip() + "\n" + END + "\n";
        if (old == null || old.isBlank()) {
            return "# JLVS benchmarks\n\n" + block;
        }
        final int b = old.indexOf(BEGIN);
        final int e = old.indexOf(END);
        if (b >= 0 || e >= 0) {
            if (b < 0 || e < 0 || e < b) {
                throw new IllegalArgumentException("BENCHMARKS.md has " + (b < 0 ? "no " + BEGIN
                    : e < 0 ? "no " + END : END + " before " + BEGIN) + ": fix the markers by hand");
            }
            String after = old.substring(e + END.length());
            if (after.startsWith("\n")) {
                after = after.substring(1);
            }
            return old.substring(0, b) + block + after;
        }
        final int jmh = old.startsWith(JMH_HEADING) ? 0 : old.indexOf("\n" + JMH_HEADING);
        if (jmh >= 0) {
            return "# JLVS benchmarks\n\n" + block + "\n" + old.substring(jmh == 0 ? 0 : jmh + 1);
        }
        return old.stripTrailing() + "\n\n" + block;
    }
}
