package io.jlvs.transport.nio;

import io.jlvs.core.config.DirectorConfig;
import io.jlvs.core.config.Extensions;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.SourceAddresses;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.rules.RulesException;
import io.jlvs.core.rules.RulesParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Source-address pools against a real port shortage: a network namespace this test creates, whose ephemeral port
 * range is narrowed to 500 ports, runs a child JVM ({@link SourcePoolMain}) holding the backend, the director and
 * the clients. Without a pool the 501st concurrent backend connection fails locally (counted, client reset,
 * director alive and serving again once a port is free); with four source addresses 1,900 connections to the one
 * backend all succeed. Needs root and iproute2; skips naming why otherwise.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SourceAddressPoolNamespaceTest {
    private static final String NS_PREFIX = "jlvs-ports-" + ProcessHandle.current().pid() + "-";
    private static int made;
    private static String ip;
    /**
     * This test's namespace. One per test: ports a pool's bind() left in TIME_WAIT are closed to autobinding connects
     * on every address (the kernel skips ports bound explicitly), which would shrink the next test's range.
     */
    private String ns;

    @BeforeAll
    static void needsRootAndIp() {
        ip = Files.isExecutable(Path.of("/usr/sbin/ip")) ? "/usr/sbin/ip"
            : Files.isExecutable(Path.of("/sbin/ip")) ? "/sbin/ip" : null;
        final boolean root = "root".equals(System.getProperty("user.name"));
        assumeTrue(root && ip != null, "needs root and iproute2 (ip) to create a network namespace: user "
            + System.getProperty("user.name") + ", ip " + (ip == null ? "not found" : ip));
    }

    private void createNamespace() throws Exception {
        ns = NS_PREFIX + ++made;
        run(ip, "netns", "add", ns);
        run(ip, "netns", "exec", ns, ip, "link", "set", "lo", "up");
        run(ip, "netns", "exec", ns, "sysctl", "-w", "net.ipv4.ip_local_port_range=40000 40499");
    }

    @AfterEach
    void deleteNamespace() throws Exception {
        if (ns != null) {
            run(ip, "netns", "del", ns);
            ns = null;
        }
    }

    private static String run(final String... cmd) throws IOException, InterruptedException {
        final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", cmd) + " did not end");
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
        return out;
    }

    /** Runs {@link SourcePoolMain} in the namespace and returns its facts; a repeated fact keeps its last value. */
    private Map<String, List<String>> child(final String... args) throws Exception {
        createNamespace();
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        final List<String> cmd = new ArrayList<>(List.of(ip, "netns", "exec", ns, "/bin/sh", "-c",
            "ulimit -n 12000 && exec \"$0\" -Xmx256m -cp \"$1\" " + SourcePoolMain.class.getName() + " \"$2\" \"$3\" "
                + "\"$4\" \"$5\"", java, cp));
        cmd.addAll(List.of(args));
        while (cmd.size() < 12) {
            cmd.add("");
        }
        final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        final Map<String, List<String>> facts = new HashMap<>();
        final StringBuilder all = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (all.length() < 20_000) {
                    all.append(line).append('\n');
                }
                if (line.startsWith("FACT ")) {
                    final int eq = line.indexOf('=');
                    facts.computeIfAbsent(line.substring(5, eq), k -> new ArrayList<>()).add(line.substring(eq + 1));
                }
            }
        } finally {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        assertEquals(0, p.exitValue(), "child failed:\n" + all);
        assertTrue(all.indexOf("DONE") >= 0, all.toString());
        return facts;
    }

    private static String first(final Map<String, List<String>> f, final String key) {
        return f.get(key).get(0);
    }

    private static String last(final Map<String, List<String>> f, final String key) {
        final List<String> v = f.get(key);
        return v.get(v.size() - 1);
    }

    @Test
    void shouldFailThe501stConnectionLocallyWithoutAPoolAndRecover() throws Exception {
        final Map<String, List<String>> f = child("501", "none", "127.0.0.10", "recover");
        assertEquals("500", first(f, "ok"), f.toString());
        final String failures = first(f, "failures");
        assertTrue(failures.startsWith("[500:") && failures.indexOf(',') < 0, failures);
        assertTrue(failures.contains("Connection reset") || failures.contains("Broken pipe"), failures);
        // counted as the director's shortage, once, and not against the real server
        assertEquals("1", first(f, "local_port_exhausted"), f.toString());
        assertEquals("0", first(f, "connect_failures"), f.toString());
        assertEquals("0", first(f, "redispatches"), f.toString());
        assertEquals("0", first(f, "server_connect_failures"), f.toString());
        assertEquals("500", first(f, "backend_accepted"), f.toString());
        assertEquals("500", first(f, "live"), f.toString());
        // one connection ends: the director serves a new one
        assertEquals("yes", first(f, "recovered"), f.toString());
        assertEquals("1", last(f, "local_port_exhausted"), f.toString());
        assertEquals("501", last(f, "backend_accepted"), f.toString());
        assertEquals("500", last(f, "live"), f.toString());
        assertEquals("true", first(f, "health"), f.toString());
    }

    @Test
    void shouldCarry1900ConnectionsToOneBackendFromFourSourceAddresses() throws Exception {
        final Map<String, List<String>> f = child("1900", "127.0.0.2-127.0.0.5", "127.0.0.11");
        assertEquals("1900", first(f, "ok"), f.toString());
        assertEquals("[]", first(f, "failures"));
        assertEquals("0", first(f, "local_port_exhausted"), f.toString());
        assertEquals("0", first(f, "connect_failures"), f.toString());
        assertEquals("1900", first(f, "backend_accepted"), f.toString());
        assertEquals("1900", first(f, "live"), f.toString());
        // {127.0.0.2=475, ...}: only the pool's addresses, none past one port range, together every connection
        final String sources = first(f, "backend_sources");
        final Map<String, Integer> bySource = new HashMap<>();
        for (final String e : sources.substring(1, sources.length() - 1).split(", ")) {
            final String[] kv = e.split("=");
            bySource.put(kv[0], Integer.parseInt(kv[1]));
        }
        assertEquals(java.util.Set.of("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"), bySource.keySet(), sources);
        assertEquals(1900, bySource.values().stream().mapToInt(Integer::intValue).sum(), sources);
        assertTrue(bySource.values().stream().allMatch(n -> n <= 500), sources);
        assertEquals("true", first(f, "health"), f.toString());
    }

    @Test
    void shouldRefuseANonLocalOrMalformedPoolWhenTheRulesLoad() {
        final RulesParser parser = RulesParser.withExtensions(Extensions.transport());
        final String rules = "-A -t 127.0.0.1:8000 -s rr\n"
            + "-a -t 127.0.0.1:8000 -r 127.0.0.1:9000 -m --source-addresses 192.0.2.7\n";
        final RulesException e = assertThrows(RulesException.class,
            () -> parser.load(rules, DirectorConfig.EMPTY, n -> n.equals("rr")));
        assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("192.0.2.7 is not an address of this"
            + " host"), e.getMessage());
        final RulesException backwards = assertThrows(RulesException.class, () -> parser.load(
            "-A -t 127.0.0.1:8000 -s rr --source-addresses 127.0.0.9-127.0.0.2\n", DirectorConfig.EMPTY,
            n -> n.equals("rr")));
        assertTrue(backwards.getMessage().contains("line 1") && backwards.getMessage().contains("runs backwards"),
            backwards.getMessage());
        final IllegalArgumentException b = assertThrows(IllegalArgumentException.class,
            () -> VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", 8000)).option("source-addresses",
                "127.0.0.2,127.0.0.2").build());
        assertEquals("option --source-addresses 127.0.0.2,127.0.0.2: 127.0.0.2 is listed twice", b.getMessage());
        // a good pool: a server's own wins over its service's, none turns it off
        final VirtualServiceConfig svc = VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", 8000))
            .option("source-addresses", "127.0.0.2-127.0.0.5").build();
        final SourceAddresses p = Extensions.sourceAddresses(svc, RealServerConfig.builder("127.0.0.1", 9000).build());
        assertEquals("[/127.0.0.2, /127.0.0.3, /127.0.0.4, /127.0.0.5]", p.addresses().toString());
        assertEquals("[/127.0.0.7]", Extensions.sourceAddresses(svc, RealServerConfig.builder("127.0.0.1", 9000)
            .option("source-addresses", "127.0.0.7").build()).addresses().toString());
        assertEquals(null, Extensions.sourceAddresses(svc, RealServerConfig.builder("127.0.0.1", 9000)
            .option("source-addresses", "none").build()));
    }
}
