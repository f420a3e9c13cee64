package io.jlvs.jmh.e2e;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The end-to-end loopback benchmark. Starts the backend ({@link BenchServer}) and every front in processes of their
 * own, then, for each scenario and each repeat, runs the load client ({@link BenchClient}) against each front in an
 * order that rotates between repeats, and reports medians with their ratios to the direct connection and to the
 * best peer. Fronts: {@code direct} (no front, the physical baseline), {@code jlvs-1} and {@code jlvs-2} (one and two
 * event loops), and {@code haproxy} (mode tcp, one thread), {@code nginx} (stream, one worker) and {@code pen} when
 * they are installed. Everything listens on 127.0.0.1 and every process is stopped at the end.
 *
 * <p>Usage: {@code java -cp lvs-jmh/target/benchmarks.jar io.jlvs.jmh.e2e.Bench [--seconds 5] [--repeats 3]
 * [--only bulk1,rr64,...] [--out BENCHMARKS.md]} (or {@code lvs-jmh/bench.sh}).
 */
public final class Bench {
    private static final int BACKEND = 21000;
    private static final String JAR = System.getProperty("java.class.path");
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final List<Process> PROCESSES = new ArrayList<>();
    /** The heading of the JMH section of BENCHMARKS.md, which a rerun keeps. */
    static final String JMH_HEADING = "# JMH";

    private Bench() {
    }

    /** A front under test. */
    private record Front(String name, int base, boolean udp, boolean peer) {
        int port(final int offset) {
            return base + offset;
        }
    }

    /** A measurement: which client mode, which port offset, what to report. */
    private record Scenario(String id, String title, String[] client, int portOffset, String metric, String unit,
        boolean udp) {
    }

    /**
     * Runs the benchmark.
     *
     * @param args options
     * @throws Exception on failure
     */
    public static void main(final String[] args) throws Exception {
        int seconds = 5;
        int repeats = 3;
        String out = "BENCHMARKS.md";
        List<String> only = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds":
                    seconds = Integer.parseInt(args[++i]);
                    break;
                case "--repeats":
                    repeats = Integer.parseInt(args[++i]);
                    break;
                case "--out":
                    out = args[++i];
                    break;
                case "--only":
                    only = Arrays.asList(args[++i].split(","));
                    break;
                default:
                    throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Runtime.getRuntime().addShutdownHook(new Thread(Bench::stopAll));
        final Path tmp = Files.createTempDirectory("jlvs-bench");
        final String s = Integer.toString(seconds);
        final List<Scenario> scenarios = List.of(
            new Scenario("bulk1", "Bulk throughput, 1 stream", new String[] {"bulk", "PORT", "1", s}, 0,
                "bytes_per_s", "MB/s", false),
            new Scenario("bulk8", "Bulk throughput, 8 streams", new String[] {"bulk", "PORT", "8", s}, 0,
                "bytes_per_s", "MB/s", false),
            new Scenario("rr64", "Keep-alive request/response, 64 connections", new String[] {"rr", "PORT", "64", s},
                1, "requests_per_s", "req/s", false),
            new Scenario("rr512", "Keep-alive request/response, 512 connections",
                new String[] {"rr", "PORT", "512", s}, 1, "requests_per_s", "req/s", false),
            new Scenario("connrate", "New connections (connect, one request, close), 4 client threads",
                new String[] {"connrate", "PORT", "4", s}, 1, "connections_per_s", "conn/s", false),
            new Scenario("udp64", "UDP echo, 64-byte datagrams, as fast as the client sends",
                new String[] {"udp", "PORT", "64", s, "0"}, 2, "delivered_per_s", "datagrams/s", true),
            new Scenario("udp1400", "UDP echo, 1,400-byte datagrams offered at 1 Gbit/s (89,286 per second)",
                new String[] {"udp", "PORT", "1400", s, "89286"}, 2, "delivered_per_s", "datagrams/s", true));
        final List<Front> fronts = new ArrayList<>();
        fronts.add(new Front("direct", BACKEND, true, false));
        fronts.add(new Front("jlvs-1", 21100, true, false));
        fronts.add(new Front("jlvs-2", 21200, true, false));
        startProcess("backend", List.of(JAVA, "-Xmx256m", "-cp", JAR, BenchServer.class.getName(),
            Integer.toString(BACKEND)), "ready");
        startJlvs("jlvs-1", 21100, 1);
        startJlvs("jlvs-2", 21200, 2);
        final List<String> found = new ArrayList<>();
        final List<String> missing = new ArrayList<>();
        if (which("haproxy") && startHaproxy(tmp, 21300)) {
            fronts.add(new Front("haproxy", 21300, false, true));
            found.add("haproxy");
        } else {
            missing.add("haproxy");
        }
        if (which("nginx") && startNginx(tmp, 21400)) {
            fronts.add(new Front("nginx", 21400, true, true));
            found.add("nginx");
        } else {
            missing.add("nginx (with the stream module)");
        }
        if (which("nft") && startKernel(21700)) {
            fronts.add(new Front("jlvs-kernel", 21700, true, false));
        }
        if (which("pen") && startPen(21500)) {
            fronts.add(new Front("pen", 21500, true, true));
            found.add("pen");
        } else {
            missing.add("pen");
        }
        System.err.println("fronts: " + fronts.stream().map(Front::name).toList() + "; peers not installed: "
            + (missing.isEmpty() ? "none" : String.join(", ", missing)));
        final Map<String, Map<String, List<Map<String, String>>>> results = new LinkedHashMap<>();
        for (final Scenario sc : scenarios) {
            if (only != null && !only.contains(sc.id())) {
                continue;
            }
            final Map<String, List<Map<String, String>>> byFront = new LinkedHashMap<>();
            for (final Front f : fronts) {
                if (!sc.udp() || f.udp()) {
                    byFront.put(f.name(), new ArrayList<>());
                }
            }
            for (int r = 0; r < repeats; r++) {
                final List<Front> order = new ArrayList<>();
                for (final Front f : fronts) {
                    if (byFront.containsKey(f.name())) {
                        order.add(f);
                    }
                }
                java.util.Collections.rotate(order, -r);
                for (final Front f : order) {
                    final Map<String, String> m = runClient(sc, f.port(sc.portOffset()), seconds);
                    System.err.println(sc.id() + " " + f.name() + " #" + (r + 1) + ": " + m);
                    byFront.get(f.name()).add(m);
                }
            }
            results.put(sc.id(), byFront);
        }
        String memory = null;
        if (only == null || only.contains("memory")) {
            memory = idleMemory(9000);
        }
        String md = report(scenarios, fronts, results, memory, seconds, repeats, found, missing, args);
        // keep the JMH section (written by hand from the JMH runs it names) when the end-to-end part is redone
        final Path outPath = Path.of(out);
        if (Files.exists(outPath)) {
            final String old = Files.readString(outPath);
            final int jmh = old.indexOf("\n" + JMH_HEADING);
            if (jmh >= 0) {
                md = md.stripTrailing() + "\n\n" + old.substring(jmh + 1);
            }
        }
        Files.writeString(outPath, md);
        System.out.println(md);
        stopAll();
    }

    private static void startJlvs(final String name, final int base, final int loops) throws IOException {
        startProcess(name, List.of(JAVA, "-Xmx512m", "-XX:+UseParallelGC",
            "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
            "-cp", JAR, JlvsFront.class.getName(), Integer.toString(base), Integer.toString(BACKEND),
            Integer.toString(loops)), "ready");
    }

    private static boolean startKernel(final int base) throws IOException {
        final Process p = startProcess("jlvs-kernel", List.of(JAVA, "-Xmx256m",
            "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
            "-cp", JAR, KernelFront.class.getName(), Integer.toString(base), Integer.toString(BACKEND)), null);
        final String l = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))
            .readLine();
        if (l == null || !l.equals("ready")) {
            System.err.println("jlvs-kernel front not started: " + l);
            return false;
        }
        return true;
    }

    private static boolean which(final String cmd) {
        for (final String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/usr/sbin").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, cmd))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", cmd)) || Files.isExecutable(Path.of("/usr/bin", cmd));
    }

    private static String exe(final String cmd) {
        for (final String dir : (System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/usr/bin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, cmd))) {
                return Path.of(dir, cmd).toString();
            }
        }
        return cmd;
    }

    private static boolean startHaproxy(final Path tmp, final int base) throws Exception {
        final Path cfg = tmp.resolve("haproxy.cfg");
        Files.writeString(cfg, "global\n  nbthread 1\n  maxconn 9000\n\ndefaults\n  mode tcp\n"
            + "  timeout connect 5s\n  timeout client 60s\n  timeout server 60s\n\n"
            + "listen source\n  bind 127.0.0.1:" + base + "\n  server s1 127.0.0.1:" + BACKEND + "\n\n"
            + "listen rr\n  bind 127.0.0.1:" + (base + 1) + "\n  server s1 127.0.0.1:" + (BACKEND + 1) + "\n");
        final Process p = startProcess("haproxy", List.of(exe("haproxy"), "-db", "-f", cfg.toString()), null);
        return started("haproxy", p, base);
    }

    private static boolean started(final String name, final Process p, final int port) throws Exception {
        try {
            waitForPort(port);
            return true;
        } catch (final IOException e) {
            p.destroyForcibly();
            System.err.println(name + " did not start (skipped): " + e.getMessage());
            return false;
        }
    }

    private static boolean startNginx(final Path tmp, final int base) throws Exception {
        String module = "";
        for (final String m : new String[] {"/usr/lib/nginx/modules/ngx_stream_module.so",
            "/usr/share/nginx/modules/ngx_stream_module.so"}) {
            if (Files.exists(Path.of(m))) {
                module = "load_module " + m + ";\n";
            }
        }
        final Path cfg = tmp.resolve("nginx.conf");
        Files.writeString(cfg, module + "worker_processes 1;\ndaemon off;\nerror_log " + tmp.resolve("nginx.err")
            + " warn;\npid " + tmp.resolve("nginx.pid") + ";\nworker_rlimit_nofile 30000;\n"
            + "events { worker_connections 20000; }\n"
            + "stream {\n"
            + "  server { listen 127.0.0.1:" + base + "; proxy_pass 127.0.0.1:" + BACKEND + "; }\n"
            + "  server { listen 127.0.0.1:" + (base + 1) + "; proxy_pass 127.0.0.1:" + (BACKEND + 1) + "; }\n"
            + "  server { listen 127.0.0.1:" + (base + 2) + " udp; proxy_pass 127.0.0.1:" + (BACKEND + 2) + ";"
            + " proxy_responses 1; proxy_timeout 30s; }\n}\n");
        final Process p = startProcess("nginx", List.of(exe("nginx"), "-p", tmp.toString(), "-c", cfg.toString()),
            null);
        try {
            waitForPort(base);
            return true;
        } catch (final IOException e) {
            p.destroyForcibly();
            System.err.println("nginx did not start: " + e.getMessage());
            return false;
        }
    }

    private static boolean startPen(final int base) throws Exception {
        Process p = null;
        for (int i = 0; i < 2; i++) {
            p = startProcess("pen", List.of(exe("pen"), "-f", "-r", "-x", "9000", "127.0.0.1:" + (base + i),
                "127.0.0.1:" + (BACKEND + i)), null);
        }
        startProcess("pen-udp", List.of(exe("pen"), "-f", "-r", "-U", "127.0.0.1:" + (base + 2),
            "127.0.0.1:" + (BACKEND + 2)), null);
        return started("pen", p, base) && started("pen", p, base + 1);
    }

    private static void waitForPort(final int port) throws Exception {
        final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() - end < 0) {
            try {
                new java.net.Socket("127.0.0.1", port).close();
                return;
            } catch (final IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IOException("nothing listens on 127.0.0.1:" + port);
    }

    private static Process startProcess(final String name, final List<String> cmd, final String readyLine)
        throws IOException {
        final ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        final Process p = pb.start();
        synchronized (PROCESSES) {
            PROCESSES.add(p);
        }
        if (readyLine != null) {
            final BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8));
            final String l = in.readLine();
            if (l == null || !l.startsWith(readyLine)) {
                throw new IOException(name + " did not start: " + l);
            }
        }
        return p;
    }

    private static void stopAll() {
        synchronized (PROCESSES) {
            for (final Process p : PROCESSES) {
                try {
                    p.getOutputStream().close();
                } catch (final IOException ignored) {
                    // stopping
                }
                p.destroy();
            }
            for (final Process p : PROCESSES) {
                try {
                    if (!p.waitFor(5, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                    }
                } catch (final InterruptedException e) {
                    p.destroyForcibly();
                }
            }
            PROCESSES.clear();
        }
    }

    private static Map<String, String> runClient(final Scenario sc, final int port, final int seconds)
        throws Exception {
        final List<String> cmd = new ArrayList<>(List.of(JAVA, "-Xmx512m", "-cp", JAR, BenchClient.class.getName()));
        for (final String a : sc.client()) {
            cmd.add(a.equals("PORT") ? Integer.toString(port) : a);
        }
        final Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        final String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(seconds + 60L, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(sc.id() + ": client did not finish");
        }
        final Map<String, String> m = new LinkedHashMap<>();
        for (final String line : text.split("\n")) {
            if (line.startsWith("RESULT ")) {
                for (final String kv : line.substring(7).trim().split(" ")) {
                    final int eq = kv.indexOf('=');
                    m.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
            }
        }
        if (m.isEmpty()) {
            m.put(sc.metric(), "0");
        }
        return m;
    }

    private static long sockstatTcpPages() throws IOException {
        for (final String l : Files.readAllLines(Path.of("/proc/net/sockstat"))) {
            if (l.startsWith("TCP:")) {
                final String[] t = l.split("\\s+");
                for (int i = 0; i < t.length - 1; i++) {
                    if (t[i].equals("mem")) {
                        return Long.parseLong(t[i + 1]);
                    }
                }
            }
        }
        return -1;
    }

    private static long memAvailableKb() throws IOException {
        for (final String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (l.startsWith("MemAvailable:")) {
                return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /** Heap per idle proxied connection in a JLVS process, clients and backends in other processes. */
    private static String idleMemory(final int count) throws Exception {
        final Process front = startProcess("jlvs-memory", List.of(JAVA, "-Xmx1g", "-XX:+UseParallelGC",
            "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
            "-cp", JAR, JlvsFront.class.getName(), "21600", Integer.toString(BACKEND), "2"), "ready");
        final BufferedReader fin = new BufferedReader(new InputStreamReader(front.getInputStream(),
            StandardCharsets.US_ASCII));
        final OutputStream fout = front.getOutputStream();
        fout.write("heap\n".getBytes(StandardCharsets.US_ASCII));
        fout.flush();
        final long before = Long.parseLong(fin.readLine().split(" ")[1]);
        final long tcpPagesBefore = sockstatTcpPages();
        final long availBefore = memAvailableKb();
        final Process clients = startProcess("idle-clients", List.of(JAVA, "-Xmx512m", "-cp", JAR,
            BenchClient.class.getName(), "idle", "21601", Integer.toString(count)), "ready");
        fout.write("heap\n".getBytes(StandardCharsets.US_ASCII));
        fout.flush();
        final String[] after = fin.readLine().split(" ");
        final long heapAfter = Long.parseLong(after[1]);
        final long live = Long.parseLong(after[3]);
        final long tcpPagesAfter = sockstatTcpPages();
        final long availAfter = memAvailableKb();
        clients.getOutputStream().close();
        clients.waitFor(20, TimeUnit.SECONDS);
        fout.close();
        front.waitFor(20, TimeUnit.SECONDS);
        final double perConn = (heapAfter - before) / (double) live;
        return String.format(Locale.ROOT, "%d idle proxied connections held by a JLVS process (2 event loops): "
            + "**%.0f bytes of Java heap per connection** (heap in use after a full GC: %d before, %d after). "
            + "Kernel, for the whole machine (client, JLVS and backend sockets, 4 per proxied connection): TCP "
            + "socket memory %d -> %d pages (/proc/net/sockstat), MemAvailable %d -> %d kB (/proc/meminfo).",
            live, perConn, before, heapAfter, tcpPagesBefore, tcpPagesAfter, availBefore, availAfter);
    }

    private static double value(final Map<String, String> m, final String key) {
        final String v = m.get(key);
        return v == null ? 0 : Double.parseDouble(v);
    }

    private static double median(final List<Double> v) {
        final List<Double> s = new ArrayList<>(v);
        java.util.Collections.sort(s);
        final int n = s.size();
        return n == 0 ? 0 : n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    private static String report(final List<Scenario> scenarios, final List<Front> fronts,
        final Map<String, Map<String, List<Map<String, String>>>> results, final String memory, final int seconds,
        final int repeats, final List<String> found, final List<String> missing, final String[] args)
        throws IOException {
        final StringBuilder sb = new StringBuilder();
        sb.append("# JLVS benchmarks\n\n");
        sb.append("Produced by `lvs-jmh/bench.sh").append(args.length == 0 ? "" : " " + String.join(" ", args))
            .append("` (the end-to-end loopback benchmark, `io.jlvs.jmh.e2e.Bench`) on ")
            .append(java.time.LocalDate.now()).append(".\n\n");
        sb.append("Machine: ").append(machine()).append("\n\n");
        sb.append("Method: backend, load client and every front run as separate processes on 127.0.0.1. Each ")
            .append("figure is the median of ").append(repeats).append(" runs of ").append(seconds)
            .append(" s (after 1 s of warm-up), with the fronts measured in an order that rotates between runs. ")
            .append("`direct` is the client talking to the backend with no front: the physical baseline. ")
            .append("`jlvs-1`/`jlvs-2`: JLVS with one/two event loops. ")
            .append(fronts.stream().anyMatch(f -> f.name().equals("jlvs-kernel")) ? "`jlvs-kernel`: the same "
                + "services with `--forward kernel` (nftables DNAT in the output hook, conntrack; JLVS only the "
                + "control plane). " : "")
            .append("Peers found: ")
            .append(found.isEmpty() ? "none" : String.join(", ", found)).append(" (each with one thread or worker)")
            .append(missing.isEmpty() ? "" : "; not installed, skipped: " + String.join(", ", missing)).append(".\n\n");
        for (final Scenario sc : scenarios) {
            final Map<String, List<Map<String, String>>> byFront = results.get(sc.id());
            if (byFront == null) {
                continue;
            }
            final Map<String, Double> med = new LinkedHashMap<>();
            for (final Map.Entry<String, List<Map<String, String>>> e : byFront.entrySet()) {
                final List<Double> v = new ArrayList<>();
                for (final Map<String, String> m : e.getValue()) {
                    v.add(value(m, sc.metric()));
                }
                med.put(e.getKey(), median(v));
            }
            double bestPeer = 0;
            for (final Front f : fronts) {
                if (f.peer() && med.containsKey(f.name())) {
                    bestPeer = Math.max(bestPeer, med.get(f.name()));
                }
            }
            final double direct = med.getOrDefault("direct", 0.0);
            sb.append("## ").append(sc.title()).append("\n\n");
            final boolean rr = sc.id().startsWith("rr");
            final boolean udp = sc.udp();
            sb.append("| front | ").append(sc.unit()).append(" | vs direct | vs best peer |")
                .append(rr ? " p50 us | p99 us | p99.9 us |" : "").append(udp ? " loss % |" : "").append('\n');
            sb.append("|---|---:|---:|---:|").append(rr ? "---:|---:|---:|" : "").append(udp ? "---:|" : "")
                .append('\n');
            for (final Map.Entry<String, Double> e : med.entrySet()) {
                final double v = e.getValue();
                final String shown = sc.unit().equals("MB/s") ? String.format(Locale.ROOT, "%.0f", v / 1e6)
                    : String.format(Locale.ROOT, "%.0f", v);
                sb.append("| ").append(e.getKey()).append(" | ").append(shown).append(" | ")
                    .append(direct > 0 ? String.format(Locale.ROOT, "%.2f", v / direct) : "-").append(" | ")
                    .append(bestPeer > 0 ? String.format(Locale.ROOT, "%.2f", v / bestPeer) : "-").append(" |");
                final List<Map<String, String>> runs = byFront.get(e.getKey());
                if (rr) {
                    for (final String k : new String[] {"p50_us", "p99_us", "p999_us"}) {
                        final List<Double> v2 = new ArrayList<>();
                        for (final Map<String, String> m : runs) {
                            v2.add(value(m, k));
                        }
                        sb.append(' ').append(String.format(Locale.ROOT, "%.0f", median(v2))).append(" |");
                    }
                }
                if (udp) {
                    final List<Double> v2 = new ArrayList<>();
                    for (final Map<String, String> m : runs) {
                        v2.add(value(m, "loss_pct"));
                    }
                    sb.append(' ').append(String.format(Locale.ROOT, "%.1f", median(v2))).append(" |");
                }
                sb.append('\n');
            }
            sb.append('\n');
        }
        if (memory != null) {
            sb.append("## Memory per idle proxied connection\n\n").append(memory).append("\n");
        }
        return sb.toString();
    }

    private static String machine() throws IOException {
        String cpu = "unknown CPU";
        for (final String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
            if (l.startsWith("model name")) {
                cpu = l.substring(l.indexOf(':') + 1).trim();
                break;
            }
        }
        String kernel = "";
        try {
            kernel = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
        } catch (final IOException ignored) {
            // not Linux
        }
        return Runtime.getRuntime().availableProcessors() + " CPUs (" + cpu + "), Linux " + kernel + ", Java "
            + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")";
    }
}
