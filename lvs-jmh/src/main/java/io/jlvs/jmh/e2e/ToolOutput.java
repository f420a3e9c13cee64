package io.jlvs.jmh.e2e;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the reports of the external load clients into named figures: {@code wrk} (its text report, run with
 * {@code --latency}) and {@code iperf3 --json}. A report that carries no result (the tool could not connect, the
 * server was busy) fails with the tool's own message. Stateless.
 */
final class ToolOutput {
    private static final Pattern WRK_RPS = Pattern.compile("(?m)^Requests/sec:\\s+([0-9.]+)\\s*$");
    private static final Pattern WRK_TRANSFER = Pattern.compile("(?m)^Transfer/sec:\\s+([0-9.]+)([KMGT]?B)\\s*$");
    private static final Pattern WRK_PCT = Pattern.compile("(?m)^\\s+(50|75|90|99)%\\s+([0-9.]+)(us|ms|s)\\s*$");
    private static final Pattern WRK_SOCKET = Pattern.compile(
        "Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
    private static final Pattern WRK_NON2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");
    private static final Pattern WRK_TOTAL = Pattern.compile(
        "(?m)^\\s+(\\d+) requests in ([0-9.]+)(ms|s|m),(?:\\s+([0-9.]+)([KMGT]?B) read)?");

    private ToolOutput() {
    }

    /**
     * Reads a wrk report: {@code requests_per_s}, {@code bytes_per_s} (wrk's binary units: 1 KB = 1024 B),
     * {@code requests} and {@code bytes} (the totals of the whole run, from its {@code N requests in T, B read}
     * line), {@code errors} (socket errors plus non-2xx/3xx answers), and {@code p50_us} ...
     * {@code p99_us} when the report has a latency distribution.
     *
     * @param report wrk's standard output (and error)
     * @return the figures
     * @throws IllegalArgumentException if the report has no {@code Requests/sec} line
     */
    static Map<String, Double> wrk(final String report) {
        final Matcher rps = WRK_RPS.matcher(report);
        if (!rps.find()) {
            throw new IllegalArgumentException("wrk report without a Requests/sec line: "
                + firstLine(report));
        }
        final Map<String, Double> m = new LinkedHashMap<>();
        m.put("requests_per_s", Double.parseDouble(rps.group(1)));
        final Matcher tr = WRK_TRANSFER.matcher(report);
        if (tr.find()) {
            m.put("bytes_per_s", Double.parseDouble(tr.group(1)) * binary(tr.group(2)));
        }
        final Matcher total = WRK_TOTAL.matcher(report);
        if (total.find()) {
            m.put("requests", Double.parseDouble(total.group(1)));
            if (total.group(4) != null) {
                m.put("bytes", Double.parseDouble(total.group(4)) * binary(total.group(5)));
            }
        }
        double errors = 0;
        final Matcher se = WRK_SOCKET.matcher(report);
        if (se.find()) {
            for (int g = 1; g <= 4; g++) {
                errors += Double.parseDouble(se.group(g));
            }
        }
        final Matcher nx = WRK_NON2XX.matcher(report);
        if (nx.find()) {
            errors += Double.parseDouble(nx.group(1));
        }
        m.put("errors", errors);
        final Matcher p = WRK_PCT.matcher(report);
        while (p.find()) {
            final double v = Double.parseDouble(p.group(2));
            final double us = switch (p.group(3)) {
                case "us" -> v;
                case "ms" -> v * 1e3;
                default -> v * 1e6;
            };
            m.put("p" + p.group(1) + "_us", us);
        }
        return m;
    }

    private static double binary(final String unit) {
        return switch (unit) {
            case "KB" -> 1024.0;
            case "MB" -> 1024.0 * 1024;
            case "GB" -> 1024.0 * 1024 * 1024;
            case "TB" -> 1024.0 * 1024 * 1024 * 1024;
            default -> 1.0;
        };
    }

    /**
     * Reads an {@code iperf3 --json} report of a TCP test: {@code bits_per_s} and {@code bytes} received by the
     * server ({@code end.sum_received}, the omitted first seconds of {@code -O} left out) and {@code retransmits} of
     * the sender.
     *
     * @param json the report
     * @return the figures
     * @throws IllegalArgumentException if the report carries an error or no received sum
     */
    static Map<String, Double> iperf3Tcp(final String json) {
        final Object root = parseIperf3(json);
        final Object bps = Json.at(root, "end", "sum_received", "bits_per_second");
        if (!(bps instanceof Double)) {
            throw new IllegalArgumentException("iperf3 report without end.sum_received.bits_per_second");
        }
        final Map<String, Double> m = new LinkedHashMap<>();
        m.put("bits_per_s", (Double) bps);
        final Object bytes = Json.at(root, "end", "sum_received", "bytes");
        m.put("bytes", bytes instanceof Double ? (Double) bytes : Double.NaN);
        final Object re = Json.at(root, "end", "sum_sent", "retransmits");
        m.put("retransmits", re instanceof Double ? (Double) re : 0.0);
        return m;
    }

    /**
     * Reads an {@code iperf3 --json -u} report: {@code bits_per_s} offered by the client ({@code offered_bits_per_s}),
     * delivered to the server ({@code bits_per_s}, {@code end.sum_received}, or the sum less the loss on iperf3
     * versions without it), {@code bytes} delivered (received by the server, or sent less the loss without a received
     * sum), {@code loss_pct} (100 &times; (1 &minus; bytes received / bytes sent), or iperf3's
     * {@code lost_percent} without both sums), {@code iperf3_lost_pct} (iperf3's own, from sequence gaps) and
     * {@code packets}.
     *
     * @param json the report
     * @return the figures
     * @throws IllegalArgumentException if the report carries an error or no UDP sum
     */
    static Map<String, Double> iperf3Udp(final String json) {
        final Object root = parseIperf3(json);
        final Object sum = Json.at(root, "end", "sum");
        final Object sent = Json.at(root, "end", "sum_sent");
        final Object got = Json.at(root, "end", "sum_received");
        final Object main = got != null ? got : sum;
        if (!(Json.at(main, "lost_percent") instanceof Double)
            || !(Json.at(main, "bits_per_second") instanceof Double)) {
            throw new IllegalArgumentException("iperf3 report without a UDP sum (end.sum_received or end.sum)");
        }
        // loss by bytes, sent against received: iperf3's own lost_percent counts sequence gaps and goes above 100 %
        // when a front delays or reorders datagrams across the test's start; the iperf3 figure is kept beside it
        final Object sentBytes = Json.at(sent, "bytes");
        final Object gotBytes = Json.at(got, "bytes");
        final double iperfLoss = (Double) Json.at(main, "lost_percent");
        final double loss = sentBytes instanceof Double && gotBytes instanceof Double && (Double) sentBytes > 0
            ? 100 * (1 - (Double) gotBytes / (Double) sentBytes) : iperfLoss;
        final Map<String, Double> m = new LinkedHashMap<>();
        final Object offered = Json.at(sent != null ? sent : sum, "bits_per_second");
        m.put("offered_bits_per_s", offered instanceof Double ? (Double) offered : Double.NaN);
        m.put("bits_per_s", got != null ? (Double) Json.at(got, "bits_per_second")
            : (Double) Json.at(sum, "bits_per_second") * (1 - loss / 100));
        final Object mainBytes = Json.at(main, "bytes");
        m.put("bytes", gotBytes instanceof Double ? (Double) gotBytes : mainBytes instanceof Double
            ? (Double) mainBytes * (1 - loss / 100) : Double.NaN);
        m.put("loss_pct", loss);
        m.put("iperf3_lost_pct", iperfLoss);
        final Object packets = Json.at(main, "packets");
        m.put("packets", packets instanceof Double ? (Double) packets : Double.NaN);
        return m;
    }

    private static Object parseIperf3(final String json) {
        final Object root;
        try {
            root = Json.parse(json);
        } catch (final IllegalArgumentException e) {
            throw new IllegalArgumentException("iperf3 output is not JSON (" + e.getMessage() + "): "
                + firstLine(json), e);
        }
        final Object err = Json.at(root, "error");
        if (err != null) {
            throw new IllegalArgumentException("iperf3: " + err);
        }
        return root;
    }

    /**
     * Reads the output of {@code perf stat -x,} (CSV: value, unit, event, ...): each counted event by name, for
     * example {@code task-clock} in ms and {@code context-switches}. Events perf could not count
     * ({@code <not counted>}, {@code <not supported>}) and comment lines are left out.
     *
     * @param csv perf's output
     * @return the counted events
     * @throws IllegalArgumentException if no line counts an event
     */
    static Map<String, Double> perfStat(final String csv) {
        final Map<String, Double> m = new LinkedHashMap<>();
        for (final String line : csv.split("\n")) {
            final String[] f = line.split(",", -1);
            if (line.startsWith("#") || f.length < 3 || f[2].isBlank()) {
                continue;
            }
            try {
                m.put(f[2].trim(), Double.parseDouble(f[0].trim()));
            } catch (final NumberFormatException notCounted) {
                // "<not counted>" or "<not supported>"
            }
        }
        if (m.isEmpty()) {
            throw new IllegalArgumentException("perf stat counted nothing: " + firstLine(csv));
        }
        return m;
    }

    private static String firstLine(final String s) {
        final String t = s.strip();
        final int nl = t.indexOf('\n');
        final String l = nl < 0 ? t : t.substring(0, nl);
        return l.isEmpty() ? "(empty)" : String.format(Locale.ROOT, "%.200s", l);
    }
}
