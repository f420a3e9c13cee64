package io.jlvs.examples;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code jlvs run} with {@code --forward kernel} services, as an operator runs it: the real command in a child JVM
 * inside a network namespace the test makes (with its backends and clients in a {@link KernelPeer} child beside it),
 * its admin socket on a Unix socket file the test reads from outside, SIGHUP, SIGTERM and SIGKILL sent to it. Every
 * nftables table and conntrack entry lives in that namespace and goes with it; nothing touches the host's tables.
 * Skips (saying why) unless root with nft, conntrack and ip.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class KernelCliTest {
    private static final String VIP = "10.78.0.1";
    private static final String RIP1 = "10.78.0.11";
    private static final String RIP2 = "10.78.0.12";
    /** The table {@code jlvs run} installs: the kernel data path's default name. */
    private static final String TABLE = "jlvs_jlvs";

    @TempDir
    Path dir;

    private String ns;
    private final List<Process> children = new ArrayList<>();

    private static void assumeUsable() throws IOException {
        final Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        assumeTrue(Integer.valueOf(0).equals(uid), "kernel CLI tests need root (network namespaces, nftables): "
            + "skipped");
        for (final String p : new String[] {"nft", "conntrack", "ip"}) {
            assumeTrue(onPath(p), p + " is missing (apt-get install nftables conntrack iproute2): skipped");
        }
    }

    private static boolean onPath(final String program) {
        for (final String d : (System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin").split(":")) {
            if (!d.isEmpty() && new File(d, program).canExecute()) {
                return true;
            }
        }
        return false;
    }

    @BeforeEach
    void namespace() throws Exception {
        assumeUsable();
        ns = "jlvs-cli-" + ProcessHandle.current().pid();
        run("ip", "netns", "del", ns); // a leftover of a killed run
        sh("ip", "netns", "add", ns);
        exec("ip", "link", "set", "lo", "up");
        for (final String a : new String[] {VIP, RIP1, RIP2}) {
            exec("ip", "addr", "add", a + "/32", "dev", "lo");
        }
    }

    @AfterEach
    void cleanup() throws Exception {
        for (final Process p : children) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        if (ns != null) {
            run("ip", "netns", "del", ns);
        }
    }

    private static String sh(final String... command) throws Exception {
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", command) + ": no answer");
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + ": exit " + p.exitValue() + ": " + out);
        }
        return out;
    }

    private static void run(final String... command) throws Exception {
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor(30, TimeUnit.SECONDS);
    }

    private String exec(final String... command) throws Exception {
        final List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        c.addAll(List.of(command));
        return sh(c.toArray(new String[0]));
    }

    private String tables() throws Exception {
        return exec("nft", "list", "tables");
    }

    /** A child JVM in the namespace ({@code ip netns exec} execs java: the process is the JVM itself). */
    private ProcessBuilder inNamespace(final String mainClass, final String... args) {
        final List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", ns, ChildJvm.java(), "--add-opens",
            "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp",
            ChildJvm.classPath(), mainClass));
        c.addAll(List.of(args));
        return new ProcessBuilder(c);
    }

    /** The {@code jlvs run} child: its output goes to files (see {@link ChildJvm}). */
    private final class Jlvs {
        final Process process;
        final Path out;
        final Path err;
        final UnixDomainSocketAddress admin;

        Jlvs(final Path rules) throws Exception {
            this(rules, true);
        }

        Jlvs(final Path rules, final boolean kernel, final String... extra) throws Exception {
            final Path sock = Files.createTempDirectory(dir, "admin").resolve("admin.sock");
            admin = UnixDomainSocketAddress.of(sock);
            out = Files.createTempFile(dir, "jlvs", ".out");
            err = Files.createTempFile(dir, "jlvs", ".err");
            final List<String> args = new ArrayList<>(List.of("run", "--rules", rules.toString(), "--admin", "unix:"
                + sock, "--no-jmx", "--event-loops", "1", "--drain", "0"));
            args.addAll(List.of(extra));
            process = inNamespace("io.jlvs.examples.Main", args.toArray(new String[0])).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
            children.add(process);
            awaitOutput("admin socket on");
            if (kernel) {
                awaitOutput("kernel forwarding: nftables table inet " + TABLE);
            }
        }

        String output() throws IOException {
            return Files.readString(out) + "\n" + Files.readString(err);
        }

        void awaitOutput(final String text) throws Exception {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!output().contains(text)) {
                assertTrue(process.isAlive(), "jlvs run ended before printing '" + text + "':\n" + output());
                assertTrue(System.nanoTime() < deadline, "no '" + text + "' within 60 s:\n" + output());
                Thread.sleep(20); // polling the output for a condition, with a deadline
            }
        }

        String admin(final String... lines) throws IOException {
            return AdminSupport.ask(admin, lines);
        }

        void signal(final String sig) throws Exception {
            sh("kill", "-" + sig, Long.toString(process.pid()));
        }

        int awaitExit() throws Exception {
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "jlvs run did not end:\n" + output());
            return process.exitValue();
        }
    }

    /** The {@link KernelPeer} child: backends and clients in the namespace. */
    private final class Peer {
        final Process process;
        final PrintStream in;
        final BufferedReader out;

        Peer() throws IOException {
            process = inNamespace(KernelPeer.class.getName()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            children.add(process);
            in = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        String cmd(final String command) throws IOException {
            in.println(command);
            final StringBuilder sb = new StringBuilder();
            for (String line = out.readLine(); ; line = out.readLine()) {
                if (line == null) {
                    throw new AssertionError(command + ": the peer process ended");
                }
                if (line.equals("OK")) {
                    return sb.toString();
                }
                if (line.startsWith("ERR ")) {
                    throw new AssertionError(command + " -> " + line);
                }
                sb.append(sb.length() == 0 ? "" : "\n").append(line);
            }
        }
    }

    private Path rules(final String name, final String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    private static Map<String, Long> count(final String ids) {
        return new TreeMap<>(Arrays.stream(ids.trim().split(" ")).collect(Collectors.groupingBy(Function.identity(),
            Collectors.counting())));
    }

    /** The fields of the line under service {@code service} for server {@code server} in a listing. */
    private static String[] serverLine(final String listing, final String service, final String server) {
        boolean in = false;
        for (final String l : listing.split("\n")) {
            if (l.startsWith("TCP") || l.startsWith("UDP")) {
                in = l.startsWith("TCP  " + service + " ");
            } else if (in && l.trim().startsWith("-> " + server + " ")) {
                return l.trim().split("\\s+");
            }
        }
        throw new AssertionError("no line for " + server + " under " + service + " in\n" + listing);
    }

    private static String serviceLine(final String listing, final String service) {
        for (final String l : listing.split("\n")) {
            if (l.startsWith("TCP  " + service + " ")) {
                return l;
            }
        }
        throw new AssertionError("no line for " + service + " in\n" + listing);
    }

    private static String kernelRules(final int w1, final int w2) {
        return "-A -t " + VIP + ":80 -s wrr --forward kernel\n"
            + "-a -t " + VIP + ":80 -r " + RIP1 + ":8080 -m -w " + w1 + "\n"
            + "-a -t " + VIP + ":80 -r " + RIP2 + ":8080 -m -w " + w2 + "\n"
            // a proxied service beside it: not marked, not in the table
            + "-A -t " + VIP + ":90 -s rr\n"
            + "-a -t " + VIP + ":90 -r " + RIP1 + ":8080 -m\n";
    }

    @Test
    void runListsKernelCountersAndConntrackReloadsOnSighupAndRemovesItsTableOnSigterm() throws Exception {
        final Peer peer = new Peer();
        peer.cmd("backend b1 " + RIP1 + " 8080");
        peer.cmd("backend b2 " + RIP2 + " 8080");
        final Path rules = rules("kernel.rules", kernelRules(2, 1));
        final Jlvs jlvs = new Jlvs(rules);
        assertEquals("table inet " + TABLE, tables().strip(), "jlvs run made one table and no other");

        // numgen inc over weight ranges 0-1 (b1) and 2 (b2): 30 sequential connections are 10 rounds of 2/1
        final int bytes = 1000;
        assertEquals(Map.of("b1", 20L, "b2", 10L), count(peer.cmd("connect 30 " + VIP + " 80 " + bytes)));
        // the proxied service still proxies
        assertEquals(Map.of("b1", 2L), count(peer.cmd("connect 2 " + VIP + " 90 10")));

        final String stats = jlvs.admin("-L -n --stats --exact");
        assertTrue(serviceLine(stats, VIP + ":80").endsWith(" kernel"), stats);
        assertFalse(serviceLine(stats, VIP + ":90").endsWith(" kernel"), stats);
        assertEquals("30", serviceLine(stats, VIP + ":80").trim().split("\\s+")[2], stats); // Conns
        final long[] conns = {20, 10};
        final String[] rips = {RIP1, RIP2};
        for (int i = 0; i < 2; i++) {
            final String[] f = serverLine(stats, VIP + ":80", rips[i] + ":8080");
            // -> RIP:PORT Conns InPkts OutPkts InBytes OutBytes
            assertEquals(conns[i], Long.parseLong(f[2]), stats);
            final long inPkts = Long.parseLong(f[3]);
            final long outPkts = Long.parseLong(f[4]);
            final long payload = conns[i] * bytes;
            // IP packets: what the clients sent plus 40..60 header bytes a packet (TCP options)
            final long inBytes = Long.parseLong(f[5]);
            assertTrue(inBytes >= payload + 40 * inPkts && inBytes <= payload + 60 * inPkts, rips[i] + ": InBytes "
                + inBytes + " for " + payload + " payload bytes in " + inPkts + " packets\n" + stats);
            // out: the echo plus each backend's "bN\n"
            final long outBytes = Long.parseLong(f[6]);
            final long outPayload = payload + 3 * conns[i];
            assertTrue(outBytes >= outPayload + 40 * outPkts && outBytes <= outPayload + 60 * outPkts, rips[i]
                + ": OutBytes " + outBytes + " for " + outPayload + " payload bytes in " + outPkts + " packets\n"
                + stats);
            // at least SYN, the data, FIN and the last ACK each way
            assertTrue(inPkts >= 3 * conns[i] && outPkts >= 2 * conns[i], stats);
        }

        // -Ln: every closed connection waits in TIME_WAIT in the kernel's table: inactive, as IPVS counts
        final String ln = jlvs.admin("-L -n");
        assertTrue(serviceLine(ln, VIP + ":80").endsWith(" kernel"), ln);
        for (int i = 0; i < 2; i++) {
            final String[] f = serverLine(ln, VIP + ":80", rips[i] + ":8080");
            // -> RIP:PORT Forward Weight ActiveConn InActConn
            assertEquals(List.of("Masq", String.valueOf(2 - i), "0", String.valueOf(conns[i])), List.of(f[2], f[3],
                f[4], f[5]), ln);
        }
        final String one = jlvs.admin("-L -n -t " + VIP + ":80 --stats --exact");
        assertTrue(serviceLine(one, VIP + ":80").endsWith(" kernel"), one);
        assertEquals("20", serverLine(one, VIP + ":80", RIP1 + ":8080")[2], one);
        // -Lnc: the kernel's entries, one a connection, to the server numgen chose
        final String lnc = jlvs.admin("-L -n -c");
        for (int i = 0; i < 2; i++) {
            final String rip = rips[i];
            assertEquals(conns[i], lnc.lines().filter(l -> l.startsWith("TCP") && l.contains("TIME_WAIT")
                && l.contains(" " + VIP + ":80 ") && l.endsWith(" " + rip + ":8080")).count(), lnc);
        }

        // --rate: the estimator sees the kernel's connections (counters read every second, rates every 2 s)
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String rate = jlvs.admin("-L -n --rate");
        while (Long.parseLong(serviceLine(rate, VIP + ":80").trim().split("\\s+")[2]) == 0) {
            assertTrue(System.nanoTime() < deadline, "no connection rate for the kernel service:\n" + rate);
            peer.cmd("connect 6 " + VIP + " 80 10"); // connections keep coming while the estimator catches up
            rate = jlvs.admin("-L -n --rate");
        }
        assertTrue(serviceLine(rate, VIP + ":80").endsWith(" kernel"), rate);
        assertTrue(Long.parseLong(serviceLine(rate, VIP + ":80").trim().split("\\s+")[3]) > 0, rate); // InPPS

        // an admin edit reaches the kernel before the answer: weight 0 takes b1 out of the map for new connections
        assertEquals("", jlvs.admin("-e -t " + VIP + ":80 -r " + RIP1 + ":8080 -m -w 0"));
        assertEquals(Map.of("b2", 5L), count(peer.cmd("connect 5 " + VIP + " 80 10")));

        // SIGHUP: the changed file applies to new connections ("reloaded" is printed once the kernel has it)
        Files.writeString(rules, kernelRules(1, 3));
        jlvs.signal("HUP");
        jlvs.awaitOutput("reloaded " + rules + ": ");
        assertEquals(Map.of("b1", 10L, "b2", 30L), count(peer.cmd("connect 40 " + VIP + " 80 10")));
        assertTrue(jlvs.process.isAlive(), "SIGHUP is not a stop");
        // a bad file changes nothing, in the director or the kernel, and names its line
        final String before = exec("nft", "list", "table", "inet", TABLE).replaceAll("packets \\d+ bytes \\d+", "");
        Files.writeString(rules, kernelRules(1, 3) + "-A -t " + VIP + ":81 -s wlc --forward kernel\n");
        jlvs.signal("HUP");
        jlvs.awaitOutput("refused; nothing changed");
        assertTrue(jlvs.output().contains(rules + ": line 6: ") && jlvs.output().contains("live connection counts"),
            jlvs.output());
        assertEquals(before, exec("nft", "list", "table", "inet", TABLE).replaceAll("packets \\d+ bytes \\d+", ""));
        assertEquals(Map.of("b1", 1L, "b2", 3L), count(peer.cmd("connect 4 " + VIP + " 80 10")));

        // SIGTERM: the director stops and its table goes
        jlvs.signal("TERM");
        jlvs.awaitExit();
        assertEquals("", tables().strip(), "the table outlived jlvs run");
        peer.cmd("quit");
    }

    @Test
    void aRestartAfterSigkillRemovesTheStaleTable() throws Exception {
        final Peer peer = new Peer();
        peer.cmd("backend b1 " + RIP1 + " 8080");
        peer.cmd("backend b2 " + RIP2 + " 8080");
        final Jlvs first = new Jlvs(rules("first.rules", "-A -t " + VIP + ":80 -s rr --forward kernel\n"
            + "-a -t " + VIP + ":80 -r " + RIP1 + ":8080 -m\n"));
        assertEquals(Map.of("b1", 3L), count(peer.cmd("connect 3 " + VIP + " 80 10")));
        first.signal("KILL");
        assertNotEquals(0, first.awaitExit());
        // nothing ran at the kill: the table stays (and still forwards) until the next start
        assertEquals("table inet " + TABLE, tables().strip());
        assertEquals(Map.of("b1", 1L), count(peer.cmd("connect 1 " + VIP + " 80 10")));

        final Jlvs second = new Jlvs(rules("second.rules", "-A -t " + VIP + ":81 -s rr --forward kernel\n"
            + "-a -t " + VIP + ":81 -r " + RIP2 + ":8080 -m\n"), true, "--list-interval", "1");
        final String table = exec("nft", "list", "table", "inet", TABLE);
        assertFalse(table.contains("dport 80 "), "the killed run's service is gone:\n" + table);
        assertTrue(table.contains("dport 81 "), table);
        assertEquals(Map.of("b2", 2L), count(peer.cmd("connect 2 " + VIP + " 81 10")));
        final String stats = second.admin("-L -n --stats --exact");
        assertFalse(stats.contains(VIP + ":80"), stats);
        assertEquals("2", serverLine(stats, VIP + ":81", RIP2 + ":8080")[2], stats); // counters start at zero
        // the periodic listing marks the kernel service too, with its TIME_WAIT entries as inactive connections
        second.awaitOutput("TCP  " + VIP + ":81 rr kernel\n  -> " + RIP2 + ":8080");
        assertTrue(second.output().lines().anyMatch(l -> l.matches("  -> " + RIP2.replace(".", "\\.")
            + ":8080 +Masq +1 +0 +2 *")), second.output());
        second.signal("TERM");
        second.awaitExit();
        assertEquals("", tables().strip());
        peer.cmd("quit");
    }

    @Test
    void aReloadOrAnAdminCommandThatAddsTheFirstKernelServiceAttachesTheDataPath() throws Exception {
        final Peer peer = new Peer();
        peer.cmd("backend b1 " + RIP1 + " 8080");
        peer.cmd("backend b2 " + RIP2 + " 8080");
        final String proxied = "-A -t " + VIP + ":90 -s rr\n-a -t " + VIP + ":90 -r " + RIP1 + ":8080 -m\n";
        final Path rules = rules("grow.rules", proxied);
        final Jlvs jlvs = new Jlvs(rules, false);
        assertEquals("", tables().strip(), "no kernel service, no table");
        Files.writeString(rules, proxied + "-A -t " + VIP + ":80 -s rr --forward kernel\n"
            + "-a -t " + VIP + ":80 -r " + RIP2 + ":8080 -m\n");
        jlvs.signal("HUP");
        jlvs.awaitOutput("reloaded " + rules + ": ");
        assertTrue(jlvs.output().contains("kernel forwarding: nftables table inet " + TABLE), jlvs.output());
        assertEquals(Map.of("b2", 3L), count(peer.cmd("connect 3 " + VIP + " 80 10")));
        // a service added over the admin socket forwards as soon as the command answered
        assertEquals("", jlvs.admin("-A -t " + VIP + ":82 -s rr --forward kernel", "-a -t " + VIP + ":82 -r " + RIP1
            + ":8080 -m"));
        assertEquals(Map.of("b1", 2L), count(peer.cmd("connect 2 " + VIP + " 82 10")));
        final String stats = jlvs.admin("-L -n --stats --exact");
        assertEquals("3", serverLine(stats, VIP + ":80", RIP2 + ":8080")[2], stats);
        assertEquals("2", serverLine(stats, VIP + ":82", RIP1 + ":8080")[2], stats);
        // and one deleted over it stops forwarding at once: the virtual port is closed in the namespace
        assertEquals("", jlvs.admin("-D -t " + VIP + ":82"));
        assertFalse(exec("nft", "list", "table", "inet", TABLE).contains("dport 82 "));
        jlvs.signal("TERM");
        jlvs.awaitExit();
        assertEquals("", tables().strip());
        peer.cmd("quit");
    }

    @Test
    void ipv6KernelServicesRunAndAMixedFamilyIsRefusedNamingTheLine() throws Exception {
        final String vip6 = "fd78::1";
        final String[] rips6 = {"fd78::11", "fd78::12"};
        for (final String a : new String[] {vip6, rips6[0], rips6[1]}) {
            try {
                exec("ip", "-6", "addr", "add", a + "/128", "dev", "lo", "nodad");
            } catch (final IOException e) {
                assumeTrue(false, "IPv6 addresses on lo in a namespace: " + e.getMessage() + ": skipped");
            }
        }
        // a real server of the other family: jlvs run refuses to start, naming the line, and installs nothing
        final Path mixed = rules("mixed.rules", "-A -t [" + vip6 + "]:80 -s rr --forward kernel\n"
            + "-a -t [" + vip6 + "]:80 -r " + RIP1 + ":8080 -m\n");
        final Process bad = inNamespace("io.jlvs.examples.Main", "run", "--rules", mixed.toString(), "--no-jmx")
            .redirectErrorStream(true).start();
        children.add(bad);
        final String badOut = new String(bad.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(bad.waitFor(60, TimeUnit.SECONDS));
        assertNotEquals(0, bad.exitValue(), badOut);
        assertTrue(badOut.contains("line 2") && badOut.contains("address family"), badOut);
        assertEquals("", tables().strip());

        final Peer peer = new Peer();
        peer.cmd("backend b1 " + rips6[0] + " 8080");
        peer.cmd("backend b2 " + rips6[1] + " 8080");
        final String svc = "[" + vip6 + "]:80";
        final Jlvs jlvs = new Jlvs(rules("six.rules", "-A -t " + svc + " -s wrr --forward kernel\n"
            + "-a -t " + svc + " -r [" + rips6[0] + "]:8080 -m -w 1\n"
            + "-a -t " + svc + " -r [" + rips6[1] + "]:8080 -m -w 2\n"));
        assertEquals(Map.of("b1", 4L, "b2", 8L), count(peer.cmd("connect 12 " + vip6 + " 80 500")));
        final String stats = jlvs.admin("-L -n --stats --exact");
        assertTrue(serviceLine(stats, svc).endsWith(" kernel"), stats);
        assertEquals("8", serverLine(stats, svc, "[" + rips6[1] + "]:8080")[2], stats);
        final long inPkts = Long.parseLong(serverLine(stats, svc, "[" + rips6[1] + "]:8080")[3]);
        final long inBytes = Long.parseLong(serverLine(stats, svc, "[" + rips6[1] + "]:8080")[5]);
        // IPv6 packets: 40 header bytes and 20..40 TCP header bytes each, besides the payload
        assertTrue(inBytes >= 8 * 500 + 60 * inPkts && inBytes <= 8 * 500 + 80 * inPkts, stats);
        final String lnc = jlvs.admin("-L -n -c");
        assertEquals(8, lnc.lines().filter(l -> l.contains(" " + svc + " ") && l.endsWith(" [" + rips6[1] + "]:8080"))
            .count(), lnc);
        jlvs.signal("TERM");
        jlvs.awaitExit();
        assertEquals("", tables().strip());
        peer.cmd("quit");
    }

    @Test
    void aSyncBackupInstallsItsKernelServicesWhenItTakesOver() throws Exception {
        final Peer peer = new Peer();
        peer.cmd("backend b1 " + RIP1 + " 8080");
        final Jlvs backup = new Jlvs(rules("backup.rules", "-A -t " + VIP + ":80 -s rr --forward kernel\n"
            + "-a -t " + VIP + ":80 -r " + RIP1 + ":8080 -m\n"), false, "--sync", "backup", "--sync-listen",
            "127.0.0.1:18248", "--sync-dead-interval", "3600"); // a port of the namespace: nothing else there
        backup.awaitOutput("standing by");
        // standing by: nothing in the kernel, and an admin listing does not attach it
        assertTrue(backup.admin("-L -n").contains("TCP  " + VIP + ":80 rr"));
        assertEquals("", tables().strip(), "a standing-by backup installed a table");
        assertEquals("took over\n", backup.admin("takeover"));
        backup.awaitOutput("kernel forwarding: nftables table inet " + TABLE);
        assertEquals("table inet " + TABLE, tables().strip());
        assertEquals(Map.of("b1", 2L), count(peer.cmd("connect 2 " + VIP + " 80 10")));
        assertTrue(serviceLine(backup.admin("-L -n"), VIP + ":80").endsWith(" kernel"));
        backup.signal("TERM");
        backup.awaitExit();
        assertEquals("", tables().strip());
        peer.cmd("quit");
    }
}
