package io.jlvs.jmh;

import io.jlvs.jmh.e2e.BenchServer;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Memory per proxied TCP connection, measured at several connection counts and projected to 1,000,000 by a linear
 * fit. Not a test: a benchmark that needs a quiet-ish machine for a few minutes.
 *
 * <p>For each count (default 1,000, 3,000 and 9,900: a process may open 20,000 descriptors here and the director
 * holds two per connection) it starts, each in a process of its own, the backend ({@code BenchServer}'s 64-byte
 * request/response port), the director ({@link MemoryDirector}: the default options, two event loops) and the
 * clients ({@link MemoryClients}), which open the connections through the director, make one round trip on each
 * and hold them. It measures the director with the connections idle, then while every connection makes one
 * 64-byte request/response per second: Java heap (the live objects of {@code jcmd PID GC.class_histogram}, and
 * the MemoryMXBean's heap in use after full collections beside it), direct buffer memory, RSS, the
 * director's descriptors, and the machine's kernel memory ({@code /proc/meminfo} Slab, the socket caches of
 * {@code /proc/slabinfo}, {@code /proc/net/sockstat} TCP pages), each as the difference to the same process set
 * before the clients connected. Kernel figures cover the four sockets of a proxied connection on loopback (client,
 * the director's two, backend); the director's share is half. The class histograms of the idle director at the
 * smallest and largest counts give the heap per connection by class. HAProxy ({@code
 * mode tcp}, two threads) is measured the same way when it is installed, else skipped and said so.
 *
 * <p>Transports ({@code --transport nio,epoll}, the default when a JDK 22+ is found): the NIO director runs on this
 * JVM's java; the epoll director (FFM, JDK 22+) on the java of {@code --java PATH}, or this one when it is 22+, or the
 * newest JDK 22+ under {@code /usr/lib/jvm}, with {@code --enable-native-access=ALL-UNNAMED}. Both run from this
 * jar: built on JDK 22+ ({@code jdk22-epoll} profile) it carries the epoll classes. Each transport gets its table,
 * its heap by class and its projection.
 *
 * <p>Shared VIP ({@code --shared-per-process N}, default 9,000; 0 skips it): two director processes with
 * {@code --reuse-port-share} (SO_REUSEPORT) listen on the same VIP:port, two client processes open N connections
 * each through it, and the kernel spreads them over the two: the report gives each process's share, descriptors,
 * descriptor limit, heap and RSS, against what one process may hold under its descriptor limit.
 *
 * <p>The report (a Markdown section) replaces the text between {@code <!-- connection-memory:begin -->} and
 * {@code <!-- connection-memory:end -->} in the output file, or is appended to it.
 *
 * <p>Usage: {@code java -cp lvs-jmh/target/benchmarks.jar io.jlvs.jmh.ConnectionMemory [--levels 1000,3000,9900]
 * [--traffic-seconds 10] [--loops 2] [--transport nio,epoll] [--java PATH] [--shared-per-process 9000]
 * [--shared-transport nio] [--out FILE] [--tune-jar lvs-examples/target/jlvs.jar] [--no-haproxy]}.
 *
 * <p>Not thread-safe (a command line program; each child's output is read by a thread of its own into a queue).
 */
public final class ConnectionMemory {
    private static final String JAR = System.getProperty("java.class.path");
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final int SHARED_FRONT = 22200;
    /**
     * The shared run's backend: a port of its own, so that the director-to-backend connections of the runs before it,
     * in TIME_WAIT for a minute, do not take the ephemeral ports its 2 x N new ones need (the 4-tuples differ).
     */
    private static final int SHARED_BACKEND = 22300;
    private static final int BACKEND = 22000;
    private static final int FRONT = 22100;
    private static final String BEGIN = "<!-- connection-memory:begin -->";
    private static final String END = "<!-- connection-memory:end -->";
    /** The socket-related slab caches summed as "socket slab". */
    private static final Set<String> SOCKET_CACHES = Set.of("TCP", "TCPv6", "sock_inode_cache", "filp", "dentry",
        "eventpoll_epi", "eventpoll_pwq", "tcp_bind_bucket", "tcp_bind2_bucket", "skbuff_head_cache",
        "skbuff_fclone_cache", "tw_sock_TCP", "request_sock_TCP");
    private static final List<Child> CHILDREN = new ArrayList<>();
    /** The histogram's total line. */
    private static final String TOTAL = "<total>";
    /** Live objects by the class histogram: the authoritative heap figure. */
    private static final String HEAP_LIVE = "heap idle, live objects (class histogram)";

    private ConnectionMemory() {
    }

    /** A child process whose standard output a daemon thread reads into a queue. */
    private static final class Child {
        final String name;
        final Process process;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final OutputStream in;
        /** The jcmd of the JDK the child runs on (for a JVM child). */
        String jcmd;

        Child(final String name, final List<String> cmd) throws IOException {
            this.name = name;
            this.process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            this.in = process.getOutputStream();
            final Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                    for (String l = r.readLine(); l != null; l = r.readLine()) {
                        lines.add(l);
                    }
                } catch (final IOException e) {
                    // the process ended
                }
                lines.add("<eof>");
            }, name + "-out");
            t.setDaemon(true);
            t.start();
            synchronized (CHILDREN) {
                CHILDREN.add(this);
            }
        }

        String expect(final String prefix, final int seconds) throws Exception {
            final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (true) {
                final long left = end - System.nanoTime();
                final String l = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
                if (l == null) {
                    throw new IOException(name + ": no '" + prefix + "' line within " + seconds + " s");
                }
                if (l.equals("<eof>")) {
                    throw new IOException(name + " ended before printing '" + prefix + "' (exit "
                        + process.waitFor() + ")");
                }
                if (l.startsWith(prefix)) {
                    return l;
                }
            }
        }

        void send(final String command) throws IOException {
            in.write((command + "\n").getBytes(StandardCharsets.US_ASCII));
            in.flush();
        }

        Map<String, Long> ask(final String command, final int seconds) throws Exception {
            send(command);
            return fields(expect("measure ", seconds));
        }

        void stop() {
            try {
                in.close();
            } catch (final IOException ignored) {
                // already gone
            }
            try {
                if (!process.waitFor(15, TimeUnit.SECONDS)) {
                    process.destroy();
                    if (!process.waitFor(5, TimeUnit.SECONDS)) {
                        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                    }
                }
            } catch (final InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            synchronized (CHILDREN) {
                CHILDREN.remove(this);
            }
        }
    }

    private static void stopAll() {
        final List<Child> all;
        synchronized (CHILDREN) {
            all = new ArrayList<>(CHILDREN);
        }
        for (final Child c : all) {
            c.process.destroyForcibly();
        }
    }

    static Map<String, Long> fields(final String line) {
        final Map<String, Long> m = new LinkedHashMap<>();
        for (final String kv : line.trim().split("\\s+")) {
            final int eq = kv.indexOf('=');
            if (eq > 0) {
                m.put(kv.substring(0, eq), Long.parseLong(kv.substring(eq + 1)));
            }
        }
        return m;
    }

    /** The machine's kernel memory, in bytes. */
    private record Kernel(long slab, long socketSlab, long tcpMem, long tcpInuse, Map<String, Long> caches) {
    }

    private static Kernel kernel() throws IOException {
        long slab = -1;
        for (final String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (l.startsWith("Slab:")) {
                slab = Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        long tcpPages = -1;
        long inuse = -1;
        for (final String l : Files.readAllLines(Path.of("/proc/net/sockstat"))) {
            if (l.startsWith("TCP:")) {
                final String[] t = l.split("\\s+");
                for (int i = 1; i < t.length - 1; i++) {
                    if (t[i].equals("mem")) {
                        tcpPages = Long.parseLong(t[i + 1]);
                    } else if (t[i].equals("inuse")) {
                        inuse = Long.parseLong(t[i + 1]);
                    }
                }
            }
        }
        final Map<String, Long> caches = new LinkedHashMap<>();
        long socketSlab = -1;
        final Path slabinfo = Path.of("/proc/slabinfo");
        if (Files.isReadable(slabinfo)) {
            try {
                socketSlab = 0;
                for (final String l : Files.readAllLines(slabinfo)) {
                    final String[] t = l.trim().split("\\s+");
                    if (t.length > 4 && SOCKET_CACHES.contains(t[0])) {
                        final long bytes = Long.parseLong(t[1]) * Long.parseLong(t[3]);
                        caches.merge(t[0], bytes, Long::sum);
                        socketSlab += bytes;
                    }
                }
            } catch (final IOException e) {
                socketSlab = -1; // not readable without root
            }
        }
        return new Kernel(slab, socketSlab, tcpPages * 4096, inuse, caches);
    }

    /** What one count measured: each metric as the difference to the same processes before the clients. */
    private static final class Level {
        final int connections;
        final Map<String, Double> metrics = new LinkedHashMap<>();
        final Map<String, Long> cachesIdle = new LinkedHashMap<>();
        Map<String, long[]> histogram = Map.of();
        String note = "";
        /** Round trips completed over those due at one per connection per second (1 = the rate was held). */
        double achieved = 1;

        Level(final int connections) {
            this.connections = connections;
        }
    }

    /** A director's JVM: its java and jcmd, the flags it needs, and its version. */
    record Jvm(String java, String jcmd, List<String> flags, String version) {
        static Jvm of(final Path home, final List<String> flags) throws IOException {
            return new Jvm(home.resolve("bin/java").toString(), home.resolve("bin/jcmd").toString(), flags,
                releaseVersion(home));
        }
    }

    /** JAVA_VERSION of a JDK's {@code release} file ({@code "unknown"} when it has none). */
    static String releaseVersion(final Path home) throws IOException {
        final Path release = home.resolve("release");
        if (Files.isReadable(release)) {
            for (final String l : Files.readAllLines(release)) {
                if (l.startsWith("JAVA_VERSION=")) {
                    return l.substring("JAVA_VERSION=".length()).replace("\"", "");
                }
            }
        }
        return "unknown";
    }

    static int major(final String version) {
        final String v = version.startsWith("1.") ? version.substring(2) : version;
        int i = 0;
        while (i < v.length() && Character.isDigit(v.charAt(i))) {
            i++;
        }
        return i == 0 ? -1 : Integer.parseInt(v.substring(0, i));
    }

    /**
     * The JDK the epoll director runs on: {@code --java} (a java binary), this JVM when it is 22+, else the newest
     * JDK 22+ under /usr/lib/jvm; null when there is none.
     */
    static Path epollHome(final String javaOption) throws IOException {
        if (javaOption != null) {
            final Path bin = Path.of(javaOption).toAbsolutePath();
            if (!Files.isExecutable(bin) || bin.getParent() == null || bin.getParent().getParent() == null) {
                throw new IllegalArgumentException("--java " + javaOption + ": not an executable JDK bin/java");
            }
            final Path home = bin.getParent().getParent();
            if (major(releaseVersion(home)) < 22) {
                throw new IllegalArgumentException("--java " + javaOption + ": JDK " + releaseVersion(home)
                    + ", the epoll transport needs 22 or later");
            }
            return home;
        }
        if (Runtime.version().feature() >= 22) {
            return Path.of(System.getProperty("java.home"));
        }
        Path best = null;
        int bestMajor = 0;
        final Path jvms = Path.of("/usr/lib/jvm");
        if (Files.isDirectory(jvms)) {
            try (var dirs = Files.list(jvms)) {
                for (final Path d : (Iterable<Path>) dirs::iterator) {
                    final int m = major(releaseVersion(d));
                    if (m >= 22 && m > bestMajor && Files.isExecutable(d.resolve("bin/java"))) {
                        best = d;
                        bestMajor = m;
                    }
                }
            }
        }
        return best;
    }

    /**
     * Runs the benchmark.
     *
     * @param args options (see the class comment)
     * @throws Exception on failure
     */
    public static void main(final String[] args) throws Exception {
        int[] levels = {1000, 3000, 9900};
        int trafficSeconds = 10;
        int loops = 2;
        Path out = Path.of("connection-memory.md");
        Path tuneJar = Path.of("lvs-examples/target/jlvs.jar");
        boolean haproxy = true;
        List<String> transports = null;
        String javaOption = null;
        int sharedPer = 9000;
        String sharedTransport = "nio";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--levels":
                    levels = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                    break;
                case "--traffic-seconds":
                    trafficSeconds = Integer.parseInt(args[++i]);
                    break;
                case "--loops":
                    loops = Integer.parseInt(args[++i]);
                    break;
                case "--out":
                    out = Path.of(args[++i]);
                    break;
                case "--tune-jar":
                    tuneJar = Path.of(args[++i]);
                    break;
                case "--no-haproxy":
                    haproxy = false;
                    break;
                case "--transport":
                    transports = List.of(args[++i].split(","));
                    for (final String t : transports) {
                        if (!t.equals("nio") && !t.equals("epoll")) {
                            throw new IllegalArgumentException("--transport " + args[i] + ": '" + t
                                + "' is not a transport (expected nio, epoll or both: nio,epoll)");
                        }
                    }
                    break;
                case "--java":
                    javaOption = args[++i];
                    break;
                case "--shared-per-process":
                    sharedPer = Integer.parseInt(args[++i]);
                    if (sharedPer < 0 || sharedPer > 9900) {
                        throw new IllegalArgumentException("--shared-per-process " + sharedPer
                            + ": expected 0 (skip) to 9900 connections per director process");
                    }
                    break;
                case "--shared-transport":
                    sharedTransport = args[++i];
                    if (!sharedTransport.equals("nio") && !sharedTransport.equals("epoll")) {
                        throw new IllegalArgumentException("--shared-transport " + sharedTransport
                            + ": expected nio or epoll");
                    }
                    break;
                default:
                    throw new IllegalArgumentException("unknown option " + args[i] + " (expected --levels, "
                        + "--traffic-seconds, --loops, --transport, --java, --shared-per-process, "
                        + "--shared-transport, --out, --tune-jar, --no-haproxy)");
            }
        }
        final Path epollHome = epollHome(javaOption);
        final List<String> skipped = new ArrayList<>();
        if (transports == null) {
            transports = new ArrayList<>(List.of("nio"));
            if (epollHome != null) {
                transports.add("epoll");
            } else {
                skipped.add("epoll: no JDK 22+ found (--java PATH, or under /usr/lib/jvm)");
            }
        } else if (transports.contains("epoll") && epollHome == null) {
            throw new IllegalArgumentException("--transport epoll: no JDK 22+ found: give its java with --java PATH");
        }
        if (sharedTransport.equals("epoll") && epollHome == null) {
            throw new IllegalArgumentException("--shared-transport epoll: no JDK 22+ found: give --java PATH");
        }
        final Map<String, Jvm> jvms = new LinkedHashMap<>();
        jvms.put("nio", Jvm.of(Path.of(System.getProperty("java.home")), List.of()));
        if (epollHome != null) {
            jvms.put("epoll", Jvm.of(epollHome, List.of("--enable-native-access=ALL-UNNAMED")));
        }
        if (levels.length < 2) {
            throw new IllegalArgumentException("--levels: at least two counts are needed for a fit");
        }
        Runtime.getRuntime().addShutdownHook(new Thread(ConnectionMemory::stopAll));
        final String haproxyExe = haproxy ? find("haproxy") : null;
        final Map<String, List<Level>> jlvs = new LinkedHashMap<>();
        for (final String t : transports) {
            jlvs.put(t, new ArrayList<>());
        }
        final List<Level> peer = new ArrayList<>();
        for (final int n : levels) {
            for (final String t : transports) {
                jlvs.get(t).add(measureJlvs(n, loops, trafficSeconds, t, jvms.get(t)));
            }
            if (haproxyExe != null) {
                peer.add(measureHaproxy(haproxyExe, n, trafficSeconds));
            }
        }
        String shared = null;
        if (sharedPer > 0) {
            try {
                shared = measureShared(sharedPer, loops, sharedTransport, jvms.get(sharedTransport));
            } catch (final Exception e) {
                // the other measurements stand: the report says that this one failed and why
                e.printStackTrace();
                shared = "The shared run (2 x " + sharedPer + " connections, transport " + sharedTransport
                    + ") FAILED: " + e + ".\n\n";
            }
        }
        final String tune = tuneOutput(tuneJar);
        final String md = report(args, levels, loops, trafficSeconds, jlvs, jvms, skipped, peer, haproxy,
            haproxyExe, shared, tune);
        write(out, md);
        System.out.println(md);
    }

    private static String find(final String cmd) {
        for (final String dir : (System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/sbin"
            + File.pathSeparator + "/usr/bin").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, cmd))) {
                return Path.of(dir, cmd).toString();
            }
        }
        return null;
    }

    private static Child backend() throws Exception {
        return backend(BACKEND);
    }

    private static Child backend(final int base) throws Exception {
        final Child b = new Child("backend", List.of(JAVA, "-Xmx512m", "-cp", JAR, BenchServer.class.getName(),
            Integer.toString(base)));
        b.expect("ready", 30);
        return b;
    }

    private static Child clients(final int port, final int n) throws Exception {
        final Child c = new Child("clients", List.of(JAVA, "-Xmx512m", "-cp", JAR, MemoryClients.class.getName(),
            Integer.toString(port), Integer.toString(n)));
        c.expect("ready", 300);
        return c;
    }

    /** Waits until the TCP sockets of a previous round have gone (bounded). */
    private static void settle(final long baselineInuse) throws Exception {
        final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() - end < 0 && kernel().tcpInuse() > baselineInuse + 200) {
            Thread.sleep(200);
        }
    }

    /**
     * Starts a director process (the heap committed and touched up front, so that RSS grows only by memory outside
     * the heap) and checks that it runs the transport asked for. Returns it with its pid set in {@code jcmd}.
     */
    private static Child director(final String name, final int front, final int loops, final String transport,
        final Jvm jvm, final boolean share) throws Exception {
        return director(name, front, BACKEND + 1, loops, transport, jvm, share);
    }

    private static Child director(final String name, final int front, final int back, final int loops,
        final String transport, final Jvm jvm, final boolean share) throws Exception {
        final List<String> cmd = new ArrayList<>(List.of(jvm.java(), "-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch",
            "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"));
        cmd.addAll(jvm.flags());
        cmd.addAll(List.of("-cp", JAR, MemoryDirector.class.getName(), Integer.toString(front),
            Integer.toString(back), Integer.toString(loops), transport));
        if (share) {
            cmd.add("share");
        }
        final Child d = new Child(name, cmd);
        d.jcmd = jvm.jcmd();
        final String[] ready = d.expect("ready", 60).split(" ");
        if (ready.length < 3 || !ready[2].equals(transport)) {
            d.stop();
            throw new IOException(name + ": asked for transport " + transport + ", runs "
                + (ready.length < 3 ? "?" : ready[2]));
        }
        return d;
    }

    private static long pid(final Child c) {
        return c.process.pid();
    }

    private static Level measureJlvs(final int n, final int loops, final int trafficSeconds, final String transport,
        final Jvm jvm) throws Exception {
        System.err.println("jlvs " + transport + ": " + n + " connections");
        final long inuse0 = kernel().tcpInuse();
        final Level lv = new Level(n);
        final Child backend = backend();
        final Child director = director("director", FRONT, loops, transport, jvm, false);
        Child clients = null;
        try {
            final long pid = pid(director);
            final Map<String, Long> m0 = director.ask("measure", 60);
            final Map<String, long[]> h0 = histogram(director.jcmd, pid);
            final Kernel k0 = kernel();
            clients = clients(FRONT, n);
            // the clients made a round trip on every connection; the director counts each as live
            Map<String, Long> m1 = director.ask("sample", 30);
            final long liveEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (m1.get("live") < n && System.nanoTime() - liveEnd < 0) {
                Thread.sleep(100);
                m1 = director.ask("sample", 30);
            }
            if (m1.get("live") != n) {
                lv.note += "director counts " + m1.get("live") + " live connections, not " + n + ". ";
            }
            m1 = director.ask("measure", 60);
            final Kernel k1 = kernel();
            lv.histogram = histogram(director.jcmd, pid);
            lv.metrics.put(HEAP_LIVE, (double) (lv.histogram.get(TOTAL)[1] - h0.get(TOTAL)[1]));
            put(lv, "heap idle", m1, m0, "heap");
            put(lv, "direct idle", m1, m0, "direct");
            put(lv, "direct buffers idle (count)", m1, m0, "directCount");
            lv.metrics.put("RSS idle", (m1.get("rss") - m0.get("rss")) * 1024.0);
            lv.metrics.put("descriptors", (double) (m1.get("fds") - m0.get("fds")));
            kernelMetrics(lv, " idle", k0, k1);
            for (final Map.Entry<String, Long> e : k1.caches().entrySet()) {
                lv.cachesIdle.put(e.getKey(), e.getValue() - k0.caches().getOrDefault(e.getKey(), 0L));
            }
            clients.send("traffic");
            final long trafficStart = System.nanoTime();
            double directMax = 0;
            double directSum = 0;
            double tcpMax = 0;
            for (int s = 0; s < trafficSeconds; s++) {
                Thread.sleep(1000); // the traffic runs at one request per connection per second: sample once a second
                final Map<String, Long> sm = director.ask("sample", 30);
                final double d = sm.get("direct") - m0.get("direct");
                directMax = Math.max(directMax, d);
                directSum += d;
                tcpMax = Math.max(tcpMax, kernel().tcpMem() - k0.tcpMem());
            }
            final Map<String, Long> m2 = director.ask("measure", 60);
            final Kernel k2 = kernel();
            clients.send("idle");
            final double ran = (System.nanoTime() - trafficStart) / 1e9;
            final Map<String, Long> done = fields(clients.expect("idle ", 60));
            put(lv, "heap traffic", m2, m0, "heap");
            lv.metrics.put("direct traffic (mean of samples)", directSum / trafficSeconds);
            lv.metrics.put("direct traffic (max of samples)", directMax);
            lv.metrics.put("RSS traffic", (m2.get("rss") - m0.get("rss")) * 1024.0);
            kernelMetrics(lv, " traffic", k0, k2);
            lv.metrics.put("TCP pages traffic (max of samples)", tcpMax);
            lv.achieved = done.get("completed") / (n * ran);
            lv.note += String.format(Locale.ROOT, "traffic: %d round trips completed in %.1f s (%.0f at one per "
                + "connection per second: %.0f%%), %d failed, %d skipped.", done.get("completed"), ran, n * ran,
                100 * lv.achieved, done.get("failed"), done.get("skipped"));
        } finally {
            if (clients != null) {
                clients.stop();
            }
            director.stop();
            backend.stop();
        }
        settle(inuse0);
        return lv;
    }

    /** The soft limit of open files of a process ({@code /proc/PID/limits}). */
    private static long fdLimit(final long pid) throws IOException {
        for (final String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "limits"))) {
            if (l.startsWith("Max open files")) {
                final String[] t = l.substring("Max open files".length()).trim().split("\\s+");
                return t[0].equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(t[0]);
            }
        }
        throw new IOException("/proc/" + pid + "/limits has no 'Max open files' line");
    }

    /**
     * Two directors share one VIP:port with SO_REUSEPORT; two client processes open {@code per} connections each
     * through it. Returns the report's section.
     */
    private static String measureShared(final int per, final int loops, final String transport, final Jvm jvm)
        throws Exception {
        System.err.println("shared VIP (" + transport + "): 2 directors, 2 x " + per + " connections");
        final long inuse0 = kernel().tcpInuse();
        final Child backend = backend(SHARED_BACKEND);
        final List<Child> directors = new ArrayList<>();
        final List<Child> clients = new ArrayList<>();
        final StringBuilder sb = new StringBuilder();
        try {
            final List<Map<String, Long>> m0 = new ArrayList<>();
            final List<Map<String, long[]>> h0 = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                directors.add(director("director-" + (i + 1), SHARED_FRONT, SHARED_BACKEND + 1, loops, transport, jvm,
                    true));
            }
            for (final Child d : directors) {
                m0.add(d.ask("measure", 60));
                h0.add(histogram(d.jcmd, pid(d)));
            }
            for (int i = 0; i < 2; i++) {
                clients.add(clients(SHARED_FRONT, per));
            }
            // every connection made its round trip through one of the directors; wait until they count them all
            final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            long live = 0;
            while (System.nanoTime() - end < 0) {
                live = 0;
                for (final Child d : directors) {
                    live += d.ask("sample", 30).get("live");
                }
                if (live == 2L * per) {
                    break;
                }
                Thread.sleep(100);
            }
            sb.append("| process | proxied connections (its share) | descriptors (idle before) | descriptor limit "
                + "| one process may hold | heap, live objects | heap per connection | RSS | RSS per connection |\n")
                .append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            long total = 0;
            long maxOne = Long.MAX_VALUE;
            long heapSum = 0;
            for (int i = 0; i < 2; i++) {
                final Child d = directors.get(i);
                final Map<String, Long> m1 = d.ask("measure", 60);
                final Map<String, long[]> h1 = histogram(d.jcmd, pid(d));
                final long n = m1.get("live");
                final long limit = fdLimit(pid(d));
                final long one = (limit - m0.get(i).get("fds")) / 2;
                maxOne = Math.min(maxOne, one);
                final long heap = h1.get(TOTAL)[1] - h0.get(i).get(TOTAL)[1];
                final long rss = (m1.get("rss") - m0.get(i).get("rss")) * 1024;
                total += n;
                heapSum += heap;
                sb.append(String.format(Locale.ROOT, "| %s (pid %d) | %,d (%.1f%%) | %,d (%,d) | %,d | %,d | %s | %s B "
                    + "| %s | %s B |%n", d.name, pid(d), n, 100.0 * n / (2.0 * per), m1.get("fds"),
                    m0.get(i).get("fds"), limit, one, mib(heap), fmt(n == 0 ? 0 : heap / (double) n), mib(rss),
                    fmt(n == 0 ? 0 : rss / (double) n)));
            }
            sb.append(String.format(Locale.ROOT, "| both | %,d | | | | %s | %s B | | |%n%n", total, mib(heapSum),
                fmt(total == 0 ? 0 : heapSum / (double) total)));
            sb.append(String.format(Locale.ROOT, "%s: the two processes hold %,d proxied connections together; one "
                + "process may hold at most %,d (its descriptor limit less the descriptors it holds idle, two per "
                + "connection). Every connection made one 64-byte round trip to the backend before it was counted; "
                + "%,d were opened, %,d are counted live by the directors.%n%n", total > maxOne ? "Shown"
                : "NOT shown", total, maxOne, 2L * per, live));
        } finally {
            for (final Child c : clients) {
                c.stop();
            }
            for (final Child d : directors) {
                d.stop();
            }
            backend.stop();
        }
        settle(inuse0);
        return sb.toString();
    }

    private static String mib(final long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }

    private static void put(final Level lv, final String name, final Map<String, Long> now,
        final Map<String, Long> base, final String field) {
        lv.metrics.put(name, (double) (now.get(field) - base.get(field)));
    }

    private static void kernelMetrics(final Level lv, final String suffix, final Kernel k0, final Kernel k1) {
        lv.metrics.put("kernel Slab" + suffix, (double) (k1.slab() - k0.slab()));
        if (k1.socketSlab() >= 0) {
            lv.metrics.put("kernel socket slab" + suffix, (double) (k1.socketSlab() - k0.socketSlab()));
        }
        lv.metrics.put("kernel TCP pages" + suffix, (double) (k1.tcpMem() - k0.tcpMem()));
    }

    /** Class name to {instances, bytes} from {@code jcmd PID GC.class_histogram} (live objects, after a GC). */
    private static Map<String, long[]> histogram(final String jcmd, final long pid) throws Exception {
        final Process p = new ProcessBuilder(jcmd, Long.toString(pid), "GC.class_histogram")
            .redirectErrorStream(true).start();
        final String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        final Map<String, long[]> m = new LinkedHashMap<>();
        for (final String l : text.split("\n")) {
            final String[] t = l.trim().split("\\s+");
            if (t.length == 3 && t[0].equals("Total")) {
                m.put(TOTAL, new long[] {Long.parseLong(t[1]), Long.parseLong(t[2])});
            } else if (t.length >= 4 && t[0].endsWith(":") && t[0].length() > 1) {
                try {
                    m.put(t[3], new long[] {Long.parseLong(t[1]), Long.parseLong(t[2])});
                } catch (final NumberFormatException e) {
                    // a header or total line
                }
            }
        }
        return m;
    }

    private static Level measureHaproxy(final String exe, final int n, final int trafficSeconds) throws Exception {
        System.err.println("haproxy: " + n + " connections");
        final long inuse0 = kernel().tcpInuse();
        final Level lv = new Level(n);
        final Path cfg = Files.createTempFile("jlvs-memory-haproxy", ".cfg");
        final int front = FRONT + 50;
        Files.writeString(cfg, "global\n  maxconn " + Math.min(n + 50, 9950) + "\n  nbthread 2\n\n"
            + "defaults\n  mode tcp\n  timeout connect 5s\n  timeout client 600s\n  timeout server 600s\n\n"
            + "listen memory\n  bind 127.0.0.1:" + front + "\n  server s1 127.0.0.1:" + (BACKEND + 1) + "\n");
        final Child backend = backend();
        final Child proxy = new Child("haproxy", List.of(exe, "-db", "-f", cfg.toString()));
        Child clients = null;
        try {
            waitForPort(front);
            final long pid = proxy.process.pid();
            final long rss0 = procStatus(pid, "VmRSS:");
            final long fds0 = fdCount(pid);
            final Kernel k0 = kernel();
            clients = clients(front, n);
            final Kernel k1 = kernel();
            lv.metrics.put("RSS idle", (procStatus(pid, "VmRSS:") - rss0) * 1024.0);
            lv.metrics.put("descriptors", (double) (fdCount(pid) - fds0));
            kernelMetrics(lv, " idle", k0, k1);
            clients.send("traffic");
            final long trafficStart = System.nanoTime();
            double tcpMax = 0;
            for (int s = 0; s < trafficSeconds; s++) {
                Thread.sleep(1000); // one request per connection per second: sample once a second
                tcpMax = Math.max(tcpMax, kernel().tcpMem() - k0.tcpMem());
            }
            final Kernel k2 = kernel();
            lv.metrics.put("RSS traffic", (procStatus(pid, "VmRSS:") - rss0) * 1024.0);
            clients.send("idle");
            final double ran = (System.nanoTime() - trafficStart) / 1e9;
            final Map<String, Long> done = fields(clients.expect("idle ", 60));
            kernelMetrics(lv, " traffic", k0, k2);
            lv.metrics.put("TCP pages traffic (max of samples)", tcpMax);
            lv.achieved = done.get("completed") / (n * ran);
            lv.note = String.format(Locale.ROOT, "traffic: %d round trips completed in %.1f s (%.0f at one per "
                + "connection per second: %.0f%%), %d failed, %d skipped.", done.get("completed"), ran, n * ran,
                100 * lv.achieved, done.get("failed"), done.get("skipped"));
        } finally {
            if (clients != null) {
                clients.stop();
            }
            proxy.process.destroy();
            proxy.process.waitFor(10, TimeUnit.SECONDS);
            proxy.stop();
            backend.stop();
            Files.deleteIfExists(cfg);
        }
        settle(inuse0);
        return lv;
    }

    private static long procStatus(final long pid, final String field) throws IOException {
        for (final String s : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (s.startsWith(field)) {
                return Long.parseLong(s.substring(field.length()).replace("kB", "").trim());
            }
        }
        throw new IOException("/proc/" + pid + "/status has no " + field);
    }

    private static long fdCount(final long pid) throws IOException {
        try (var s = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return s.count();
        }
    }

    private static void waitForPort(final int port) throws Exception {
        final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
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

    private static String tuneOutput(final Path jar) throws Exception {
        if (!Files.isRegularFile(jar)) {
            return null;
        }
        final Process p = new ProcessBuilder(JAVA, "-cp", jar.toString(), "io.jlvs.examples.tune.Tune",
            "--connections", "1000000").redirectErrorStream(true).start();
        final String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        return "$ java -cp " + jar + " io.jlvs.examples.tune.Tune --connections 1000000   # exit " + p.exitValue()
            + "\n" + text;
    }

    private static LinearFit fit(final List<Level> levels, final String metric) {
        final double[] x = new double[levels.size()];
        final double[] y = new double[levels.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = levels.get(i).connections;
            final Double v = levels.get(i).metrics.get(metric);
            if (v == null) {
                return null;
            }
            y[i] = v;
        }
        return LinearFit.of(x, y);
    }

    private static String fmt(final double v) {
        return String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%,.0f" : "%,.1f", v);
    }

    private static String table(final List<Level> levels, final String title) {
        final StringBuilder sb = new StringBuilder();
        sb.append("| ").append(title).append(" | ");
        for (final Level l : levels) {
            sb.append(String.format(Locale.ROOT, "%,d", l.connections)).append(l.achieved < 0.9 ? " (*)" : "")
                .append(" | ");
        }
        sb.append("slope (per connection) | intercept | R^2 |\n|---|");
        sb.append("---:|".repeat(levels.size() + 3)).append('\n');
        for (final String metric : levels.get(0).metrics.keySet()) {
            final LinearFit f = fit(levels, metric);
            sb.append("| ").append(metric).append(" | ");
            for (final Level l : levels) {
                sb.append(fmt(l.metrics.get(metric) / l.connections)).append(" | ");
            }
            sb.append(f == null ? "- | - | - |" : fmt(f.slope()) + " | " + fmt(f.intercept()) + " | "
                + String.format(Locale.ROOT, "%.4f", f.r2()) + " |").append('\n');
        }
        return sb.toString();
    }

    private static String saturation(final List<Level> levels) {
        final List<String> s = new ArrayList<>();
        for (final Level l : levels) {
            if (l.achieved < 0.9) {
                s.add(String.format(Locale.ROOT, "%,d", l.connections));
            }
        }
        return s.isEmpty() ? "" : "(*) the machine did not hold one round trip per connection per second at "
            + String.join(", ", s) + " connections (see the lines below): the traffic figures there are taken under "
            + "overload, with data queued in the sockets.\n\n";
    }

    private static String report(final String[] args, final int[] levels, final int loops, final int trafficSeconds,
        final Map<String, List<Level>> byTransport, final Map<String, Jvm> jvms, final List<String> skipped,
        final List<Level> peer, final boolean haproxy, final String haproxyExe, final String shared,
        final String tune) throws IOException {
        final StringBuilder sb = new StringBuilder();
        sb.append(BEGIN).append('\n');
        sb.append("## Memory per proxied connection, measured and projected\n\n");
        sb.append("Produced by `java -cp lvs-jmh/target/benchmarks.jar io.jlvs.jmh.ConnectionMemory")
            .append(args.length == 0 ? "" : " " + String.join(" ", args)).append("` on ").append(Instant.now())
            .append(" (").append(machine()).append(").\n\n");
        sb.append("Method: for each count, backend, director and clients run as separate processes on 127.0.0.1; ")
            .append("the director is JLVS with its default options and ").append(loops).append(" event loops. ")
            .append("Each figure is the difference to the same processes before the clients connected, divided by ")
            .append("the count (columns), and the least-squares line through the absolute differences (slope = ")
            .append("cost per connection). Idle: every connection made one 64-byte round trip and then waits. ")
            .append("Traffic: every connection makes one 64-byte request/response per second, for ")
            .append(trafficSeconds).append(" s; direct memory sampled once a second. Heap: the live objects of ")
            .append("`jcmd PID GC.class_histogram` (the authoritative figure), and the MemoryMXBean's heap in use ")
            .append("after full collections (G1) beside it. Kernel figures are the whole machine's and cover the four sockets of a proxied ")
            .append("connection on loopback (client, the director's two, backend): the director's share is half. ")
            .append("The director's heap is committed and touched at start (-Xms1g -Xmx1g -XX:+AlwaysPreTouch), so ")
            .append("its RSS grows only by memory outside the Java heap. Other programs on the machine move Slab ")
            .append("too; R^2 says how straight the line is. Transports: ");
        final List<String> tl = new ArrayList<>();
        for (final String t : byTransport.keySet()) {
            tl.add("`" + t + "` (director on Java " + jvms.get(t).version() + ")");
        }
        sb.append(String.join(", ", tl)).append(skipped.isEmpty() ? "" : "; skipped: " + String.join("; ", skipped))
            .append(".\n\n");
        for (final Map.Entry<String, List<Level>> te : byTransport.entrySet()) {
            transportSection(sb, te.getKey(), te.getValue());
        }
        reportPeer(sb, peer, haproxy, haproxyExe);
        for (final Map.Entry<String, List<Level>> te : byTransport.entrySet()) {
            sb.append(projection(te.getValue(), peer, te.getKey()));
        }
        if (shared != null) {
            sb.append("### Two director processes sharing one VIP:port (`--reuse-port-share`, SO_REUSEPORT)\n\n")
                .append(shared);
        }
        if (tune != null) {
            sb.append("What `jlvs tune` prints for 1,000,000 connections on this machine:\n\n```\n")
                .append(tune.stripTrailing()).append("\n```\n\n");
        }
        sb.append(END).append('\n');
        return sb.toString();
    }

    private static void transportSection(final StringBuilder sb, final String transport, final List<Level> jlvs) {
        sb.append("### JLVS, transport `").append(transport).append("`, bytes per connection\n\n")
            .append(table(jlvs, "JLVS " + transport)).append('\n');
        sb.append(saturation(jlvs));
        for (final Level l : jlvs) {
            sb.append(String.format(Locale.ROOT, "- %,d: %s%n", l.connections, l.note));
        }
        sb.append('\n');
        final Level first = jlvs.get(0);
        final Level last = jlvs.get(jlvs.size() - 1);
        if (!last.cachesIdle.isEmpty()) {
            sb.append("Socket slab caches at ").append(String.format(Locale.ROOT, "%,d", last.connections))
                .append(" idle connections, bytes per proxied connection (4 sockets): ");
            final List<String> parts = new ArrayList<>();
            for (final Map.Entry<String, Long> e : last.cachesIdle.entrySet()) {
                parts.add(e.getKey() + " " + fmt(e.getValue() / (double) last.connections));
            }
            sb.append(String.join(", ", parts)).append(".\n\n");
        }
        if (!first.histogram.isEmpty() && !last.histogram.isEmpty() && last.connections > first.connections) {
            sb.append("Heap by class (`jcmd PID GC.class_histogram`, idle director, ")
                .append(String.format(Locale.ROOT, "%,d minus %,d", last.connections, first.connections))
                .append(" connections, per connection):\n\n| class | instances | bytes |\n|---|---:|---:|\n");
            final double d = last.connections - first.connections;
            final List<Map.Entry<String, double[]>> rows = new ArrayList<>();
            for (final Map.Entry<String, long[]> e : last.histogram.entrySet()) {
                if (e.getKey().equals(TOTAL)) {
                    continue;
                }
                final long[] a = first.histogram.getOrDefault(e.getKey(), new long[2]);
                rows.add(Map.entry(e.getKey(), new double[] {(e.getValue()[0] - a[0]) / d,
                    (e.getValue()[1] - a[1]) / d}));
            }
            rows.sort((a, b) -> Double.compare(b.getValue()[1], a.getValue()[1]));
            double total = 0;
            for (final Map.Entry<String, double[]> r : rows) {
                total += r.getValue()[1];
            }
            for (int i = 0; i < Math.min(15, rows.size()); i++) {
                sb.append("| `").append(rows.get(i).getKey()).append("` | ")
                    .append(String.format(Locale.ROOT, "%.2f", rows.get(i).getValue()[0])).append(" | ")
                    .append(fmt(rows.get(i).getValue()[1])).append(" |\n");
            }
            sb.append("| all classes | | ").append(fmt(total)).append(" |\n\n");
        }
    }

    private static void reportPeer(final StringBuilder sb, final List<Level> peer, final boolean haproxy,
        final String haproxyExe) {
        if (!peer.isEmpty()) {
            sb.append("### HAProxy (").append(haproxyExe).append(", mode tcp, nbthread 2), bytes per connection\n\n")
                .append(table(peer, "HAProxy")).append('\n').append(saturation(peer));
            for (final Level l : peer) {
                sb.append(String.format(Locale.ROOT, "- %,d: %s%n", l.connections, l.note));
            }
            sb.append('\n');
        } else {
            sb.append(haproxy ? "HAProxy is not installed: skipped (`apt-get install -y haproxy`).\n\n"
                : "HAProxy: skipped (--no-haproxy).\n\n");
        }
    }

    private static String projection(final List<Level> jlvs, final List<Level> peer, final String transport)
        throws IOException {
        final double m = 1_000_000;
        final StringBuilder sb = new StringBuilder("### Projection to 1,000,000 proxied connections (JLVS, transport `"
            + transport + "`)\n\n");
        sb.append("| quantity | per connection | at 1,000,000 | R^2 of the fit |\n|---|---:|---:|---:|\n");
        for (final String metric : new String[] {HEAP_LIVE, "heap idle", "heap traffic", "direct idle",
            "direct traffic (max of samples)", "RSS idle", "RSS traffic"}) {
            // RSS: the heap is pre-touched, so this is memory outside the heap
            final LinearFit f = fit(jlvs, metric);
            if (f != null) {
                sb.append("| ").append(metric).append(" | ").append(fmt(f.slope())).append(" B | ")
                    .append(straight(f) ? gib(f.at(m)) : NOT_LINEAR).append(" | ").append(r2(f)).append(" |\n");
            }
        }
        for (final String metric : new String[] {"kernel socket slab idle", "kernel Slab idle",
            "TCP pages traffic (max of samples)"}) {
            final LinearFit f = fit(jlvs, metric);
            if (f != null) {
                sb.append("| ").append(metric).append(", director's half | ").append(fmt(f.slope() / 2))
                    .append(" B | ").append(straight(f) ? gib(f.slope() / 2 * m) : NOT_LINEAR).append(" | ")
                    .append(r2(f)).append(" |\n");
            }
        }
        final LinearFit heap = fit(jlvs, HEAP_LIVE);
        final LinearFit native_ = fit(jlvs, "RSS idle");
        final LinearFit sock = fit(jlvs, "kernel socket slab idle") != null ? fit(jlvs, "kernel socket slab idle")
            : fit(jlvs, "kernel Slab idle");
        if (heap != null && native_ != null && sock != null) {
            final double per = heap.slope() + native_.slope() + sock.slope() / 2;
            final String least = "least " + r2(heap.r2() < native_.r2() ? heap.r2() < sock.r2() ? heap : sock
                : native_.r2() < sock.r2() ? native_ : sock);
            sb.append("| **JLVS ").append(transport)
                .append(" idle: live heap + outside the heap + kernel share** | ").append(fmt(per)).append(" B | **")
                .append(gib(heap.at(m) + native_.at(m) + sock.slope() / 2 * m)).append("** | ").append(least)
                .append(" |\n");
            sb.append("| JLVS ").append(transport)
                .append(" idle, heap sized at twice the live heap (what `jlvs tune` plans) | ")
                .append(fmt(per + heap.slope())).append(" B | ")
                .append(gib(2 * heap.at(m) + native_.at(m) + sock.slope() / 2 * m)).append(" | ").append(least)
                .append(" |\n");
        }
        if (!peer.isEmpty()) {
            final LinearFit prss = fit(peer, "RSS idle");
            final LinearFit psock = fit(peer, "kernel socket slab idle") != null ? fit(peer, "kernel socket slab idle")
                : fit(peer, "kernel Slab idle");
            if (prss != null && psock != null) {
                sb.append("| HAProxy idle: RSS + kernel share, same method | ")
                    .append(fmt(prss.slope() + psock.slope() / 2)).append(" B | ")
                    .append(gib(prss.at(m) + psock.slope() / 2 * m)).append(" | least ")
                    .append(r2(prss.r2() < psock.r2() ? prss : psock)).append(" |\n");
            }
        }
        final int[] range = portRange();
        final int ports = range == null ? 0 : range[1] - range[0] + 1;
        sb.append("| descriptors (2 per connection; `jlvs tune` adds its margin) | 2 | 2,000,000 | |\n");
        sb.append("| ephemeral ports to one backend address | 1 | 1,000,000 | |\n");
        if (ports > 0) {
            sb.append(String.format(Locale.ROOT, "| source addresses for one backend, this host's range %d-%d "
                + "(%,d ports) | | %d | |%n", range[0], range[1], ports, (int) Math.ceil(m / ports)));
        }
        sb.append(String.format(Locale.ROOT, "| source addresses for one backend, range 1024-65535 (64,512 ports) "
            + "| | %d | |%n", (int) Math.ceil(m / 64_512)));
        sb.append("\nA line whose R^2 is below 0.5 is not projected (\"" + NOT_LINEAR + "\"): its points do not lie on a "
            + "line in this run (memory outside the heap moves with JIT and GC work; machine-wide kernel figures move "
            + "with other processes); the per-connection figure is then only the slope of a poor fit.\n\n");
        return sb.toString();
    }

    private static final String NOT_LINEAR = "not projected";

    private static boolean straight(final LinearFit f) {
        return f.r2() >= 0.5;
    }

    private static String r2(final LinearFit f) {
        return String.format(Locale.ROOT, "%.4f", f.r2());
    }

    private static int[] portRange() throws IOException {
        final Path p = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        if (!Files.isReadable(p)) {
            return null;
        }
        // one read: Files.readString reads a sysctl file one byte first, and a sysctl read at an offset gives EOF
        final String[] t = String.join(" ", Files.readAllLines(p)).trim().split("\\s+");
        return new int[] {Integer.parseInt(t[0]), Integer.parseInt(t[1])};
    }

    private static String gib(final double bytes) {
        return String.format(Locale.ROOT, "%.2f GiB", bytes / (1L << 30));
    }

    private static String machine() throws IOException {
        String cpu = "unknown CPU";
        for (final String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
            if (l.startsWith("model name")) {
                cpu = l.substring(l.indexOf(':') + 1).trim();
                break;
            }
        }
        long mem = 0;
        for (final String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (l.startsWith("MemTotal:")) {
                mem = Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024;
            }
        }
        final Path loadavg = Path.of("/proc/loadavg");
        final String load = Files.isReadable(loadavg) ? ", load average " + String.join(" ",
            Arrays.copyOf(String.join("", Files.readAllLines(loadavg)).trim().split("\\s+"), 3)) + " at the end"
            : "";
        return Runtime.getRuntime().availableProcessors() + " CPUs (" + cpu + load + "), " + mem + " MiB, Linux "
            + String.join("", Files.readAllLines(Path.of("/proc/sys/kernel/osrelease"))).trim() + ", Java "
            + System.getProperty("java.version");
    }

    private static void write(final Path out, final String section) throws IOException {
        String text = Files.exists(out) ? Files.readString(out) : "";
        final int b = text.indexOf(BEGIN);
        final int e = text.indexOf(END);
        if (b >= 0 && e > b) {
            text = text.substring(0, b) + section + text.substring(e + END.length()).replaceFirst("^\n", "");
        } else {
            text = text.isEmpty() ? section : text.stripTrailing() + "\n\n" + section;
        }
        Files.writeString(out, text);
    }
}
