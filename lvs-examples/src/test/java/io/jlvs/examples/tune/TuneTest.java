package io.jlvs.examples.tune;

import io.jlvs.core.internal.json.JsonReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TuneTest {
    private static final long GIB = 1L << 30;
    private static final JvmLimits BIG_JVM = new JvmLimits(8 * GIB, 8 * GIB, "test");

    @TempDir
    Path proc;

    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    private String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    private void put(final String rel, final String content) throws IOException {
        final Path p = proc.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    /** A host that takes 50,000 connections: every figure at or above what the plan needs. */
    private void goodHost() throws IOException {
        put("self/limits", "Limit                     Soft Limit           Hard Limit           Units     \n"
            + "Max cpu time              unlimited            unlimited            seconds   \n"
            + "Max open files            200000               200000               files     \n"
            + "Max locked memory         8388608              8388608              bytes     \n");
        put("self/smaps", "55d0c0000000-55d0c0001000 r--p 00000000 00:1f 1234 /usr/bin/java\n"
            + "Size:                  4 kB\nKernelPageSize:        4 kB\nMMUPageSize:           4 kB\n");
        put("meminfo", "MemTotal:       67108864 kB\nMemFree:        60000000 kB\nMemAvailable:   64000000 kB\n");
        put("sys/fs/nr_open", "1048576\n");
        put("sys/fs/file-max", "9223372036854775807\n");
        put("sys/fs/file-nr", "2000\t0\t9223372036854775807\n");
        put("sys/net/core/somaxconn", "4096\n");
        put("sys/net/core/netdev_max_backlog", "1000\n");
        put("sys/net/core/rmem_max", "4194304\n");
        put("sys/net/core/wmem_max", "4194304\n");
        put("sys/net/ipv4/tcp_max_syn_backlog", "4096\n");
        put("sys/net/ipv4/ip_local_port_range", "1024\t65535\n");
        put("sys/net/ipv4/tcp_mem", "200000\t300000\t400000\n");
        put("sys/net/ipv4/tcp_rmem", "4096\t131072\t6291456\n");
        put("sys/net/ipv4/tcp_wmem", "4096\t16384\t4194304\n");
        put("sys/net/ipv4/tcp_tw_reuse", "1\n");
        put("sys/net/ipv4/tcp_fin_timeout", "30\n");
    }

    /** Runs with {@code --transport nio} unless the arguments name a transport (the exact figures are nio's). */
    private int tune(final String... args) {
        final List<String> given = List.of(args);
        final List<String> a = new java.util.ArrayList<>(given);
        if (!given.contains("--transport") && !given.contains("--help")) {
            a.add("--transport");
            a.add("nio");
        }
        final TuneOptions o;
        try {
            o = Tune.parse(a);
        } catch (final IllegalArgumentException e) {
            return Tune.run(a, out, err); // the usage path, on the real host
        }
        return Tune.run(o, proc, BIG_JVM, out, err);
    }

    /** The table's rows: setting to {now, needed, ok}. */
    private Map<String, String[]> table() {
        final Map<String, String[]> rows = new LinkedHashMap<>();
        boolean in = false;
        for (final String line : out().split("\n")) {
            if (line.startsWith("setting ")) {
                in = true;
                continue;
            }
            if (in && line.isEmpty()) {
                break;
            }
            if (in && !line.startsWith("---")) {
                final String[] c = line.split(" \\| ");
                assertEquals(4, c.length, line);
                rows.put(c[0].trim(), new String[] {c[1].trim(), c[2].trim(), c[3].trim()});
            }
        }
        return rows;
    }

    private String section(final String heading) {
        final String o = out();
        final int i = o.indexOf(heading);
        assertTrue(i >= 0, "no '" + heading + "' in\n" + o);
        final int end = o.indexOf("\n\n", i);
        return o.substring(i, end < 0 ? o.length() : end);
    }

    @Test
    void shouldPassAHostThatHasEverythingAndChangeNothing() throws IOException {
        goodHost();
        assertEquals(Tune.OK, tune("--connections", "50000"), out());
        final Map<String, String[]> rows = table();
        assertEquals(List.of("200000", "101024", "yes"), List.of(rows.get("RLIMIT_NOFILE soft (this JVM)")));
        assertEquals(List.of("1048576", "101024", "yes"), List.of(rows.get("fs.nr_open")));
        assertEquals(List.of("1024 65535 (64512 ports)", "1024 65535", "yes"),
            List.of(rows.get("net.ipv4.ip_local_port_range")));
        assertEquals(List.of("1", "1", "yes"), List.of(rows.get("source addresses per backend")));
        // 2 sockets x 50,000 connections x one 4 KiB page
        assertEquals(List.of("200000 300000 400000 pages", "max >= 100000, pressure >= 100000", "yes"),
            List.of(rows.get("net.ipv4.tcp_mem")));
        assertFalse(rows.containsKey(HostFacts.CONNTRACK_MAX), "conntrack is not loaded in this tree");
        for (final Map.Entry<String, String[]> e : rows.entrySet()) {
            assertTrue(e.getValue()[2].equals("yes") || e.getValue()[2].equals("-"), e.getKey() + ": "
                + e.getValue()[2]);
        }
        assertTrue(out().contains("ok: this host can take 50,000 proxied connections"), out());
        assertTrue(out().contains("# /etc/sysctl.d/90-jlvs.conf: 50,000 proxied JLVS connections; load with: "
            + "sysctl --system\n# nothing to change\n"), out());
        assertTrue(out().contains("\nLimitNOFILE=101024\n"), out());
        assertTrue(out().contains("nf_conntrack is not loaded"), out());
        assertEquals("", err());
        assertEquals(List.of(), Tune.warnings(50_000, proc, BIG_JVM));
    }

    @Test
    void shouldNameEveryShortSettingAndWriteTheSysctlFile() throws Exception {
        goodHost();
        put("self/limits", "Limit                     Soft Limit           Hard Limit           Units     \n"
            + "Max open files            1024                 4096                 files     \n");
        put("sys/net/ipv4/ip_local_port_range", "32768\t60999\n");
        put("sys/net/netfilter/nf_conntrack_max", "65536\n");
        put("sys/net/netfilter/nf_conntrack_count", "100\n");
        put("sys/net/ipv4/tcp_tw_reuse", "0\n");
        assertEquals(Tune.SHORT, tune("--connections", "50000"), out());
        final Map<String, String[]> rows = table();
        assertEquals(List.of("1024", "101024", "NO"), List.of(rows.get("RLIMIT_NOFILE soft (this JVM)")));
        assertEquals(List.of("4096", "101024", "NO"), List.of(rows.get("RLIMIT_NOFILE hard (this JVM)")));
        assertEquals(List.of("32768 60999 (28232 ports)", "1024 65535", "NO"),
            List.of(rows.get("net.ipv4.ip_local_port_range")));
        // 50,000 connections fit the widened range from one source address
        assertEquals(List.of("1", "1", "yes"), List.of(rows.get("source addresses per backend")));
        assertEquals(List.of("65536", "100100", "NO"), List.of(rows.get(HostFacts.CONNTRACK_MAX)));
        assertEquals(List.of("0", "1", "advice"), List.of(rows.get("net.ipv4.tcp_tw_reuse")));
        final String shortList = section("SHORT: this host cannot take 50,000 proxied connections:");
        assertEquals(List.of("SHORT: this host cannot take 50,000 proxied connections:",
            "  RLIMIT_NOFILE soft (this JVM) is 1024, 101024 needed for 50,000 connections",
            "  RLIMIT_NOFILE hard (this JVM) is 4096, 101024 needed for 50,000 connections",
            "  net.ipv4.ip_local_port_range is 32768 60999 (28232 ports), 1024 65535 needed for 50,000 connections",
            "  net.netfilter.nf_conntrack_max is 65536, 100100 needed for 50,000 connections",
            "advice:",
            "  net.ipv4.tcp_tw_reuse is 0, 1 advised for 50,000 connections"), List.of(shortList.split("\n")));
        assertEquals(List.of("# /etc/sysctl.d/90-jlvs.conf: 50,000 proxied JLVS connections; load with: sysctl "
            + "--system", "net.ipv4.ip_local_port_range = 1024 65535", "net.ipv4.tcp_tw_reuse = 1",
            "net.netfilter.nf_conntrack_max = 100100"), List.of(section("# /etc/sysctl.d/").split("\n")));
        assertTrue(out().contains("\nLimitNOFILE=101024\n"), out());

        final List<String> w = Tune.warnings(50_000, proc, BIG_JVM, "nio", java.util.Set.of());
        assertEquals(5, w.size(), w.toString());
        assertTrue(w.get(0).startsWith("RLIMIT_NOFILE soft (this JVM) is 1024, 101024 needed for 50,000 connections ("),
            w.get(0));
        assertTrue(w.get(3).startsWith("net.netfilter.nf_conntrack_max is 65536, 100100 needed"), w.get(3));
        assertTrue(w.get(4).startsWith("net.ipv4.tcp_tw_reuse is 0, 1 advised"), w.get(4));
    }

    @Test
    void shouldCountMemoryAndJvmLimitsAsRequired() throws IOException {
        goodHost();
        put("meminfo", "MemTotal:       1048576 kB\nMemAvailable:    524288 kB\n");
        final TuneOptions o = new TuneOptions(50_000, null, false, "nio");
        assertEquals(Tune.SHORT, Tune.run(o, proc, new JvmLimits(64L << 20, 64L << 20, "test"), out, err));
        final Map<String, String[]> rows = table();
        assertEquals("NO", rows.get("MemAvailable")[2]);
        assertEquals("512.0 MiB", rows.get("MemAvailable")[0]);
        assertEquals("NO", rows.get("JVM max heap (-Xmx)")[2]);
        assertEquals("64.0 MiB", rows.get("JVM max heap (-Xmx)")[0]);
        // 2 x (32 MiB + 50,000 x 1,600 B)
        assertEquals(TunePlan.bytes(2 * ((32L << 20) + 50_000 * 1_600L)),
            rows.get("JVM max heap (-Xmx)")[1]);
        assertEquals("NO", rows.get("JVM max direct memory")[2]);
    }

    @Test
    void shouldReportAFileWithGarbageByNameAndNotGuess() throws IOException {
        goodHost();
        put("sys/fs/nr_open", "lots of \"files\\\n");
        assertEquals(Tune.SHORT, tune("--connections", "50000"), out());
        final Map<String, String[]> rows = table();
        assertEquals(List.of("unreadable", "101024", "unreadable"), List.of(rows.get("fs.nr_open")));
        // the rest is still checked
        assertEquals(List.of("200000", "101024", "yes"), List.of(rows.get("RLIMIT_NOFILE soft (this JVM)")));
        final String expected = "fs.nr_open: cannot be checked: " + proc.resolve("sys/fs/nr_open")
            + ": expected 1 integer, found 'lots of \"files\\'";
        assertTrue(out().contains("SHORT: this host cannot take 50,000 proxied connections:\n  " + expected + "\n"),
            out());

        outBytes.reset();
        assertEquals(Tune.SHORT, tune("--connections", "50000", "--json"));
        final Map<?, ?> json = (Map<?, ?>) JsonReader.parse(out().trim());
        assertEquals(Boolean.FALSE, json.get("ok"));
        assertEquals(List.of("fs.nr_open"), json.get("short"));
        assertEquals(List.of(Map.of("setting", "fs.nr_open", "error", proc.resolve("sys/fs/nr_open")
            + ": expected 1 integer, found 'lots of \"files\\'")), json.get("unreadable"));
    }

    @Test
    void shouldReportAWrongNumberOfValues() throws IOException {
        goodHost();
        put("sys/net/ipv4/tcp_mem", "200000 300000\n");
        put("self/limits", "Max open files            many                 200000               files\n");
        assertEquals(Tune.SHORT, tune("--connections", "1000"));
        assertTrue(out().contains(proc.resolve("sys/net/ipv4/tcp_mem") + ": expected 3 integers, found '200000 "
            + "300000'"), out());
        assertTrue(out().contains(proc.resolve("self/limits") + ": expected 'Max open files SOFT HARD files', found "
            + "'Max open files many 200000 files'"), out());
    }

    @Test
    void shouldReportAMissingFile() throws IOException {
        goodHost();
        Files.delete(proc.resolve("sys/net/ipv4/ip_local_port_range"));
        assertEquals(Tune.SHORT, tune("--connections", "50000"));
        assertTrue(out().contains("  net.ipv4.ip_local_port_range: cannot be checked: "
            + proc.resolve("sys/net/ipv4/ip_local_port_range") + ": no such file\n"), out());
        assertEquals("unreadable", table().get("net.ipv4.ip_local_port_range")[2]);
    }

    @Test
    void shouldNotGuessTheConntrackCount() throws IOException {
        goodHost();
        put("sys/net/netfilter/nf_conntrack_max", "1000000\n");
        put("sys/net/netfilter/nf_conntrack_count", "\n");
        assertEquals(Tune.SHORT, tune("--connections", "50000"));
        assertEquals(List.of("unreadable", "100000", "unreadable"), List.of(table().get(HostFacts.CONNTRACK_MAX)));
        assertTrue(out().contains(proc.resolve("sys/net/netfilter/nf_conntrack_count") + ": expected 1 integer, "
            + "found ''"), out());
    }

    @Test
    void shouldNotFailOnAMissingAdvisoryFile() throws IOException {
        goodHost();
        Files.delete(proc.resolve("sys/net/ipv4/tcp_fin_timeout"));
        assertEquals(Tune.OK, tune("--connections", "50000"), out());
        assertEquals("unreadable", table().get("net.ipv4.tcp_fin_timeout")[2]);
        assertTrue(out().contains("advice:\n  net.ipv4.tcp_fin_timeout: cannot be checked: "
            + proc.resolve("sys/net/ipv4/tcp_fin_timeout") + ": no such file\n"), out());
    }

    @Test
    void shouldAskForSourceAddressesWhenOneBackendTakesMoreThanOneRange() throws IOException {
        goodHost();
        put("self/limits", "Max open files            300000               300000               files\n");
        assertEquals(Tune.SHORT, tune("--connections", "130000"));
        // 130,000 / 64,512 ports
        assertEquals(List.of("1", "3", "NO"), List.of(table().get("source addresses per backend")));
    }

    @Test
    void shouldSpreadConnectionsOverTheRulesRealServersByWeight() throws IOException {
        goodHost();
        put("sys/net/ipv4/ip_local_port_range", "32768 60999\n");
        put("self/limits", "Max open files            300000               300000               files\n");
        final Path rules = proc.resolve("rules.txt");
        Files.writeString(rules, "-A -t 10.1.0.1:80 -s wlc\n"
            + "-a -t 10.1.0.1:80 -r 10.0.0.1:80 -m -w 3\n"
            + "-a -t 10.1.0.1:80 -r 10.0.0.2:80 -m -w 1\n"
            + "-A -t 10.1.0.2:443 -s rr --max-conns 20000\n"
            + "-a -t 10.1.0.2:443 -r 10.0.0.3:443 -m -w 1\n");
        assertEquals(Tune.SHORT, tune("--connections", "100000", "--rules", rules.toString()), out() + err());
        final String backends = section("backend connections by real server");
        assertEquals(List.of("backend connections by real server (ephemeral ports from one source address: 64512):",
            "  10.0.0.1:80                    75,000 connections, 2 source address(es)",
            "  10.0.0.2:80                    25,000 connections, 1 source address(es)",
            "  10.0.0.3:443                   20,000 connections, 1 source address(es)"),
            List.of(backends.split("\n")).subList(0, 4));
        assertEquals(List.of("1", "2", "NO"), List.of(table().get("source addresses per backend")));
        assertTrue(out().contains("busiest backend 10.0.0.1:80: 75000 connections"), out());
    }

    @Test
    void shouldRefuseBadInputWithStatusTwo() throws IOException {
        goodHost();
        assertEquals(Tune.USAGE, Tune.run(List.of("--connections", "0"), out, err));
        assertTrue(err().contains("jlvs tune: --connections 0: expected a number 1..100000000"), err());
        errBytes.reset();
        assertEquals(Tune.USAGE, Tune.run(List.of("--connections", "ten"), out, err));
        assertTrue(err().contains("--connections ten: expected a number 1..100000000"), err());
        errBytes.reset();
        assertEquals(Tune.USAGE, Tune.run(List.of("--connections"), out, err));
        assertTrue(err().contains("--connections needs a number"), err());
        errBytes.reset();
        assertEquals(Tune.USAGE, Tune.run(List.of("--json"), out, err));
        assertTrue(err().contains("--connections N is required"), err());
        errBytes.reset();
        assertEquals(Tune.USAGE, Tune.run(List.of("--connections", "5", "--verbose"), out, err));
        assertTrue(err().contains("unknown option '--verbose'"), err());
        assertThrows(IllegalArgumentException.class, () -> new TuneOptions(100_000_001, null, false));

        errBytes.reset();
        final Path missing = proc.resolve("no-such-rules");
        assertEquals(Tune.USAGE, Tune.run(new TuneOptions(10, missing, false), proc, BIG_JVM, out, err));
        assertTrue(err().contains("--rules " + missing + ": no such file"), err());
        errBytes.reset();
        final Path bad = proc.resolve("bad-rules");
        Files.writeString(bad, "-A -t 10.1.0.1:80 -s wlc\n-a -t 10.1.0.1:80 -r 10.0.0.1:80 -w lots\n");
        assertEquals(Tune.USAGE, Tune.run(new TuneOptions(10, bad, false), proc, BIG_JVM, out, err));
        assertTrue(err().contains(bad + ": line 2"), err());
        assertEquals("", out());
    }

    @Test
    void shouldWriteJsonThatParses() throws Exception {
        goodHost();
        put("sys/net/ipv4/ip_local_port_range", "32768\t60999\n");
        assertEquals(Tune.SHORT, tune("--connections", "50000", "--json"));
        final Map<?, ?> json = (Map<?, ?>) JsonReader.parse(out().trim());
        assertEquals(50_000L, json.get("connections"));
        assertEquals(Boolean.FALSE, json.get("ok"));
        assertEquals(101_024L, json.get("limitNofile"));
        assertEquals(List.of("net.ipv4.ip_local_port_range"), json.get("short"));
        assertEquals(Map.of("net.ipv4.ip_local_port_range", "1024 65535"), json.get("sysctl"));
        final List<?> rows = (List<?>) json.get("rows");
        boolean found = false;
        for (final Object o : rows) {
            final Map<?, ?> r = (Map<?, ?>) o;
            if (r.get("setting").equals("net.ipv4.ip_local_port_range")) {
                assertEquals("short", r.get("status"));
                assertEquals("32768 60999 (28232 ports)", r.get("now"));
                assertEquals(Boolean.TRUE, r.get("required"));
                found = true;
            }
        }
        assertTrue(found);
        assertEquals(List.of(Map.of("endpoint", Tune.ANY_BACKEND, "connections", 50_000L)), json.get("backends"));
    }

    @Test
    void shouldReadAndParseThisHost() {
        assumeTrue(Files.isReadable(Path.of("/proc/self/limits")), "not Linux: no /proc");
        final int status = Tune.run(List.of("--connections", "1000"), out, err);
        assertNotEquals(Tune.USAGE, status, err());
        final Map<String, String[]> rows = table();
        for (final String s : new String[] {"RLIMIT_NOFILE soft (this JVM)", "fs.nr_open", "fs.file-max",
            "net.core.somaxconn", "net.ipv4.tcp_max_syn_backlog", "net.core.netdev_max_backlog",
            "net.ipv4.ip_local_port_range", "net.ipv4.tcp_mem", "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem",
            "net.core.rmem_max", "net.core.wmem_max", "MemAvailable", "MemTotal", "JVM max heap (-Xmx)"}) {
            assertTrue(rows.containsKey(s), s + " missing from\n" + out());
            assertNotEquals("unreadable", rows.get(s)[2], s + ": " + out());
        }
        // a sysctl file read at an offset gives EOF: the two values must both arrive
        assertTrue(rows.get("net.ipv4.ip_local_port_range")[0].matches("\\d+ \\d+ \\(\\d+ ports\\)"),
            rows.get("net.ipv4.ip_local_port_range")[0]);
        assertTrue(rows.get("net.ipv4.tcp_mem")[0].matches("\\d+ \\d+ \\d+ pages"), rows.get("net.ipv4.tcp_mem")[0]);
        final long soft = Long.parseLong(rows.get("RLIMIT_NOFILE soft (this JVM)")[0]);
        assertTrue(soft > 0);
        for (final String w : Tune.warnings(1000)) {
            assertTrue(rows.keySet().stream().anyMatch(w::startsWith), w);
        }
    }

    private Map<?, ?> json() {
        return (Map<?, ?>) JsonReader.parse(out().trim());
    }

    private static Map<?, ?> jsonRow(final Map<?, ?> json, final String setting) {
        for (final Object o : (List<?>) json.get("rows")) {
            if (setting.equals(((Map<?, ?>) o).get("setting"))) {
                return (Map<?, ?>) o;
            }
        }
        throw new AssertionError("no row " + setting + " in " + json);
    }

    private static final int LOOPS = Runtime.getRuntime().availableProcessors();

    @Test
    void shouldPlanNioWithItsMeasuredFigures() throws IOException {
        goodHost();
        assertEquals(Tune.OK, tune("--connections", "50000", "--transport", "nio"), out());
        final Map<String, String[]> rows = table();
        // 2 x (32 MiB + 50,000 x 1,600 B)
        assertEquals(TunePlan.bytes(2 * ((32L << 20) + 50_000L * 1_600)), rows.get("JVM max heap (-Xmx)")[1]);
        assertEquals("216.6 MiB", rows.get("JVM max heap (-Xmx)")[1]);
        assertEquals(TunePlan.bytes(LOOPS * (64L << 20)), rows.get("JVM max direct memory")[1]);
        // 2 per connection + 1,024: nio holds no descriptors per loop
        assertEquals("101024", rows.get("RLIMIT_NOFILE soft (this JVM)")[1]);
        assertTrue(out().contains("\ntransport: nio (named; planned whether or not it can run in this JVM, Java "
            + Runtime.version().feature() + ")\n"), out());
        assertTrue(out().contains("JVM max heap (-Xmx): 2 x (32 MiB + 1600 B measured per nio connection)"), out());
    }

    @Test
    void shouldPlanEpollWithItsMeasuredFiguresOnAnyJvm() throws IOException {
        goodHost();
        // planning for epoll does not need epoll to run here (this JVM may be Java 17)
        assertEquals(Tune.OK, tune("--connections", "50000", "--transport", "EPOLL"), out());
        final Map<String, String[]> rows = table();
        // 2 x (32 MiB + 50,000 x 591 B)
        assertEquals(TunePlan.bytes(2 * ((32L << 20) + 50_000L * 591)), rows.get("JVM max heap (-Xmx)")[1]);
        assertEquals("120.4 MiB", rows.get("JVM max heap (-Xmx)")[1]);
        // no direct buffers at all
        assertEquals(List.of("8.0 GiB", "0 B", "yes"), List.of(rows.get("JVM max direct memory")));
        // 2 per connection + 1,024 + 512 pooled pipe descriptors per loop
        assertEquals(Long.toString(101_024 + 512L * LOOPS), rows.get("RLIMIT_NOFILE soft (this JVM)")[1]);
        assertTrue(out().contains("\ntransport: epoll (named; planned whether or not it can run in this JVM"),
            out());
        assertTrue(out().contains("JVM max heap (-Xmx): 2 x (32 MiB + 591 B measured per epoll connection)"), out());
        assertTrue(out().contains(LOOPS + " loops x 1 MiB epoll native (FFM, outside -XX:MaxDirectMemorySize)"),
            out());
    }

    @Test
    void shouldFailAJvmWhoseHeapFitsEpollButNotNio() throws IOException {
        goodHost();
        // 200 MiB: epoll needs 2 x (32 MiB + 60,000 x 591 B) = 131.6 MiB, nio 2 x (32 MiB + 60,000 x 1,600 B)
        // = 247.1 MiB
        final JvmLimits jvm = new JvmLimits(200L << 20, 8 * GIB, "test");
        assertEquals(Tune.OK, Tune.run(new TuneOptions(60_000, null, false, "epoll"), proc, jvm, out, err), out());
        assertEquals(List.of("200.0 MiB", "131.6 MiB", "yes"), List.of(table().get("JVM max heap (-Xmx)")));
        outBytes.reset();
        assertEquals(Tune.SHORT, Tune.run(new TuneOptions(60_000, null, false, "nio"), proc, jvm, out, err), out());
        assertEquals(List.of("200.0 MiB", "247.1 MiB", "NO"), List.of(table().get("JVM max heap (-Xmx)")));
    }

    @Test
    void shouldSayWhichTransportAutoPlannedAndWhyInTextAndJson() throws Exception {
        goodHost();
        final String chosen = io.jlvs.core.LoadBalancer.transportFor("auto", java.util.Set.of());
        assertEquals(Tune.OK, tune("--connections", "1000", "--transport", "auto"), out());
        final String line = out().lines().filter(l -> l.startsWith("transport: ")).findFirst().orElseThrow();
        assertTrue(line.startsWith("transport: auto: " + chosen + " (Java " + Runtime.version().feature()
            ) || line.startsWith("transport: auto: " + chosen + " (this JVM is Java " + Runtime.version().feature()),
            line);
        if (Runtime.version().feature() < 22) {
            assertEquals("transport: auto: nio (this JVM is Java " + Runtime.version().feature()
                + "; epoll needs Java 22+)", line);
        }
        outBytes.reset();
        assertEquals(Tune.OK, tune("--connections", "1000", "--transport", "auto", "--json"), out());
        final Map<?, ?> json = json();
        assertEquals(chosen, json.get("transport"));
        assertEquals(line.substring("transport: ".length()), json.get("transportWhy"));
        final long perConnection = chosen.equals("epoll") ? 591 : 1_600;
        assertEquals(TunePlan.bytes(2 * ((32L << 20) + 1_000 * perConnection)),
            jsonRow(json, "JVM max heap (-Xmx)").get("needed"));
    }

    @Test
    void shouldWriteTheNamedTransportInJson() throws IOException {
        goodHost();
        assertEquals(Tune.OK, tune("--connections", "1000", "--transport", "epoll", "--json"), out());
        final Map<?, ?> json = json();
        assertEquals("epoll", json.get("transport"));
        assertTrue(((String) json.get("transportWhy")).startsWith("epoll (named;"), json.toString());
        assertEquals(TunePlan.bytes(2 * ((32L << 20) + 1_000 * 591L)),
            jsonRow(json, "JVM max heap (-Xmx)").get("needed"));
        assertEquals("0 B", jsonRow(json, "JVM max direct memory").get("needed"));
    }

    @Test
    void shouldRefuseAnUnknownTransportNamingIt() {
        assertEquals(Tune.USAGE, Tune.run(List.of("--connections", "10", "--transport", "iouring"), out, err));
        assertTrue(err().startsWith("jlvs tune: --transport iouring: expected nio, epoll or auto\n"), err());
        assertEquals("", out());
        assertEquals(Tune.USAGE, Tune.run(List.of("--connections", "10", "--transport"), out, err));
        assertTrue(err().contains("jlvs tune: --transport needs nio, epoll or auto\n"), err());
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new TuneOptions(10, null, false, "xdp"));
        assertEquals("--transport xdp: expected nio, epoll or auto", e.getMessage());
    }

    @Test
    void shouldWarnAtStartWithTheRunningTransportsFigures() throws IOException {
        goodHost();
        // 60,000 connections against a 200 MiB heap: short for nio (247.1 MiB), enough for epoll (122.5 MiB)
        final JvmLimits jvm = new JvmLimits(200L << 20, 8 * GIB, "test");
        final List<String> nio = Tune.warnings(60_000, proc, jvm, "nio", java.util.Set.of());
        assertEquals(List.of("JVM max heap (-Xmx) is 200.0 MiB, 247.1 MiB needed for 60,000 connections (2 x "
            + "(32 MiB + 1600 B measured per nio connection))"), nio);
        assertEquals(List.of(), Tune.warnings(60_000, proc, jvm, "epoll", java.util.Set.of()));
        // a custom transport has no measured figures: planned as nio
        assertEquals(nio, Tune.warnings(60_000, proc, jvm, "mine", java.util.Set.of()));
    }
}
