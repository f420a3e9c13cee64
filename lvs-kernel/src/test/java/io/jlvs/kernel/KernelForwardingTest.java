package io.jlvs.kernel;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kernel data path end to end, in a network namespace each test makes: the director (rules, nftables table,
 * health checks), its backends and its clients run in one {@link NsDirector} process inside it, on addresses of the
 * namespace's loopback; the nat output hook translates the clients' connections. Nothing touches the host's tables.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KernelForwardingTest {
    private static final String VIP = "10.77.0.1";
    private static final String[] RIPS = {"10.77.0.11", "10.77.0.12", "10.77.0.13"};

    @BeforeAll
    static void usable() throws Exception {
        Netns.assumeUsable();
    }

    private static Netns ns(final String tag) throws Exception {
        return Netns.create(tag, VIP, RIPS[0], RIPS[1], RIPS[2]);
    }

    private static Path rules(final String text) throws Exception {
        final Path p = Files.createTempFile("kernel", ".rules");
        Files.writeString(p, text);
        return p;
    }

    private static void backends(final Netns.Child c, final int n) throws Exception {
        for (int i = 0; i < n; i++) {
            c.cmd("backend b" + (i + 1) + " " + RIPS[i] + " 8080");
        }
    }

    private static Map<String, Long> count(final String ids) {
        return new TreeMap<>(Arrays.stream(ids.trim().split(" ")).collect(Collectors.groupingBy(Function.identity(),
            Collectors.counting())));
    }

    /** The server line of a listing for a real server. */
    private static String[] serverLine(final String listing, final String rip) {
        for (final String l : listing.split("\n")) {
            if (l.trim().startsWith("->") && l.contains(rip + ":8080")) {
                return l.trim().split("\\s+");
            }
        }
        throw new AssertionError("no line for " + rip + " in\n" + listing);
    }

    @Test
    void wrrDistributesByWeightAndCountersMatchWhatClientsSent() throws Exception {
        try (Netns ns = ns("wrr")) {
            final Netns.Child c = ns.start();
            backends(c, 3);
            c.cmd("start " + rules("-A -t " + VIP + ":80 -s wrr --forward kernel\n"
                + "-a -t " + VIP + ":80 -r " + RIPS[0] + ":8080 -m -w 3\n"
                + "-a -t " + VIP + ":80 -r " + RIPS[1] + ":8080 -m -w 2\n"
                + "-a -t " + VIP + ":80 -r " + RIPS[2] + ":8080 -m -w 1\n") + " wrr");
            assertTrue(ns.tables().contains("table inet jlvs_wrr"), ns.tables());
            final int bytes = 3000;
            // numgen inc over weight ranges: 60 sequential connections are exactly 10 rounds of 3/2/1
            assertEquals(Map.of("b1", 30L, "b2", 20L, "b3", 10L), count(c.cmd("connect 60 " + VIP + " 80 " + bytes)));
            final String stats = c.cmd("list STATS");
            assertTrue(stats.lines().anyMatch(l -> l.startsWith("TCP") && l.endsWith(" kernel")), stats);
            final long[] conns = {30, 20, 10};
            for (int i = 0; i < 3; i++) {
                final String[] f = serverLine(stats, RIPS[i]);
                // -> RIP:PORT Conns InPkts OutPkts InBytes OutBytes
                assertEquals(conns[i], Long.parseLong(f[2]), stats);
                final long inPkts = Long.parseLong(f[3]);
                final long inBytes = parse(f[5]);
                final long outBytes = parse(f[6]);
                final long payload = conns[i] * bytes;
                // the kernel counts IP packets: the payload the clients sent plus 20..60 header bytes a packet
                assertTrue(inBytes >= payload + 40 * inPkts && inBytes <= payload + 60 * inPkts,
                    RIPS[i] + ": InBytes " + inBytes + " for " + payload + " payload bytes in " + inPkts + " packets");
                // out: the echo plus each server's "bN\n"
                assertTrue(outBytes >= payload + 3 * conns[i], stats);
            }
            final String ln = c.cmd("list DEFAULT");
            assertEquals("3", serverLine(ln, RIPS[0])[3], ln);
            c.cmd("quit");
        }
    }

    private static long parse(final String ipvsadmNumber) {
        final char u = ipvsadmNumber.charAt(ipvsadmNumber.length() - 1);
        if (Character.isDigit(u)) {
            return Long.parseLong(ipvsadmNumber);
        }
        throw new AssertionError("abbreviated number " + ipvsadmNumber + ": use smaller amounts");
    }

    @Test
    void drainKeepsLiveConnectionsAndListsThem() throws Exception {
        try (Netns ns = ns("drain")) {
            final Netns.Child c = ns.start();
            backends(c, 2);
            c.cmd("start " + rules("-A -t " + VIP + ":80 -s rr --forward kernel\n"
                + "-a -t " + VIP + ":80 -r " + RIPS[0] + ":8080 -m\n"
                + "-a -t " + VIP + ":80 -r " + RIPS[1] + ":8080 -m\n") + " drain");
            final String first = c.cmd("hold h1 " + VIP + " 80");
            final String second = c.cmd("hold h2 " + VIP + " 80");
            assertEquals(Map.of("b1", 1L, "b2", 1L), count(first + " " + second));
            final String heldOnB2 = first.equals("b2") ? "h1" : "h2";
            final String conns = c.cmd("conns");
            assertEquals(2, conns.lines().filter(l -> l.contains("ESTABLISHED")).count(), conns);
            assertTrue(conns.contains(RIPS[1] + ":8080"), conns);
            c.cmd("weight " + VIP + " 80 " + RIPS[1] + " 8080 0");
            assertEquals(Map.of("b1", 10L), count(c.cmd("connect 10 " + VIP + " 80 100")));
            assertEquals("echoed 5000", c.cmd("echo " + heldOnB2 + " 5000"));
            final String ln = c.cmd("list DEFAULT");
            final String[] b2 = serverLine(ln, RIPS[1]);
            assertEquals("0", b2[3], ln); // weight
            assertEquals("1", b2[4], ln); // ActiveConn: the held connection
            c.cmd("quit");
        }
    }

    @Test
    void killedServerLeavesTheMapWithinFallTimesInterval() throws Exception {
        try (Netns ns = ns("health")) {
            final Netns.Child c = ns.start();
            backends(c, 2);
            final int interval = 200;
            final int fall = 2;
            c.cmd("start " + rules("-A -t " + VIP + ":80 -s rr --forward kernel --check tcp --check-interval "
                + interval + " --check-timeout 150 --fall " + fall + " --rise 1\n"
                + "-a -t " + VIP + ":80 -r " + RIPS[0] + ":8080 -m\n"
                + "-a -t " + VIP + ":80 -r " + RIPS[1] + ":8080 -m\n") + " health");
            assertEquals(Map.of("b1", 2L, "b2", 2L), count(c.cmd("connect 4 " + VIP + " 80 10")));
            final String chain = "v" + KernelRuleset.hex(java.net.InetAddress.getByName(VIP)) + "t80";
            final String b2Chain = chain + "_" + KernelRuleset.hex(java.net.InetAddress.getByName(RIPS[1])) + "_8080";
            c.cmd("kill b2");
            final long killed = System.nanoTime();
            long left = -1;
            while (System.nanoTime() - killed < TimeUnit.SECONDS.toNanos(20)) {
                final String map = ns.exec("nft", "list", "chain", "inet", "jlvs_health", chain);
                if (!map.contains("jump " + b2Chain)) {
                    left = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
                    break;
                }
                Thread.onSpinWait();
            }
            assertTrue(left >= 0, "b2 never left the map");
            // fall x interval, plus one interval for the phase of the first failing check and the check timeout
            assertTrue(left <= (long) (fall + 1) * interval + 150 + 1000, "b2 left the map after " + left + " ms");
            assertEquals(Map.of("b1", 6L), count(c.cmd("connect 6 " + VIP + " 80 10")));
            c.cmd("quit");
        }
    }

    @Test
    void reloadIsOneTransactionAndConnectionsThroughItNeverFail() throws Exception {
        try (Netns ns = ns("reload")) {
            final Netns.Child c = ns.start();
            backends(c, 3);
            c.cmd("start " + rules("-A -t " + VIP + ":80 -s wrr --forward kernel\n"
                + "-a -t " + VIP + ":80 -r " + RIPS[0] + ":8080 -m -w 1\n"
                + "-a -t " + VIP + ":80 -r " + RIPS[1] + ":8080 -m -w 1\n") + " reload");
            c.cmd("bg-connect 300 " + VIP + " 80 10");
            final Path next = rules("-A -t " + VIP + ":80 -s wrr --forward kernel\n"
                + "-a -t " + VIP + ":80 -r " + RIPS[0] + ":8080 -m -w 1\n"
                + "-a -t " + VIP + ":80 -r " + RIPS[2] + ":8080 -m -w 3\n");
            c.cmd("reload " + next);
            final String during = c.cmd("bg-wait"); // each of the 300 connected and echoed
            assertEquals(300, during.split(" ").length);
            assertEquals(Map.of("b1", 10L, "b3", 30L), count(c.cmd("connect 40 " + VIP + " 80 10")));
            // a bad file changes nothing, in the director or the kernel
            final String before = ns.exec("nft", "list", "table", "inet", "jlvs_reload");
            final String bad = c.ask("reload " + rules("-A -t " + VIP + ":80 -s wlc --forward kernel\n"));
            assertTrue(bad.startsWith("ERR ") && bad.contains("line 1") && bad.contains("live connection counts"),
                bad);
            assertEquals(before.replaceAll("packets \\d+ bytes \\d+", ""), ns.exec("nft", "list", "table", "inet",
                "jlvs_reload").replaceAll("packets \\d+ bytes \\d+", ""));
            // nft itself: a transaction with an error anywhere applies nothing
            final NftCommand nft = new NftCommand(java.util.List.of("ip", "netns", "exec", ns.name, "nft"));
            final String tx = "add counter ip jlvs_reload extra\nadd rule ip jlvs_reload nat_out bogus syntax\n";
            try {
                nft.apply(tx);
                throw new AssertionError("nft accepted a bad transaction");
            } catch (final java.io.IOException expected) {
                assertTrue(expected.getMessage().contains("nothing changed"), expected.getMessage());
            }
            assertFalse(ns.exec("nft", "list", "counters").contains("extra"));
            c.cmd("quit");
        }
    }

    @Test
    void tableGoesAtStopAndAfterSigkillAtTheNextStart() throws Exception {
        try (Netns ns = ns("clean")) {
            final String rules1 = rules("-A -t " + VIP + ":80 -s rr --forward kernel\n"
                + "-a -t " + VIP + ":80 -r " + RIPS[0] + ":8080 -m\n").toString();
            final Netns.Child a = ns.start();
            a.cmd("start " + rules1 + " clean");
            assertTrue(ns.tables().contains("jlvs_clean"));
            a.cmd("quit");
            assertTrue(a.process.waitFor(20, TimeUnit.SECONDS));
            assertFalse(ns.tables().contains("jlvs_clean"), ns.tables());

            final Netns.Child b = ns.start();
            b.cmd("backend b1 " + RIPS[0] + " 8080");
            b.cmd("start " + rules1 + " clean");
            assertEquals(Map.of("b1", 3L), count(b.cmd("connect 3 " + VIP + " 80 10")));
            b.process.destroyForcibly(); // SIGKILL: ip netns exec runs java in its own process
            assertTrue(b.process.waitFor(20, TimeUnit.SECONDS));
            assertTrue(ns.tables().contains("jlvs_clean"), "the killed director's table stays until the next start");
            final String server1 = "v" + KernelRuleset.hex(java.net.InetAddress.getByName(VIP)) + "t80_"
                + KernelRuleset.hex(java.net.InetAddress.getByName(RIPS[0])) + "_8080";
            assertTrue(ns.exec("nft", "list", "table", "inet", "jlvs_clean").contains(server1));

            final Netns.Child d = ns.start();
            d.cmd("start " + rules("-A -t " + VIP + ":81 -s rr --forward kernel\n"
                + "-a -t " + VIP + ":81 -r " + RIPS[1] + ":8080 -m\n") + " clean");
            final String t = ns.exec("nft", "list", "table", "inet", "jlvs_clean");
            assertFalse(t.contains(server1), t); // the crashed run's objects are gone
            assertTrue(t.contains("t81_"), t);
            d.cmd("quit");
            assertFalse(ns.tables().contains("jlvs_clean"), ns.tables());
            assertTrue(ns.tables().isBlank(), "no other table was made: " + ns.tables());
        }
    }

    @Test
    void shutdownSessionsDeletesTheDownServersConntrackEntries() throws Exception {
        try (Netns ns = ns("shut")) {
            final Netns.Child c = ns.start();
            backends(c, 2);
            c.cmd("start " + rules("-A -t " + VIP + ":80 -s rr --forward kernel --check tcp --check-interval 200 "
                + "--check-timeout 150 --fall 2 --rise 1 --shutdown-sessions\n"
                + "-a -t " + VIP + ":80 -r " + RIPS[0] + ":8080 -m\n"
                + "-a -t " + VIP + ":80 -r " + RIPS[1] + ":8080 -m\n") + " shut");
            final String first = c.cmd("hold h1 " + VIP + " 80");
            c.cmd("hold h2 " + VIP + " 80");
            final String onB1 = first.equals("b1") ? "h1" : "h2";
            assertTrue(c.cmd("conns").contains(RIPS[1] + ":8080"));
            c.cmd("unlisten b2"); // its check fails; its live connection would go on without --shutdown-sessions
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            String conns = c.cmd("conns");
            while (conns.contains(RIPS[1] + ":8080") && System.nanoTime() < deadline) {
                conns = c.cmd("conns");
            }
            assertFalse(conns.contains(RIPS[1] + ":8080"), conns);
            assertTrue(conns.contains(RIPS[0] + ":8080"), conns);
            assertEquals("echoed 1000", c.cmd("echo " + onB1 + " 1000"));
            c.cmd("quit");
        }
    }

    @Test
    void lostQuorumEmptiesTheMapAndItsReturnRefillsIt() throws Exception {
        try (Netns ns = ns("quorum")) {
            final Netns.Child c = ns.start();
            backends(c, 2);
            c.cmd("start " + rules("-A -t " + VIP + ":80 -s rr --forward kernel --check tcp --check-interval 200 "
                + "--check-timeout 150 --fall 1 --rise 1 --quorum 2\n"
                + "-a -t " + VIP + ":80 -r " + RIPS[0] + ":8080 -m\n"
                + "-a -t " + VIP + ":80 -r " + RIPS[1] + ":8080 -m\n") + " quorum");
            assertEquals(Map.of("b1", 1L, "b2", 1L), count(c.cmd("connect 2 " + VIP + " 80 10")));
            c.cmd("unlisten b2");
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            String answer = c.ask("connect 1 " + VIP + " 80 10");
            while (!answer.startsWith("ERR") && System.nanoTime() < deadline) {
                answer = c.ask("connect 1 " + VIP + " 80 10");
            }
            // one server up of a quorum of two: nothing is translated, the closed virtual port refuses
            assertTrue(answer.startsWith("ERR") && answer.contains("refused"), answer);
            c.cmd("backend b2 " + RIPS[1] + " 8080");
            answer = c.ask("connect 2 " + VIP + " 80 10");
            while (answer.startsWith("ERR") && System.nanoTime() < deadline + TimeUnit.SECONDS.toNanos(10)) {
                answer = c.ask("connect 2 " + VIP + " 80 10");
            }
            assertEquals(Map.of("b1", 1L, "b2", 1L), count(answer));
            c.cmd("quit");
        }
    }

    @Test
    void slowStartStepsTheWeightInTheMap() throws Exception {
        try (Netns ns = ns("slow")) {
            final Netns.Child c = ns.start();
            backends(c, 1);
            c.cmd("start " + rules("-A -t " + VIP + ":80 -s wrr --forward kernel --check tcp --check-interval 100 "
                + "--check-timeout 100 --rise 1 --check-initial down --slow-start 3000\n"
                + "-a -t " + VIP + ":80 -r " + RIPS[0] + ":8080 -m -w 20\n") + " slow");
            final String chain = "v" + KernelRuleset.hex(java.net.InetAddress.getByName(VIP)) + "t80";
            final java.util.List<Integer> shares = new java.util.ArrayList<>();
            final java.util.regex.Pattern mod = java.util.regex.Pattern.compile("numgen inc mod (\\d+)");
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < deadline && (shares.isEmpty() || shares.get(shares.size() - 1) < 20)) {
                final java.util.regex.Matcher m = mod.matcher(ns.exec("nft", "list", "chain", "inet", "jlvs_slow",
                    chain));
                if (m.find()) {
                    final int share = Integer.parseInt(m.group(1));
                    if (shares.isEmpty() || shares.get(shares.size() - 1) != share) {
                        shares.add(share);
                    }
                }
            }
            // the server came up at a fraction of its weight and stepped up to 20 over the window, never down
            assertTrue(shares.size() >= 3 && shares.get(0) < 20 && shares.get(shares.size() - 1) == 20, "" + shares);
            for (int i = 1; i < shares.size(); i++) {
                assertTrue(shares.get(i) > shares.get(i - 1), "" + shares);
            }
            c.cmd("quit");
        }
    }

    @Test
    void udpFlowsAreTranslatedAndCounted() throws Exception {
        try (Netns ns = ns("udp")) {
            final Netns.Child c = ns.start();
            c.cmd("udp-backend u1 " + RIPS[0] + " 5353");
            c.cmd("udp-backend u2 " + RIPS[1] + " 5353");
            c.cmd("start " + rules("-A -u " + VIP + ":53 -s wrr --forward kernel\n"
                + "-a -u " + VIP + ":53 -r " + RIPS[0] + ":5353 -m -w 1\n"
                + "-a -u " + VIP + ":53 -r " + RIPS[1] + ":5353 -m -w 2\n") + " udp");
            assertEquals(Map.of("u1", 4L, "u2", 8L), count(c.cmd("udp 12 " + VIP + " 53 100")));
            final String stats = c.cmd("list STATS");
            int found = 0;
            for (final String l : stats.split("\n")) {
                if (l.contains(RIPS[1] + ":5353")) {
                    found++;
                    final String[] f = l.trim().split("\\s+");
                    assertEquals("8", f[2], stats); // Conns
                    assertEquals("8", f[3], stats); // InPkts: one datagram a flow
                    assertEquals("8", f[4], stats); // OutPkts: one answer a flow
                    assertEquals(String.valueOf(8 * (100 + 28)), f[5], stats); // InBytes: IP + UDP headers
                }
            }
            assertEquals(1, found, stats);
            assertTrue(stats.lines().anyMatch(l -> l.startsWith("UDP") && l.endsWith(" kernel")), stats);
            assertEquals(12, c.cmd("conns").lines().filter(l -> l.startsWith("UDP")).count());
            c.cmd("quit");
        }
    }

    private static final String VIP6 = "fd77::1";
    private static final String[] RIPS6 = {"fd77::11", "fd77::12"};

    @Test
    void ipv6ServicesBesideIpv4OnesInOneTableDistributeCountAndGo() throws Exception {
        final Netns ns;
        try {
            ns = Netns.create("six", VIP, RIPS[0], VIP6, RIPS6[0], RIPS6[1]);
        } catch (final java.io.IOException e) {
            org.junit.jupiter.api.Assumptions.assumeTrue(false, "IPv6 addresses on lo in a namespace: " + e.getMessage()
                + ": skipped");
            return;
        }
        try (ns) {
            final Netns.Child c = ns.start();
            c.cmd("backend b1 " + RIPS6[0] + " 8080");
            c.cmd("backend b2 " + RIPS6[1] + " 8080");
            c.cmd("backend v4 " + RIPS[0] + " 8080");
            c.cmd("udp-backend u1 " + RIPS6[0] + " 5353");
            c.cmd("udp-backend u2 " + RIPS6[1] + " 5353");
            c.cmd("start " + rules("-A -t [" + VIP6 + "]:80 -s wrr --forward kernel\n"
                + "-a -t [" + VIP6 + "]:80 -r [" + RIPS6[0] + "]:8080 -m -w 3\n"
                + "-a -t [" + VIP6 + "]:80 -r [" + RIPS6[1] + "]:8080 -m -w 1\n"
                + "-A -t [" + VIP6 + "]:81 -s sh --forward kernel\n"
                + "-a -t [" + VIP6 + "]:81 -r [" + RIPS6[0] + "]:8080 -m\n"
                + "-a -t [" + VIP6 + "]:81 -r [" + RIPS6[1] + "]:8080 -m\n"
                + "-A -u [" + VIP6 + "]:53 -s wrr --forward kernel\n"
                + "-a -u [" + VIP6 + "]:53 -r [" + RIPS6[0] + "]:5353 -m -w 1\n"
                + "-a -u [" + VIP6 + "]:53 -r [" + RIPS6[1] + "]:5353 -m -w 2\n"
                + "-A -t " + VIP + ":80 -s rr --forward kernel\n"
                + "-a -t " + VIP + ":80 -r " + RIPS[0] + ":8080 -m\n") + " six");
            assertEquals("table inet jlvs_six", ns.tables().strip(), ns.tables());
            final int bytes = 2000;
            // numgen inc over 0-2 (b1) and 3 (b2): 40 sequential connections are 10 rounds of 3/1
            assertEquals(Map.of("b1", 30L, "b2", 10L), count(c.cmd("connect 40 " + VIP6 + " 80 " + bytes)));
            // sh: one client address hashes to one server, every time
            final Map<String, Long> sh = count(c.cmd("connect 8 " + VIP6 + " 81 10"));
            assertEquals(1, sh.size(), "" + sh);
            assertEquals(8L, sh.values().iterator().next(), "" + sh);
            // UDP over IPv6: one flow a socket, weights 1:2
            assertEquals(Map.of("u1", 4L, "u2", 8L), count(c.cmd("udp 12 " + VIP6 + " 53 100")));
            // the IPv4 service in the same table
            assertEquals(Map.of("v4", 3L), count(c.cmd("connect 3 " + VIP + " 80 10")));

            final String stats = c.cmd("list STATS");
            assertTrue(stats.lines().anyMatch(l -> l.startsWith("TCP  [" + VIP6 + "]:80") && l.endsWith(" kernel")),
                stats);
            assertTrue(stats.lines().anyMatch(l -> l.startsWith("TCP  " + VIP + ":80") && l.endsWith(" kernel")),
                stats);
            final long[] conns = {30, 10};
            for (int i = 0; i < 2; i++) {
                final String[] f = serverLine6(stats, "[" + RIPS6[i] + "]:8080", "[" + VIP6 + "]:80");
                assertEquals(conns[i], Long.parseLong(f[2]), stats);
                final long inPkts = Long.parseLong(f[3]);
                final long inBytes = parse(f[5]);
                final long payload = conns[i] * bytes;
                // IPv6 packets: 40 header bytes and 20..40 TCP header bytes each, besides the payload
                assertTrue(inBytes >= payload + 60 * inPkts && inBytes <= payload + 80 * inPkts,
                    RIPS6[i] + ": InBytes " + inBytes + " for " + payload + " payload bytes in " + inPkts + " packets");
                assertTrue(parse(f[6]) >= payload + 3 * conns[i], stats);
            }
            boolean udp = false;
            for (final String l : stats.split("\n")) {
                if (l.startsWith("UDP")) {
                    udp = l.startsWith("UDP  [" + VIP6 + "]:53") && l.endsWith(" kernel");
                } else if (udp && l.contains("[" + RIPS6[1] + "]:5353")) {
                    final String[] f = l.trim().split("\\s+");
                    // Conns, InPkts, OutPkts: one datagram each way a flow; InBytes: IPv6 (40) + UDP (8) headers
                    assertEquals(List.of("8", "8", "8", String.valueOf(8 * (100 + 48))), List.of(f[2], f[3], f[4],
                        f[5]), stats);
                    udp = false;
                }
            }
            assertTrue(stats.contains("[" + RIPS6[1] + "]:5353"), stats);
            // the kernel's connection table, IPv6 entries included
            final String conns6 = c.cmd("conns");
            assertEquals(30, conns6.lines().filter(l -> l.contains("[" + VIP6 + "]:80 ")
                && l.contains("[" + RIPS6[0] + "]:8080")).count(), conns6);
            assertEquals(10, conns6.lines().filter(l -> l.contains("[" + VIP6 + "]:80 ")
                && l.contains("[" + RIPS6[1] + "]:8080")).count(), conns6);
            assertEquals(8, conns6.lines().filter(l -> l.contains("[" + VIP6 + "]:81 ")).count(), conns6);
            assertEquals(12, conns6.lines().filter(l -> l.startsWith("UDP") && l.contains("[" + VIP6 + "]:53 "))
                .count(), conns6);
            // a weight change applies to new connections
            c.cmd("weight " + VIP6 + " 80 " + RIPS6[0] + " 8080 0");
            assertEquals(Map.of("b2", 5L), count(c.cmd("connect 5 " + VIP6 + " 80 10")));
            c.cmd("quit");
            assertTrue(c.process.waitFor(20, TimeUnit.SECONDS));
            assertTrue(ns.tables().isBlank(), "the table went at stop: " + ns.tables());
        }
    }

    /** The server line for a real server under one service of a listing. */
    private static String[] serverLine6(final String listing, final String server, final String service) {
        boolean in = false;
        for (final String l : listing.split("\n")) {
            if (l.startsWith("TCP") || l.startsWith("UDP")) {
                in = l.contains(" " + service + " ");
            } else if (in && l.trim().startsWith("->") && l.contains(server)) {
                return l.trim().split("\\s+");
            }
        }
        throw new AssertionError("no line for " + server + " under " + service + " in\n" + listing);
    }
}
