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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The end-to-end loopback benchmark. Starts the backends and every front in processes of their own, then, for each
 * row and each repeat, runs the row's load client against each front in an order that rotates between repeats, and
 * reports medians with the ratio to the best user-space peer with the same number of threads, the ratio to
 * {@code direct} (no front), the front's CPU over the measured interval ({@code utime + stime} of its processes
 * from {@code /proc/PID/stat}, as % of one core) and its CPU per operation: those CPU seconds over the operations the
 * client counted in the same interval ({@link Report.PerOp}), with its ratio to the lowest of the peers'.
 *
 * <p>Load clients: {@code iperf3} (TCP 1 and 8 streams, UDP 1,400 B at 1 Gbit/s offered) and {@code wrk} (HTTP
 * against an nginx backend: 1 KiB keep-alive, {@code Connection: close}, 1 MiB responses) when installed; otherwise
 * each row falls back to the built-in {@link BenchClient} against {@link BenchServer} (the 1 MiB row needs wrk and
 * nginx and is skipped without them). Every row says which client produced it.
 *
 * <p>Backend ports (offsets from 21000): 0 byte source, 1 64-byte request/response, 2 UDP echo ({@link BenchServer}),
 * 3 {@code iperf3 -s} (TCP and UDP), 4 nginx HTTP. Each front listens on its own base plus the same offsets.
 *
 * <p>Fronts: {@code direct}; {@code jlvs-1}/{@code jlvs-2} ({@link JlvsFront}, one/two event loops, NIO, on the
 * driver's JDK); {@code jlvs-epoll-1}/{@code jlvs-epoll-2} (the epoll transport, one/two event loops, in a child JVM
 * of JDK 22 or later, {@code --enable-native-access=ALL-UNNAMED}: the driver's own JDK if it is one, else
 * {@code --java25 PATH}, else the newest under {@code /usr/lib/jvm}; the class path adds the lvs-transport-epoll jar,
 * {@code --epoll-jar PATH} or found in {@code lvs-transport-epoll/target}; without either the fronts are not started
 * and the report says why; where the transport does not carry UDP its UDP rows say "not supported"); peers when
 * installed: {@code haproxy} (mode tcp, 1 thread), {@code haproxy-splice} (1 thread, {@code option splice-auto}),
 * {@code haproxy-2} ({@code nbthread 2}, splice-auto), {@code nginx} (stream, 1 worker), {@code pen}. More JLVS
 * fronts: {@code --jlvs-front NAME:LOOPS:TRANSPORT[:25][:-Dname=value...]} (for example {@code jlvs-nio25-1:1:nio:25},
 * NIO on the JDK of the epoll fronts, or {@code jlvs-epoll-splice-1:1:epoll:25:-Djlvs.epoll.splice=always}, epoll
 * with a system property for its JVM, so that one run compares a transport's modes side by side); a front whose
 * transport is not on the class path fails to start and is reported as such. See {@link #frontDefs}.
 *
 * <p>Profiles ({@code --profile ROWS}, a comma list of row ids or {@code all}): after a row's measured repeats, each
 * JLVS front that runs in a JVM gets one more run of that row, not counted in the figures, with a JFR recording
 * ({@code profile} settings) around it and, when {@code perf} is installed, {@code perf stat -e
 * task-clock,context-switches,cpu-migrations} of its process; each recording is written as
 * {@code ROW-FRONT.jfr} with its {@link JfrSummary} {@code ROW-FRONT.txt} into {@code --profile-dir} (default
 * {@code bench-profiles} next to {@code --out}), and all summaries together into {@code profiles.md} there.
 *
 * <p>Usage: {@code java -cp lvs-jmh/target/benchmarks.jar io.jlvs.jmh.e2e.Bench [--seconds 5] [--repeats 3]
 * [--only tcp1,tcp8,udp1400,udp64,ka64,ka512,newconn,mib16,memory] [--fronts direct,jlvs-1,...]
 * [--client auto|builtin] [--jlvs-front NAME:LOOPS:TRANSPORT[:25][:-Dname=value...]]... [--java25 PATH]
 * [--epoll-jar PATH] [--profile ROWS|all] [--profile-dir DIR] [--out BENCHMARKS.md]} (or {@code lvs-jmh/bench.sh}).
 */
public final class Bench {
    private static final int BACKEND = 21000;
    private static final int SOURCE = 0;
    private static final int RR = 1;
    private static final int ECHO = 2;
    private static final int IPERF = 3;
    private static final int HTTP = 4;
    private static final int[] TCP_OFFSETS = {SOURCE, RR, IPERF, HTTP};
    private static final int[] UDP_OFFSETS = {ECHO, IPERF};
    /** The ports probed to see that a front listens: not iperf3's, whose server complains of every probe. */
    private static final int[] PROBED = {SOURCE, RR, HTTP};
    private static final String JAR = System.getProperty("java.class.path");
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final List<Process> PROCESSES = new ArrayList<>();
    /** The standard output of each process started with a ready line, read past that line; main thread only. */
    private static final Map<Process, BufferedReader> OUTPUTS = new java.util.HashMap<>();
    /** The ready line each such process printed; main thread only. */
    private static final Map<Process, String> READY = new java.util.HashMap<>();
    private static final long CLK_TCK = Cpu.clockTicksPerSecond();
    /** {@code --client builtin}: set once by main before anything else reads it. */
    private static boolean forceBuiltin;

    private Bench() {
    }

    /** Starts a front's processes listening on {@code base} plus the backend offsets; returns them. */
    @FunctionalInterface
    private interface Starter {
        List<Process> start(Path tmp, int base) throws Exception;
    }

    /**
     * A front that can be started; {@code jdk} names the JDK of a JLVS front in a JVM, else null; {@code properties}
     * are the system properties {@code --jlvs-front} gave its JVM.
     */
    private record FrontDef(String name, int base, int threads, boolean peer, boolean udp, Starter starter,
        String jdk, List<String> properties) {
        FrontDef(final String name, final int base, final int threads, final boolean peer, final boolean udp,
            final Starter starter) {
            this(name, base, threads, peer, udp, starter, null, List.of());
        }
    }

    /**
     * A started front: where it listens, which processes to account CPU to, the JLVS process to profile (or null),
     * and why it carries no UDP although its kind does (or null).
     */
    private record Live(FrontDef def, List<Process> processes, Process jvm, String udpUnsupported) {
    }

    /** Where the epoll fronts' JDK and transport are, or why there are none; set once by main. */
    private static String java22;
    private static String java22Why;
    private static String epollCp;
    private static String epollWhy;

    /** How a row runs its client against a port: the figures and the front's CPU. */
    @FunctionalInterface
    private interface Client {
        Report.Run run(int port, List<Process> front) throws Exception;
    }

    /** A row with the client that will run it. */
    private record Planned(Report.Row row, int offset, boolean udp, Client client) {
    }

    /**
     * The fronts this benchmark knows. The extension point for other JLVS transports: once a transport's module is
     * a dependency of lvs-jmh (its {@code Transport} listed for ServiceLoader), a front of it is one line here, e.g.
     * {@code defs.add(jlvs("jlvs-epoll-4", BASE, 4, "epoll", true))} (BASE a port base of its own), or
     * {@code --jlvs-front jlvs-epoll-4:4:epoll:25} on the command line without a rebuild of this class (a name of
     * its own: one that is taken is refused). A front that forwards in the kernel (an nftables mode, {@code
     * jlvs-kernel}) is a {@link FrontDef} whose {@link Starter} runs the director with that mode and returns
     * its process; its CPU column then shows only that process: softirq time is not in any process's
     * {@code /proc/PID/stat}, so such a row must say so, or add {@code /proc/stat} softirq accounting.
     */
    private static List<FrontDef> frontDefs() {
        final List<FrontDef> defs = new ArrayList<>();
        defs.add(new FrontDef("direct", BACKEND, 0, false, true, null));
        defs.add(jlvs("jlvs-1", 21100, 1, null, false));
        defs.add(jlvs("jlvs-2", 21200, 2, null, false));
        defs.add(jlvs("jlvs-epoll-1", 23100, 1, "epoll", true));
        defs.add(jlvs("jlvs-epoll-2", 23200, 2, "epoll", true));
        defs.add(new FrontDef("haproxy", 21300, 1, true, false, (tmp, base) -> haproxy(tmp, "haproxy", base, 1,
            false)));
        defs.add(new FrontDef("haproxy-splice", 21800, 1, true, false, (tmp, base) -> haproxy(tmp, "haproxy-splice",
            base, 1, true)));
        defs.add(new FrontDef("haproxy-2", 21900, 2, true, false, (tmp, base) -> haproxy(tmp, "haproxy-2", base, 2,
            true)));
        defs.add(new FrontDef("nginx", 21400, 1, true, true, Bench::nginxFront));
        defs.add(new FrontDef("pen", 21500, 1, true, true, (tmp, base) -> pen(base)));
        // the kernel mode (nftables DNAT, conntrack): needs nft and CAP_NET_ADMIN; its table (inet jlvs_bench, see
        // KernelFront) goes when the front stops. Its CPU column counts only the control-plane process, not the
        // kernel's softirq time.
        if (which("nft") && "root".equals(System.getProperty("user.name"))) {
            defs.add(new FrontDef("jlvs-kernel", 21700, 0, false, true, (tmp, base) -> List.of(startProcess(
                "jlvs-kernel", List.of(JAVA, "-Xmx256m", "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED",
                    "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", JAR, KernelFront.class.getName(),
                    Integer.toString(base), Integer.toString(BACKEND), offsets(TCP_OFFSETS), offsets(UDP_OFFSETS)),
                "ready"))));
        }
        return defs;
    }

    private static FrontDef jlvs(final String name, final int base, final int loops, final String transport,
        final boolean onJava22) {
        return jlvs(name, base, loops, transport, onJava22, List.of());
    }

    private static FrontDef jlvs(final String name, final int base, final int loops, final String transport,
        final boolean onJava22, final List<String> properties) {
        return new FrontDef(name, base, loops, false, true, (tmp, b) -> startJlvs(name, b, loops, transport,
            onJava22, properties), onJava22 ? "java22" : "driver", properties);
    }

    /** The value of a count option, with an error that names the option. */
    private static int count(final String option, final String value) {
        try {
            return Integer.parseInt(value);
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException(option + " " + value + ": not a whole number", e);
        }
    }

    /**
     * A JLVS front of {@code --jlvs-front NAME:LOOPS:TRANSPORT[:25][:-Dname=value...]}.
     *
     * @param name the front's name in the report
     * @param loops its event loops
     * @param transport its transport's name
     * @param onJava25 whether it runs on the JDK of the epoll fronts rather than the driver's
     * @param properties system properties for its JVM, each {@code -Dname=value}
     */
    record JlvsSpec(String name, int loops, String transport, boolean onJava25, List<String> properties) {
        private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
        private static final Pattern PROPERTY = Pattern.compile("-D[A-Za-z0-9_][A-Za-z0-9._-]*=.*");
        private static final String FORM = "expected NAME:LOOPS:TRANSPORT[:25][:-Dname=value...], e.g. "
            + "jlvs-epoll-splice-1:1:epoll:25:-Djlvs.epoll.splice=always";

        /**
         * Parses the option's value. After the transport come, in this order, {@code 25} (run on the JDK of the
         * epoll fronts) and system properties; each property starts at a {@code :-D}, so a value may hold colons.
         *
         * @param spec the value
         * @return the front
         * @throws IllegalArgumentException naming the part that is wrong
         */
        static JlvsSpec parse(final String spec) {
            final String[] head = spec.split(":", 4);
            if (head.length < 3) {
                throw new IllegalArgumentException("--jlvs-front " + spec + ": " + head.length + " part"
                    + (head.length == 1 ? "" : "s") + ", " + FORM);
            }
            if (!NAME.matcher(head[0]).matches()) {
                throw new IllegalArgumentException("--jlvs-front " + spec + ": NAME '" + head[0]
                    + "' must be letters, digits, '.', '_' or '-' (" + FORM + ")");
            }
            if (!head[1].matches("[1-9][0-9]{0,2}")) {
                throw new IllegalArgumentException("--jlvs-front " + spec + ": LOOPS '" + head[1]
                    + "' is not an event loop count from 1 to 999 (" + FORM + ")");
            }
            if (!NAME.matcher(head[2]).matches()) {
                throw new IllegalArgumentException("--jlvs-front " + spec + ": TRANSPORT '" + head[2]
                    + "' is not a transport name such as nio or epoll (" + FORM + ")");
            }
            boolean on25 = false;
            final List<String> props = new ArrayList<>();
            if (head.length == 4) {
                String rest = head[3];
                if (rest.equals("25") || rest.startsWith("25:")) {
                    on25 = true;
                    rest = rest.equals("25") ? "" : rest.substring(3);
                    if (rest.isEmpty() && head[3].length() > 2) {
                        throw new IllegalArgumentException("--jlvs-front " + spec + ": nothing after '25:' ("
                            + FORM + ")");
                    }
                }
                if (!rest.isEmpty() || !on25) {
                    for (final String p : rest.split(":(?=-D)", -1)) {
                        if (!PROPERTY.matcher(p).matches()) {
                            throw new IllegalArgumentException("--jlvs-front " + spec + ": '" + p
                                + "' is neither 25 nor a system property -Dname=value (" + FORM + ")");
                        }
                        props.add(p);
                    }
                }
            }
            return new JlvsSpec(head[0], Integer.parseInt(head[1]), head[2], on25, List.copyOf(props));
        }
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
        List<String> onlyFronts = null;
        boolean builtin = false;
        final List<FrontDef> defs = frontDefs();
        int extraBase = 23300;
        String java25Option = null;
        String epollJarOption = null;
        List<String> profileRows = List.of();
        String profileDir = null;
        try {
            for (int i = 0; i < args.length; i++) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(args[i] + ": missing value");
                }
                switch (args[i]) {
                    case "--seconds" -> seconds = count(args[i], args[++i]);
                    case "--repeats" -> repeats = count(args[i], args[++i]);
                    case "--out" -> out = args[++i];
                    case "--only" -> only = Arrays.asList(args[++i].split(","));
                    case "--fronts" -> onlyFronts = Arrays.asList(args[++i].split(","));
                    case "--client" -> {
                        final String c = args[++i];
                        if (!c.equals("auto") && !c.equals("builtin")) {
                            throw new IllegalArgumentException("--client " + c + ": expected auto or builtin");
                        }
                        builtin = c.equals("builtin");
                        forceBuiltin = builtin;
                    }
                    case "--jlvs-front" -> {
                        final JlvsSpec spec = JlvsSpec.parse(args[++i]);
                        for (final FrontDef d : defs) {
                            if (d.name().equals(spec.name())) {
                                throw new IllegalArgumentException("--jlvs-front " + args[i] + ": a front named "
                                    + spec.name() + " exists already (pick another NAME)");
                            }
                        }
                        defs.add(jlvs(spec.name(), extraBase, spec.loops(), spec.transport(), spec.onJava25(),
                            spec.properties()));
                        extraBase += 100;
                    }
                    case "--java25" -> java25Option = args[++i];
                    case "--epoll-jar" -> epollJarOption = args[++i];
                    case "--profile" -> profileRows = Arrays.asList(args[++i].split(","));
                    case "--profile-dir" -> profileDir = args[++i];
                    default -> throw new IllegalArgumentException("unknown option " + args[i] + " (expected "
                        + "--seconds, --repeats, --out, --only, --fronts, --client, --jlvs-front, --java25, "
                        + "--epoll-jar, --profile, --profile-dir)");
                }
            }
            if (seconds < 1 || repeats < 1) {
                throw new IllegalArgumentException("--seconds and --repeats must be at least 1");
            }
            findJava22(java25Option);
            findEpoll(epollJarOption);
        } catch (final IllegalArgumentException e) {
            // a bad option: its message names it; nothing has started yet
            System.err.println("Bench: " + e.getMessage());
            System.exit(2);
            return;
        }
        final Path profiles = profileRows.isEmpty() ? null : profileDir != null ? Path.of(profileDir)
            : Path.of(out).toAbsolutePath().getParent().resolve("bench-profiles");
        if (profiles != null) {
            Files.createDirectories(profiles);
        }
        final boolean perf = profiles != null && which("perf");
        final StringBuilder profileText = new StringBuilder();
        Runtime.getRuntime().addShutdownHook(new Thread(Bench::stopAll));
        final Path tmp = Files.createTempDirectory("jlvs-bench");
        final boolean wrk = !builtin && which("wrk");
        final boolean iperf3 = !builtin && which("iperf3");
        startProcess("backend", List.of(JAVA, "-Xmx256m", "-cp", JAR, BenchServer.class.getName(),
            Integer.toString(BACKEND)), "ready");
        boolean httpBackend = false;
        if (wrk && which("nginx")) {
            httpBackend = nginxBackend(tmp, BACKEND + HTTP);
        }
        boolean iperfServer = false;
        if (iperf3) {
            final Process p = startProcess("iperf3-server", List.of(exe("iperf3"), "-s", "-B", "127.0.0.1", "-p",
                Integer.toString(BACKEND + IPERF)), null);
            iperfServer = started("iperf3 -s", p, BACKEND + IPERF);
        }
        final List<Planned> plan = plan(seconds, iperfServer, httpBackend, tmp);
        final List<Live> fronts = new ArrayList<>();
        final List<String> notStarted = new ArrayList<>();
        for (final FrontDef d : defs) {
            if (onlyFronts != null && !onlyFronts.contains(d.name())) {
                continue;
            }
            if (d.starter() == null) {
                fronts.add(new Live(d, List.of(), null, null));
                continue;
            }
            try {
                final List<Process> ps = d.starter().start(tmp, d.base());
                final Process jvm = d.jdk() != null ? ps.get(0) : null;
                final String ready = jvm == null ? null : READY.get(jvm);
                final String tag = "udp-unsupported: ";
                fronts.add(new Live(d, ps, jvm, ready != null && ready.contains(tag)
                    ? ready.substring(ready.indexOf(tag) + tag.length()) : null));
            } catch (final Exception e) {
                notStarted.add(d.name() + " (" + e.getMessage() + ")");
                System.err.println(d.name() + " not measured: " + e.getMessage());
            }
        }
        System.err.println("fronts: " + fronts.stream().map(l -> l.def().name()).toList() + "; not started: "
            + (notStarted.isEmpty() ? "none" : String.join(", ", notStarted)));
        final Map<String, Map<String, List<Report.Run>>> results = new LinkedHashMap<>();
        final List<Report.Row> rows = new ArrayList<>();
        for (final Planned pl : plan) {
            if (only != null && !only.contains(pl.row().id())) {
                continue;
            }
            rows.add(pl.row());
            final Map<String, List<Report.Run>> byFront = new LinkedHashMap<>();
            final List<Live> eligible = new ArrayList<>();
            for (final Live f : fronts) {
                if (!pl.udp() || f.def().udp()) {
                    byFront.put(f.def().name(), new ArrayList<>());
                    eligible.add(f);
                }
            }
            for (int r = 0; r < repeats; r++) {
                for (final Live f : Report.rotation(eligible, r)) {
                    if (pl.udp() && f.udpUnsupported() != null) {
                        byFront.get(f.def().name()).add(Report.Run.unsupported(f.udpUnsupported()));
                        continue;
                    }
                    Report.Run run;
                    try {
                        run = pl.client().run(f.def().base() + pl.offset(), f.processes());
                    } catch (final Exception e) {
                        run = Report.Run.failed(e.getMessage() == null ? e.toString() : e.getMessage());
                    }
                    System.err.println(pl.row().id() + " " + f.def().name() + " #" + (r + 1) + ": " + run);
                    byFront.get(f.def().name()).add(run);
                }
            }
            results.put(pl.row().id(), byFront);
            if (profiles != null && (profileRows.contains("all") || profileRows.contains(pl.row().id()))) {
                for (final Live f : eligible) {
                    if (f.jvm() != null && !(pl.udp() && f.udpUnsupported() != null)) {
                        profileText.append(profile(pl, f, profiles, perf));
                    }
                }
            }
        }
        if (profiles != null) {
            Files.writeString(profiles.resolve("profiles.md"), "# Profiles of the JLVS fronts\n\nWritten by `"
                + "lvs-jmh/bench.sh " + String.join(" ", args) + "` on " + java.time.LocalDate.now() + ". One "
                + "extra run per row and front, not counted in the report's figures, with JFR (`profile` settings)"
                + (perf ? " and `perf stat`" : "") + " on the front's process. CPU samples (`jdk.ExecutionSample`)"
                + " are threads running Java code; native samples (`jdk.NativeMethodSample`) are threads in native "
                + "code or a system call, blocked waits included; CPU-time samples (`jdk.CPUTimeSample`, JDK 25+) "
                + "are taken per 2 ms of a thread's CPU time, Java and native code, so they show the system calls "
                + "the epoll transport makes (`[native]`: the method that called into native code).\n\n"
                + profileText);
        }
        String memory = null;
        if (only == null || only.contains("memory")) {
            memory = idleMemory(9000);
        }
        final List<Report.FrontInfo> infos = new ArrayList<>();
        for (final Live f : fronts) {
            infos.add(new Report.FrontInfo(f.def().name(), f.def().threads(), f.def().peer()));
        }
        final StringBuilder notes = new StringBuilder();
        for (final Live f : fronts) {
            if (f.jvm() != null) {
                notes.append(notes.length() == 0 ? "" : "; ").append('`').append(f.def().name()).append("` on ")
                    .append("java22".equals(f.def().jdk()) ? java22 + " (" + javaVersion(java22) + ")" : JAVA
                        + " (" + System.getProperty("java.version") + ")")
                    .append(f.def().properties().isEmpty() ? "" : " with `" + String.join(" ", f.def().properties())
                        + "`")
                    .append(f.udpUnsupported() == null ? "" : ", UDP not supported (" + f.udpUnsupported() + ")");
            }
        }
        if (profiles != null) {
            final Path outDir = Path.of(out).toAbsolutePath().getParent();
            final Path summary = profiles.resolve("profiles.md").toAbsolutePath();
            notes.append(notes.length() == 0 ? "" : ". ").append("Profiles (`--profile`, one extra run per row and ")
                .append("front, not in the figures): `").append(summary.startsWith(outDir) ? outDir.relativize(summary)
                    : summary).append('`');
        }
        final String md = section(rows, infos, results, memory, seconds, repeats, notStarted, args, wrk, iperf3,
            httpBackend, plan, only, notes.toString());
        final Path outPath = Path.of(out);
        final String old = Files.exists(outPath) ? Files.readString(outPath) : null;
        Files.writeString(outPath, Report.splice(old, md));
        System.out.println(md);
        stopAll();
    }

    /** CPU per GiB forwarded: the rows whose total is {@code bytes} (iperf3 TCP, wrk 1 MiB, BenchClient bulk). */
    private static final Report.PerOp GIB = new Report.PerOp("bytes", "ms/GiB", Report.PerOp.MILLIS_PER_GIB);
    /** CPU per request: wrk's and BenchClient rr's {@code requests}. */
    private static final Report.PerOp REQUEST = new Report.PerOp("requests", "µs/req", Report.PerOp.MICROS);
    /** CPU per echo that came back (each crossed the front twice): BenchClient udp's {@code delivered}. */
    private static final Report.PerOp ECHO_OP = new Report.PerOp("delivered", "µs/echo", Report.PerOp.MICROS);

    private static List<Planned> plan(final int seconds, final boolean iperf, final boolean http, final Path tmp) {
        final List<Planned> p = new ArrayList<>();
        final String s = Integer.toString(seconds);
        if (iperf) {
            final String v = version("iperf3", "--version");
            for (final int n : new int[] {1, 8}) {
                p.add(new Planned(new Report.Row("tcp" + n, "TCP throughput, " + n + (n == 1 ? " stream" : " streams"),
                    v + ", `iperf3 -c -P " + n + " -O 1 -t " + s + "` (received by the server)", "bits_per_s", "Gbit/s",
                    1e-9, List.of("retransmits", "retransmits"), GIB), IPERF, false, iperf3(seconds, n, false)));
            }
            p.add(new Planned(new Report.Row("udp1400", "UDP, 1,400-byte datagrams offered at 1 Gbit/s",
                v + ", `iperf3 -c -u -b 1G -l 1400 -t " + s + "` after a 1 s test (one way; delivered = received by "
                    + "the server)",
                "bits_per_s", "delivered Mbit/s", 1e-6, List.of("offered_mbit", "offered Mbit/s", "loss_pct",
                "loss % (bytes)", "iperf3_lost_pct", "iperf3 lost %"), new Report.PerOp("datagrams", "µs/datagram",
                Report.PerOp.MICROS)), IPERF, true, iperf3(seconds, 1, true)));
        } else {
            for (final int n : new int[] {1, 8}) {
                p.add(new Planned(new Report.Row("tcp" + n, "TCP throughput, " + n + (n == 1 ? " stream" : " streams"),
                    "built-in BenchClient `bulk` reading BenchServer's byte source (" + why("iperf3") + ")",
                    "bytes_per_s", "Gbit/s", 8e-9, List.of(), GIB), SOURCE, false,
                    builtin(seconds, "bulk", "PORT", Integer.toString(n), s)));
            }
            p.add(new Planned(new Report.Row("udp1400", "UDP, 1,400-byte datagrams offered at 1 Gbit/s (89,286/s)",
                "built-in BenchClient `udp` against BenchServer's echo (" + why("iperf3") + "; delivered = echoes "
                    + "that came back, so both directions cross the front)", "delivered_bytes_per_s",
                "delivered Mbit/s", 8e-6, List.of("loss_pct", "loss %"), ECHO_OP), ECHO, true,
                builtin(seconds, "udp", "PORT", "1400", s, "89286")));
        }
        p.add(new Planned(new Report.Row("udp64", "UDP echo, 64-byte datagrams, as fast as the client sends",
            "built-in BenchClient `udp` against BenchServer's echo", "delivered_per_s", "datagrams/s", 1,
            List.of("loss_pct", "loss %"), ECHO_OP), ECHO, true, builtin(seconds, "udp", "PORT", "64", s, "0")));
        if (http) {
            final String v = version("wrk", "--version");
            final String base = "http://127.0.0.1:PORT/";
            for (final int c : new int[] {64, 512}) {
                p.add(new Planned(new Report.Row("ka" + c, "HTTP keep-alive, 1 KiB responses, " + c + " connections",
                    v + ", `wrk -t 2 -c " + c + " --latency`, nginx backend", "requests_per_s", "req/s", 1,
                    List.of("p50_us", "p50 us", "p99_us", "p99 us", "errors", "errors"), REQUEST), HTTP, false,
                    wrk(seconds, c, base + "1k", false)));
            }
            p.add(new Planned(new Report.Row("newconn", "New connections per second (HTTP `Connection: close`, "
                + "1 KiB responses, 64 connections)", v + ", `wrk -t 2 -c 64 -H 'Connection: close'`, nginx backend",
                "requests_per_s", "conn/s", 1, List.of("errors", "errors"), new Report.PerOp("requests", "µs/conn",
                Report.PerOp.MICROS)), HTTP, false,
                wrk(seconds, 64, base + "1k", true)));
            p.add(new Planned(new Report.Row("mib16", "HTTP keep-alive, 1 MiB responses, 16 connections",
                v + ", `wrk -t 2 -c 16`, nginx backend", "bytes_per_s", "Gbit/s", 8e-9,
                List.of("requests_per_s", "req/s", "errors", "errors"), GIB), HTTP, false,
                wrk(seconds, 16, base + "1m", false)));
        } else {
            for (final int c : new int[] {64, 512}) {
                p.add(new Planned(new Report.Row("ka" + c, "Keep-alive request/response, " + c + " connections "
                    + "(64-byte messages, not HTTP)", "built-in BenchClient `rr` against BenchServer (" + why("wrk")
                    + ")", "requests_per_s", "req/s", 1, List.of("p50_us", "p50 us", "p99_us",
                    "p99 us"), REQUEST), RR, false, builtin(seconds, "rr", "PORT", Integer.toString(c), s)));
            }
            p.add(new Planned(new Report.Row("newconn", "New connections (connect, one 64-byte request, close), 4 "
                + "client threads", "built-in BenchClient `connrate` against BenchServer (" + why("wrk") + ")",
                "connections_per_s", "conn/s", 1, List.of("failed", "failed"), new Report.PerOp("connections",
                "µs/conn", Report.PerOp.MICROS)), RR, false,
                builtin(seconds, "connrate", "PORT", "4", s)));
        }
        return p;
    }

    /** Why a row does not use {@code tool} (wrk also stands for its nginx HTTP backend). */
    private static String why(final String tool) {
        if (forceBuiltin) {
            return tool + " not used: --client builtin";
        }
        if (!which(tool)) {
            return tool + " not installed";
        }
        if (tool.equals("wrk")) {
            return which("nginx") ? "the nginx HTTP backend did not start" : "nginx, the HTTP backend, not installed";
        }
        return "iperf3 -s did not start";
    }

    private static List<ProcessHandle> handles(final List<Process> ps) {
        final List<ProcessHandle> h = new ArrayList<>();
        for (final Process p : ps) {
            h.add(p.toHandle());
        }
        return h;
    }

    /** A measured run: the figures, and the front's CPU (none for {@code direct}) from ticks over the interval. */
    private static Report.Run run(final Map<String, Double> figures, final List<Process> front, final long c0,
        final long c1, final long nanos) {
        return front.isEmpty() ? new Report.Run(figures, Double.NaN, Double.NaN, null)
            : new Report.Run(figures, Cpu.percentOfCore(c0, c1, nanos, CLK_TCK), Cpu.seconds(c0, c1, CLK_TCK), null);
    }

    /** The built-in client: CPU from its {@code MEASURE} line (warm-up over) to its {@code RESULT} line. */
    private static Client builtin(final int seconds, final String... args) {
        return (port, front) -> {
            final List<String> cmd = new ArrayList<>(List.of(JAVA, "-Xmx512m", "-cp", JAR,
                BenchClient.class.getName()));
            for (final String a : args) {
                cmd.add(a.equals("PORT") ? Integer.toString(port) : a);
            }
            final Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            final List<Long> pids = Cpu.tree(handles(front));
            long c0 = -1;
            long t0 = 0;
            long c1 = -1;
            long t1 = 0;
            final Map<String, Double> m = new LinkedHashMap<>();
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.equals("MEASURE")) {
                        c0 = Cpu.sample(pids);
                        t0 = System.nanoTime();
                    } else if (line.startsWith("RESULT ")) {
                        c1 = Cpu.sample(pids);
                        t1 = System.nanoTime();
                        for (final String kv : line.substring(7).trim().split(" ")) {
                            final int eq = kv.indexOf('=');
                            m.put(kv.substring(0, eq), Double.parseDouble(kv.substring(eq + 1)));
                        }
                    }
                }
            }
            if (!p.waitFor(seconds + 60L, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("BenchClient " + args[0] + " did not finish");
            }
            if (m.isEmpty() || c0 < 0) {
                throw new IOException("BenchClient " + args[0] + " printed no " + (c0 < 0 ? "MEASURE" : "RESULT")
                    + " line (exit " + p.exitValue() + ")");
            }
            return run(m, front, c0, c1, t1 - t0);
        };
    }

    /**
     * Runs an external tool with its output to a file; the front's CPU is counted from {@code omitNanos} after its
     * start (its own warm-up, which it leaves out of its figures) to its exit.
     */
    private static Report.Run external(final List<String> cmd, final long omitNanos, final long timeoutSeconds,
        final List<Process> front, final java.util.function.Function<String, Map<String, Double>> parse)
        throws Exception {
        final Path outFile = Files.createTempFile("jlvs-bench-client", ".out");
        try {
            final List<Long> pids = Cpu.tree(handles(front));
            final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(outFile.toFile())
                .start();
            if (omitNanos > 0 && p.waitFor(omitNanos, TimeUnit.NANOSECONDS)) {
                // gone before measuring: the tool's report says why (parse throws with its message)
                final String text = Files.readString(outFile);
                parse.apply(text);
                throw new IOException(cmd.get(0) + " exited during its warm-up: "
                    + text.strip().lines().findFirst().orElse("(no output)"));
            }
            final long c0 = Cpu.sample(pids);
            final long t0 = System.nanoTime();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(cmd.get(0) + " did not finish in " + timeoutSeconds + " s");
            }
            final long c1 = Cpu.sample(pids);
            final long t1 = System.nanoTime();
            return run(parse.apply(Files.readString(outFile)), front, c0, c1, t1 - t0);
        } finally {
            Files.deleteIfExists(outFile);
        }
    }

    /**
     * iperf3 client; retries (up to 5 attempts) while the server says it is busy with the previous test and when a
     * UDP test fails before sending data because the answer to its first datagram came too late.
     */
    private static Client iperf3(final int seconds, final int streams, final boolean udp) {
        return (port, front) -> {
            // UDP: the sums of a test with -O disagree on what they leave out (sent against received bytes), so a
            // UDP test warms up in a separate 1 s test and is measured whole
            final List<String> cmd = new ArrayList<>(List.of(exe("iperf3"), "-c", "127.0.0.1", "-p",
                Integer.toString(port), "-t", Integer.toString(seconds), "-P", Integer.toString(streams), "--json"));
            if (udp) {
                cmd.addAll(List.of("-u", "-b", "1G", "-l", "1400"));
                final List<String> warm = new ArrayList<>(cmd);
                warm.set(warm.indexOf("-t") + 1, "1");
                final Process w = new ProcessBuilder(warm).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (!w.waitFor(30, TimeUnit.SECONDS)) {
                    w.destroyForcibly();
                }
            } else {
                cmd.addAll(List.of("-O", "1"));
            }
            for (int attempt = 1;; attempt++) {
                try {
                    return external(cmd, udp ? 0 : TimeUnit.SECONDS.toNanos(1), seconds + 30L, front, text -> {
                        final Map<String, Double> m = udp ? ToolOutput.iperf3Udp(text) : ToolOutput.iperf3Tcp(text);
                        if (udp) {
                            m.put("offered_mbit", m.get("offered_bits_per_s") / 1e6);
                            // delivered datagrams, for the CPU per datagram
                            m.put("datagrams", m.get("bytes") / 1400);
                        }
                        return m;
                    });
                } catch (final IllegalArgumentException | IOException e) {
                    // before any data: the server still busy with the previous test, or (UDP) the client gave up
                    // waiting for the answer to its first datagram, which under load can come late through a front
                    final String msg = e.getMessage() == null ? "" : e.getMessage();
                    if (attempt >= 5 || !(msg.contains("busy") || msg.contains("unable to read from stream socket"))) {
                        throw e;
                    }
                    System.err.println("iperf3 to port " + port + ", attempt " + attempt + ": " + msg + "; again");
                    Thread.sleep(1000);
                }
            }
        };
    }

    /** wrk: a 1 s warm-up run, then the measured run with the front's CPU over all of it. */
    private static Client wrk(final int seconds, final int connections, final String url, final boolean close) {
        return (port, front) -> {
            final String u = url.replace("PORT", Integer.toString(port));
            final List<String> head = new ArrayList<>(List.of(exe("wrk"), "-t", "2", "-c",
                Integer.toString(connections)));
            if (close) {
                head.addAll(List.of("-H", "Connection: close"));
            }
            final List<String> warm = new ArrayList<>(head);
            warm.addAll(List.of("-d", "1s", u));
            final Process w = new ProcessBuilder(warm).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!w.waitFor(30, TimeUnit.SECONDS)) {
                w.destroyForcibly();
            }
            final List<String> cmd = new ArrayList<>(head);
            cmd.addAll(List.of("-d", seconds + "s", "--latency", u));
            return external(cmd, 0, seconds + 30L, front, ToolOutput::wrk);
        };
    }

    private static String version(final String tool, final String flag) {
        try {
            final Process p = new ProcessBuilder(exe(tool), flag).redirectErrorStream(true).start();
            final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(10, TimeUnit.SECONDS);
            return out.strip().lines().findFirst().orElse(tool).replaceAll(" \\[.*", "").replaceAll(" Copyright.*", "")
                .strip();
        } catch (final IOException e) {
            return tool;
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return tool;
        }
    }

    private static String offsets(final int[] v) {
        final StringBuilder b = new StringBuilder();
        for (final int k : v) {
            b.append(b.length() == 0 ? "" : ",").append(k);
        }
        return b.toString();
    }

    private static List<Process> startJlvs(final String name, final int base, final int loops, final String transport,
        final boolean onJava22, final List<String> properties) throws IOException {
        final boolean epoll = "epoll".equals(transport);
        if (onJava22 && java22 == null) {
            throw new IOException("skipped: " + java22Why);
        }
        if (epoll && epollCp == null) {
            throw new IOException("skipped: " + epollWhy);
        }
        final List<String> cmd = new ArrayList<>(List.of(onJava22 ? java22 : JAVA, "-Xmx512m", "-XX:+UseParallelGC",
            "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED"));
        if (onJava22) {
            cmd.add("--enable-native-access=ALL-UNNAMED");
        }
        cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
        // --jlvs-front's properties after the defaults, so that one of them may override a default
        cmd.addAll(properties);
        cmd.addAll(List.of("-cp", epoll && !epollCp.isEmpty() ? JAR + File.pathSeparator + epollCp : JAR,
            JlvsFront.class.getName(), "--front-base", Integer.toString(base), "--backend-base",
            Integer.toString(BACKEND), "--loops", Integer.toString(loops), "--tcp", offsets(TCP_OFFSETS), "--udp",
            offsets(UDP_OFFSETS)));
        if (transport != null) {
            cmd.addAll(List.of("--transport", transport));
        }
        return List.of(startProcess(name, cmd, "ready"));
    }

    /** The feature version of a JDK from its {@code release} file, or -1. */
    private static int releaseFeature(final Path jdkHome) {
        try {
            for (final String l : Files.readAllLines(jdkHome.resolve("release"))) {
                if (l.startsWith("JAVA_VERSION=")) {
                    return feature(l.substring("JAVA_VERSION=".length()).replace("\"", ""));
                }
            }
        } catch (final IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /**
     * The feature version of a Java version string ({@code 25.0.1}, {@code 17.0.13}, {@code 1.8.0_402}).
     *
     * @param version the version
     * @return its feature number
     * @throws NumberFormatException if it does not start with a number
     */
    static int feature(final String version) {
        final String[] t = version.trim().split("[^0-9]+");
        if (t.length == 0 || t[0].isEmpty()) {
            throw new NumberFormatException("not a Java version: " + version);
        }
        final int first = Integer.parseInt(t[0]);
        return first == 1 && t.length > 1 ? Integer.parseInt(t[1]) : first;
    }

    /** The version a java executable reports ({@code java -version}), or "unknown". */
    private static String javaVersion(final String javaExe) {
        try {
            final Process p = new ProcessBuilder(javaExe, "-version").redirectErrorStream(true).start();
            final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(30, TimeUnit.SECONDS);
            final Matcher m = Pattern.compile("version \"([^\"]+)\"").matcher(out);
            return m.find() ? m.group(1) : "unknown";
        } catch (final IOException e) {
            return "unknown";
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    /**
     * Finds the JDK 22+ of the epoll fronts: {@code --java25} (a java executable or a JDK directory), else the
     * driver's own JDK if it is 22 or later, else the newest JDK 22+ under {@code /usr/lib/jvm}. Sets
     * {@link #java22}, or {@link #java22Why} saying why there is none.
     */
    private static void findJava22(final String option) {
        if (option != null) {
            final Path p = Path.of(option);
            final Path exe = Files.isDirectory(p) ? p.resolve("bin").resolve("java") : p;
            if (!Files.isExecutable(exe)) {
                throw new IllegalArgumentException("--java25 " + option + ": no java executable there (expected a "
                    + "JDK directory or its bin/java)");
            }
            final String v = javaVersion(exe.toString());
            int f;
            try {
                f = feature(v);
            } catch (final NumberFormatException e) {
                f = -1;
            }
            if (f < 22) {
                throw new IllegalArgumentException("--java25 " + option + ": Java " + v + ", the epoll transport "
                    + "needs 22 or later");
            }
            java22 = exe.toString();
            return;
        }
        if (Runtime.version().feature() >= 22) {
            java22 = JAVA;
            return;
        }
        Path best = null;
        int bestFeature = 21;
        try (java.util.stream.Stream<Path> jvms = Files.list(Path.of("/usr/lib/jvm"))) {
            for (final Path d : jvms.sorted().toList()) {
                final int f = releaseFeature(d);
                if (f > bestFeature && Files.isExecutable(d.resolve("bin").resolve("java"))) {
                    best = d;
                    bestFeature = f;
                }
            }
        } catch (final IOException e) {
            // no /usr/lib/jvm
        }
        if (best != null) {
            java22 = best.resolve("bin").resolve("java").toString();
        } else {
            java22Why = "no JDK 22 or later (the driver runs on Java " + Runtime.version().feature()
                + ", none under /usr/lib/jvm; give one with --java25 PATH)";
        }
    }

    /**
     * Finds the epoll transport's classes: in the benchmark jar itself, else {@code --epoll-jar}, else the
     * lvs-transport-epoll jar in {@code lvs-transport-epoll/target} (of the working directory, or beside the
     * benchmark jar's module). Sets {@link #epollCp} (empty when the benchmark jar has them), or {@link #epollWhy}.
     */
    private static void findEpoll(final String option) throws IOException {
        if (option != null) {
            if (!Files.isRegularFile(Path.of(option))) {
                throw new IllegalArgumentException("--epoll-jar " + option + ": no such file");
            }
            epollCp = option;
            return;
        }
        if (Bench.class.getClassLoader().getResource("io/jlvs/transport/epoll/EpollTransport.class") != null) {
            epollCp = "";
            return;
        }
        final List<Path> dirs = new ArrayList<>(List.of(Path.of("lvs-transport-epoll", "target")));
        final Path jar = Path.of(JAR.split(File.pathSeparator)[0]).toAbsolutePath();
        if (jar.getParent() != null && jar.getParent().getParent() != null
            && jar.getParent().getParent().getParent() != null) {
            dirs.add(jar.getParent().getParent().getParent().resolve("lvs-transport-epoll").resolve("target"));
        }
        for (final Path d : dirs) {
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (java.util.stream.Stream<Path> files = Files.list(d)) {
                final java.util.Optional<Path> found = files.filter(f -> {
                    final String n = f.getFileName().toString();
                    return n.startsWith("lvs-transport-epoll-") && n.endsWith(".jar") && !n.endsWith("-sources.jar")
                        && !n.endsWith("-javadoc.jar") && !n.endsWith("-tests.jar");
                }).findFirst();
                if (found.isPresent()) {
                    epollCp = found.get().toAbsolutePath().toString();
                    return;
                }
            }
        }
        epollWhy = "the lvs-transport-epoll jar is not built (it is built when Maven runs on JDK 22+: "
            + "JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 mvn -B -DskipTests package; or give --epoll-jar PATH)";
    }

    /** Sends a line to a JLVS front and reads its answer. */
    private static String ask(final Process jvm, final String line) throws IOException {
        final OutputStream o = jvm.getOutputStream();
        o.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
        o.flush();
        final String answer = OUTPUTS.get(jvm).readLine();
        if (answer == null) {
            throw new IOException("the front exited on '" + line + "'");
        }
        return answer;
    }

    /**
     * One extra run of a row against a JLVS front with JFR (and perf stat when installed) on its process; returns
     * the profile's markdown. A failure is reported in the text, not thrown.
     */
    private static String profile(final Planned pl, final Live f, final Path dir, final boolean perf) {
        final String name = pl.row().id() + "-" + f.def().name();
        final Path base = dir.resolve(name);
        final StringBuilder sb = new StringBuilder("## ").append(f.def().name()).append(", ")
            .append(pl.row().title()).append("\n\n");
        Process perfProcess = null;
        final Path perfOut = dir.resolve(name + ".perf.csv");
        try {
            final String started = ask(f.jvm(), "profile-start");
            if (!started.equals("profiling")) {
                throw new IOException("the front answered '" + started + "' to profile-start");
            }
            if (perf) {
                perfProcess = new ProcessBuilder(exe("perf"), "stat", "-x,", "-e",
                    "task-clock,context-switches,cpu-migrations", "-o", perfOut.toString(), "-p",
                    Long.toString(f.jvm().pid())).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            }
            final long t0 = System.nanoTime();
            Report.Run run;
            try {
                run = pl.client().run(f.def().base() + pl.offset(), f.processes());
            } catch (final Exception e) {
                run = Report.Run.failed(String.valueOf(e.getMessage()));
            }
            final long nanos = System.nanoTime() - t0;
            if (perfProcess != null) {
                // perf stat prints its counts on SIGINT (not on SIGTERM)
                new ProcessBuilder("kill", "-INT", Long.toString(perfProcess.pid())).start().waitFor(10,
                    TimeUnit.SECONDS);
                if (!perfProcess.waitFor(10, TimeUnit.SECONDS)) {
                    perfProcess.destroyForcibly();
                }
            }
            final String stopped = ask(f.jvm(), "profile-stop " + base);
            System.err.println("profile " + name + ": " + run + "; " + stopped);
            sb.append("Run (not in the report's figures): ").append(run.error() != null ? "failed: " + run.error()
                : String.format(Locale.ROOT, "%s %s, front CPU %.0f %% of a core", Report.num(
                    run.figures().getOrDefault(pl.row().metric(), Double.NaN) * pl.row().scale()),
                    pl.row().unit(), run.cpuPct()) + (pl.row().perOp() == null || run.error() != null ? ""
                    : ", " + Report.num(pl.row().perOp().of(run)) + " " + pl.row().perOp().unit() + " of front CPU"))
                .append(". Files: `").append(name).append(".jfr`, `").append(name).append(".txt`")
                .append(perf ? ", `" + name + ".perf.csv`" : "").append(".\n\n");
            if (perfProcess != null) {
                try {
                    final Map<String, Double> m = ToolOutput.perfStat(Files.readString(perfOut));
                    final double secs = nanos / 1e9;
                    sb.append(String.format(Locale.ROOT, "perf stat over %.1f s: task-clock %.0f ms (%.2f CPUs), "
                        + "%.0f context switches (%.0f/s), %.0f CPU migrations.%n%n", secs,
                        m.getOrDefault("task-clock", Double.NaN), m.getOrDefault("task-clock", Double.NaN) / 1e3
                        / secs, m.getOrDefault("context-switches", Double.NaN),
                        m.getOrDefault("context-switches", Double.NaN) / secs,
                        m.getOrDefault("cpu-migrations", Double.NaN)));
                } catch (final IOException | IllegalArgumentException e) {
                    sb.append("perf stat: ").append(e.getMessage()).append("\n\n");
                }
            }
            if (!stopped.matches("profiled [0-9]+ [0-9]+ [0-9]+")) {
                throw new IOException("the front answered '" + stopped + "' to profile-stop");
            }
            sb.append("```\n").append(Files.readString(Path.of(base + ".txt")).strip()).append("\n```\n\n");
        } catch (final IOException | InterruptedException e) {
            if (perfProcess != null) {
                perfProcess.destroyForcibly();
            }
            sb.append("Profile failed: ").append(e.getMessage()).append("\n\n");
            System.err.println("profile " + name + " failed: " + e.getMessage());
        }
        return sb.toString();
    }

    private static boolean which(final String cmd) {
        for (final String dir : (System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/sbin"
            + File.pathSeparator + "/usr/bin").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, cmd))) {
                return true;
            }
        }
        return false;
    }

    private static String exe(final String cmd) {
        for (final String dir : (System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/usr/bin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, cmd))) {
                return Path.of(dir, cmd).toString();
            }
        }
        return cmd;
    }

    private static void requireInstalled(final String cmd) throws IOException {
        if (!which(cmd)) {
            throw new IOException(cmd + " not installed");
        }
    }

    private static List<Process> haproxy(final Path tmp, final String name, final int base, final int threads,
        final boolean splice) throws Exception {
        requireInstalled("haproxy");
        final Path cfg = tmp.resolve(name + ".cfg");
        final StringBuilder c = new StringBuilder("global\n  nbthread " + threads + "\n  maxconn 6000\n\n"
            + "defaults\n  mode tcp\n" + (splice ? "  option splice-auto\n" : "")
            + "  timeout connect 5s\n  timeout client 60s\n  timeout server 60s\n");
        for (final int k : TCP_OFFSETS) {
            c.append("\nlisten p").append(k).append("\n  bind 127.0.0.1:").append(base + k)
                .append("\n  server s1 127.0.0.1:").append(BACKEND + k).append('\n');
        }
        Files.writeString(cfg, c.toString());
        final Process p = startProcess(name, List.of(exe("haproxy"), "-db", "-f", cfg.toString()), null);
        awaitPorts(name, p, base, PROBED);
        return List.of(p);
    }

    private static void awaitPorts(final String name, final Process p, final int base, final int[] offsets)
        throws Exception {
        try {
            for (final int k : offsets) {
                waitForPort(base + k);
            }
        } catch (final IOException e) {
            p.destroyForcibly();
            throw new IOException(name + " did not start: " + e.getMessage(), e);
        }
    }

    private static boolean started(final String name, final Process p, final int port) throws Exception {
        try {
            awaitPorts(name, p, port, new int[] {0});
            return true;
        } catch (final IOException e) {
            System.err.println(e.getMessage() + " (its rows use the built-in client)");
            return false;
        }
    }

    private static String streamModule() {
        for (final String m : new String[] {"/usr/lib/nginx/modules/ngx_stream_module.so",
            "/usr/share/nginx/modules/ngx_stream_module.so"}) {
            if (Files.exists(Path.of(m))) {
                return "load_module " + m + ";\n";
            }
        }
        return "";
    }

    private static Path nginxPrefix(final Path tmp, final String name) throws IOException {
        final Path dir = tmp.resolve(name);
        Files.createDirectories(dir.resolve("logs"));
        return dir;
    }

    private static List<Process> nginxFront(final Path tmp, final int base) throws Exception {
        requireInstalled("nginx");
        final Path dir = nginxPrefix(tmp, "nginx-front");
        final StringBuilder c = new StringBuilder(streamModule() + "worker_processes 1;\ndaemon off;\nerror_log "
            + dir.resolve("logs/error.log") + " warn;\npid " + dir.resolve("nginx.pid") + ";\n"
            + "worker_rlimit_nofile 19000;\nevents { worker_connections 9000; }\nstream {\n");
        for (final int k : TCP_OFFSETS) {
            c.append("  server { listen 127.0.0.1:").append(base + k).append("; proxy_pass 127.0.0.1:")
                .append(BACKEND + k).append("; }\n");
        }
        for (final int k : UDP_OFFSETS) {
            // the echo answers each datagram once; iperf3's server answers only the first, then just receives
            c.append("  server { listen 127.0.0.1:").append(base + k).append(" udp; proxy_pass 127.0.0.1:")
                .append(BACKEND + k).append(";").append(k == ECHO ? " proxy_responses 1;" : "")
                .append(" proxy_timeout 30s; }\n");
        }
        c.append("}\n");
        final Path cfg = dir.resolve("nginx.conf");
        Files.writeString(cfg, c.toString());
        final Process p = startProcess("nginx", List.of(exe("nginx"), "-p", dir.toString(), "-c", cfg.toString()),
            null);
        awaitPorts("nginx", p, base, PROBED);
        return List.of(p);
    }

    /** nginx as the HTTP backend: static 1 KiB and 1 MiB files, keep-alive without a request limit. */
    private static boolean nginxBackend(final Path tmp, final int port) throws Exception {
        final Path dir = nginxPrefix(tmp, "nginx-backend");
        final Path html = Files.createDirectories(dir.resolve("html"));
        Files.write(html.resolve("1k"), filled(1024));
        Files.write(html.resolve("1m"), filled(1 << 20));
        for (final Path p : new Path[] {tmp, dir, html, html.resolve("1k"), html.resolve("1m")}) {
            // the workers may run as another user (nobody when the master is root)
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString(
                Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
        }
        final Path cfg = dir.resolve("nginx.conf");
        Files.writeString(cfg, "worker_processes auto;\ndaemon off;\nerror_log " + dir.resolve("logs/error.log")
            + " warn;\npid " + dir.resolve("nginx.pid") + ";\nworker_rlimit_nofile 19000;\n"
            + "events { worker_connections 4000; }\nhttp {\n  access_log off;\n  sendfile on;\n"
            + "  keepalive_requests 100000000;\n  keepalive_timeout 120s;\n  default_type application/octet-stream;\n"
            + "  server { listen 127.0.0.1:" + port + " backlog=4096; root " + html + "; }\n}\n");
        final Process p = startProcess("nginx-backend", List.of(exe("nginx"), "-p", dir.toString(), "-c",
            cfg.toString()), null);
        return started("nginx (HTTP backend)", p, port);
    }

    private static byte[] filled(final int n) {
        final byte[] b = new byte[n];
        Arrays.fill(b, (byte) 'x');
        return b;
    }

    private static List<Process> pen(final int base) throws Exception {
        requireInstalled("pen");
        final List<Process> ps = new ArrayList<>();
        for (final int k : TCP_OFFSETS) {
            ps.add(startProcess("pen", List.of(exe("pen"), "-f", "-r", "-x", "9000", "127.0.0.1:" + (base + k),
                "127.0.0.1:" + (BACKEND + k)), null));
        }
        for (final int k : UDP_OFFSETS) {
            ps.add(startProcess("pen-udp", List.of(exe("pen"), "-f", "-r", "-U", "127.0.0.1:" + (base + k),
                "127.0.0.1:" + (BACKEND + k)), null));
        }
        awaitPorts("pen", ps.get(0), base, PROBED);
        return ps;
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
        if (readyLine == null) {
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        }
        final Process p = pb.start();
        synchronized (PROCESSES) {
            PROCESSES.add(p);
        }
        if (readyLine != null) {
            final BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8));
            final String l = in.readLine();
            if (l == null || !l.startsWith(readyLine)) {
                throw new IOException(name + " did not start (" + (l == null ? "exited without output; its error"
                    + " output is above" : "printed: " + l) + ")");
            }
            OUTPUTS.put(p, in);
            READY.put(p, l);
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


    private static String section(final List<Report.Row> rows, final List<Report.FrontInfo> fronts,
        final Map<String, Map<String, List<Report.Run>>> results, final String memory, final int seconds,
        final int repeats, final List<String> notStarted, final String[] args, final boolean wrk,
        final boolean iperf3, final boolean httpBackend, final List<Planned> plan, final List<String> only,
        final String notes) throws IOException {
        final StringBuilder sb = new StringBuilder();
        sb.append("## End-to-end loopback benchmark\n\n");
        sb.append("Produced by `lvs-jmh/bench.sh").append(args.length == 0 ? "" : " " + String.join(" ", args))
            .append("` (`io.jlvs.jmh.e2e.Bench`) on ").append(java.time.LocalDate.now()).append(".\n\n");
        sb.append("Machine: ").append(machine()).append(".\n\n");
        sb.append("Method: backends, load client and every front run as separate processes on 127.0.0.1. Each ")
            .append("figure is the median of ").append(repeats).append(" run").append(repeats == 1 ? "" : "s")
            .append(" of ").append(seconds).append(" s after a warm-up (iperf3 TCP `-O 1`; iperf3 UDP and wrk a ")
            .append("separate 1 s run; the built-in client 1 s), the fronts measured in an order that rotates ")
            .append("between runs. `direct` is ")
            .append("the client talking to the backend with no front: the physical baseline. Ratios: to the best ")
            .append("user-space peer with the same number of threads (HAProxy, nginx, pen), and to `direct`. Front ")
            .append("CPU: `utime + stime` of the front's processes and their children from `/proc/PID/stat` over ")
            .append("the measured interval, as % of one core (100 = one core busy; kernel softirq time is not in ")
            .append("it). Front CPU per op: the same CPU time (in clock ticks of 1/CLK_TCK s) divided by the ")
            .append("operations the load client counted over that interval: µs per request (wrk, the built-in `rr`), ")
            .append("per connection (`newconn`), per datagram delivered (iperf3 UDP) or per echo that came back ")
            .append("(built-in `udp`, two crossings of the front), and ms per GiB received (iperf3 TCP, the 1 MiB row,")
            .append(" the built-in `bulk`). The interval: wrk's whole measured run, from its start to its exit (the ")
            .append("separate 1 s warm-up run is over before it starts; its requests are wrk's total of that run); ")
            .append("iperf3 TCP from 1 s after its start (`-O 1`, omitted from its bytes) to its exit; iperf3 UDP ")
            .append("its whole test; the built-in client from its `MEASURE` line to its `RESULT` line. On a box ")
            .append("whose cores the load client, the backend and the front share, a front's throughput mostly ")
            .append("measures the others; its CPU per op is what it controls. Each run gives one figure, the table ")
            .append("shows their median; \"CPU per op vs best peer's\" divides it by the lowest median of the ")
            .append("user-space peers with the same number of threads (below 1: less CPU per op than the best ")
            .append("peer).\n\n");
        sb.append("Load clients: ").append(iperf3 ? version("iperf3", "--version") : why("iperf3"))
            .append("; ").append(wrk ? version("wrk", "--version") : why("wrk"))
            .append("; each row names the client it used. HTTP backend: ")
            .append(httpBackend ? "nginx (`worker_processes auto`, static 1 KiB and 1 MiB files, keep-alive "
                + "without a request limit)" : "none (BenchServer does not speak HTTP; the keep-alive and new-"
                + "connection rows use the built-in 64-byte request/response instead, the 1 MiB row is skipped)")
            .append(".\n\n");
        sb.append("Fronts: ");
        for (int i = 0; i < fronts.size(); i++) {
            final Report.FrontInfo f = fronts.get(i);
            sb.append(i == 0 ? "" : ", ").append('`').append(f.name()).append('`')
                .append(f.threads() == 0 ? "" : " (" + f.threads() + (f.threads() == 1 ? " thread)" : " threads)"));
        }
        sb.append(". `haproxy`: mode tcp; `haproxy-splice` and `haproxy-2` add `option splice-auto`; `nginx`: ")
            .append("stream, one worker; HAProxy has no UDP. Not started: ")
            .append(notStarted.isEmpty() ? "none" : String.join("; ", notStarted)).append(".\n\n");
        if (!notes.isEmpty()) {
            sb.append("JLVS fronts: ").append(notes).append(".\n\n");
        }
        sb.append("### Headline, equal threads\n\nFor each JLVS front: its median figure over the best peer's ")
            .append("with the same number of threads and over `direct`'s (above 1: more), then its median front ")
            .append("CPU per op over the lowest of those peers' (below 1: less CPU per request, connection, ")
            .append("datagram or GiB).\n\n").append(Report.headline(rows, fronts, results));
        sb.append("### All fronts side by side\n\nMedian figure, then in parentheses front CPU in % of a core and ")
            .append("front CPU per op in the unit the row names; n/s: the front does not carry the row.\n\n")
            .append(Report.sideBySide(rows, fronts, results));
        for (final Report.Row row : rows) {
            sb.append(Report.table(row, fronts, results.get(row.id())));
        }
        if (!httpBackend && (only == null || only.contains("mib16"))) {
            sb.append("### HTTP keep-alive, 1 MiB responses, 16 connections\n\nNot measured: needs wrk and nginx ")
                .append("(`apt-get install wrk nginx-light`).\n\n");
        }
        if (memory != null) {
            sb.append("### Memory per idle proxied connection\n\n").append(memory).append("\n");
        }
        return sb.toString();
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
