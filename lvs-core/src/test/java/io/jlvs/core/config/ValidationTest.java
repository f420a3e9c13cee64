package io.jlvs.core.config;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.health.CheckResult;
import io.jlvs.core.health.HealthCheckConfig;
import io.jlvs.core.health.HealthChecker;
import io.jlvs.core.rules.RulesException;
import io.jlvs.core.rules.RulesParser;
import io.jlvs.core.service.TestSchedulers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Builder, rules and admin paths refuse the same bad input with messages that name it. */
class ValidationTest {
    private static final ServiceKey WEB = ServiceKey.tcp("10.0.0.1", 80);
    private static final RulesParser PARSER = RulesParser.withExtensions(Extensions.transport());

    @TempDir
    Path dir;

    private static LoadBalancer.Builder director() {
        return LoadBalancer.builder().schedulerRegistry(TestSchedulers.registry(null, "rr", "wlc"));
    }

    private static DirectorConfig load(final String rules) {
        return PARSER.load(rules, DirectorConfig.EMPTY, n -> n.equals("rr") || n.equals("wlc")).config();
    }

    private static String loadError(final String rules) {
        return assertThrows(RulesException.class, () -> load(rules)).getMessage();
    }

    @Test
    void shouldRefuseAnUnknownOptionNamingItAndTheClosestName() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> VirtualServiceConfig.builder(WEB).option("chek", "tcp").build());
        assertTrue(e.getMessage().startsWith("option --chek: unknown option (did you mean --check?) (expected one "
            + "of: max-conns, sorry-server, sorry-file, proxy-protocol, accept-proxy, check, "), e.getMessage());
        assertEquals("option --bogus: unknown option (expected one of: proxy-protocol, source-addresses)",
            assertThrows(IllegalArgumentException.class,
                () -> RealServerConfig.builder("10.0.0.2", 80).option("bogus", "1").build()).getMessage());
    }

    @Test
    void shouldRefuseABadValueNamingOptionValueAndExpected() {
        assertEquals("option --check-interval: 'fast' (expected: a number 10..86400000)",
            assertThrows(IllegalArgumentException.class,
                () -> VirtualServiceConfig.builder(WEB).option("check-interval", "fast").build()).getMessage());
        assertEquals("option --rise: '99999999999' (expected: a number 1..1000)",
            assertThrows(IllegalArgumentException.class,
                () -> VirtualServiceConfig.builder(WEB).option("rise", "99999999999").build()).getMessage());
        assertEquals("option --http-status: '200-99' (expected: status codes or ranges, such as 200-299,301)",
            assertThrows(IllegalArgumentException.class,
                () -> VirtualServiceConfig.builder(WEB).option("http-status", "200-99").build()).getMessage());
        assertEquals("option --shutdown-sessions: 'false' (expected: true (a switch: given or not))",
            assertThrows(IllegalArgumentException.class,
                () -> VirtualServiceConfig.builder(WEB).option("shutdown-sessions", "false").build()).getMessage());
        assertEquals("option --max-conns: not a real-server option (expected on a service)",
            assertThrows(IllegalArgumentException.class,
                () -> RealServerConfig.builder("10.0.0.2", 80).option("max-conns", "3").build()).getMessage());
        // numbers are ASCII digits only, as ipvsadm reads them
        assertEquals("line 2: -w \uff11\uff12: weight must be 0..65535",
            loadError("-A -t 10.0.0.1:80\n-a -t 10.0.0.1:80 -r 10.0.0.2 -m -w \uff11\uff12\n"));
        assertEquals("option --rise: '\u0661' (expected: a number 1..1000)",
            assertThrows(IllegalArgumentException.class,
                () -> VirtualServiceConfig.builder(WEB).option("rise", "\u0661").build()).getMessage());
        // the rules give the same verdict with the line
        assertEquals("line 1: --check-interval fast: must be a number 10..86400000",
            loadError("-A -t 10.0.0.1:80 --check-interval fast\n"));
    }

    @Test
    void shouldParseOptionsOnceIntoTypedValuesTheReadersUse() {
        final VirtualServiceConfig c = VirtualServiceConfig.builder(WEB).option("check", "http")
            .option("check-interval", "250").option("rise", "4").option("http-status", "200-204,301")
            .option("sorry-server", "10.0.0.9:8080").option("max-conns", "12").option("shutdown-sessions", "true")
            .option("proxy-protocol", "v1").build();
        assertEquals(250, c.extensions().intValue(Extensions.CHECK_INTERVAL, 0));
        assertEquals(12, Extensions.maxConnections(c));
        assertEquals(8080, Extensions.sorryServer(c).getPort());
        assertEquals(1, Extensions.proxyProtocol(c, RealServerConfig.builder("10.0.0.2", 80).build()));
        assertEquals(2, Extensions.proxyProtocol(c, RealServerConfig.builder("10.0.0.2", 80)
            .option("proxy-protocol", "v2").build()));
        final HealthCheckConfig hc = HealthCheckConfig.of(c);
        assertNotNull(hc);
        assertEquals("http", hc.check());
        assertEquals(TimeUnit.MILLISECONDS.toNanos(250), hc.intervalNs());
        assertEquals(4, hc.rise());
        assertEquals(HealthCheckConfig.DEFAULT_FALL, hc.fall());
        assertArrayEquals(new int[] {200, 204, 301, 301}, hc.httpStatuses());
        assertTrue(hc.shutdownSessions());
        assertNull(HealthCheckConfig.of(VirtualServiceConfig.builder(WEB).build()));
        assertArrayEquals(new int[] {200, 399}, HealthCheckConfig.of(VirtualServiceConfig.builder(WEB)
            .option("check", "tcp").build()).httpStatuses());
    }

    @Test
    void shouldCheckHealthCheckerNamesAgainstBuiltInAndRegisteredOnes() {
        final VirtualServiceConfig typo = VirtualServiceConfig.builder(WEB).scheduler("rr").option("check", "htttp")
            .build();
        final LvsException e = assertThrows(LvsException.class, () -> director().service(typo).build());
        assertEquals("service TCP 10.0.0.1:80: --check htttp: no health checker of that name (expected: tcp, http, "
            + "udp, none, or a name registered with LoadBalancer.Builder.healthChecker)", e.getMessage());
        // from rules: the message names the rules line
        final LvsException fromRules = assertThrows(LvsException.class,
            () -> director().rules("# web\n-A -t 10.0.0.1:80 -s rr --check htttp\n").build());
        assertTrue(fromRules.getMessage().startsWith("service TCP 10.0.0.1:80 (rules line 2): --check htttp: "),
            fromRules.getMessage());
        // registered before or after the service: both accepted
        final HealthChecker mine = new HealthChecker() {
            @Override
            public String name() {
                return "mine";
            }

            @Override
            public void check(final io.jlvs.core.service.RealServer server, final java.net.InetSocketAddress target,
                final long timeoutNanos, final java.util.function.Consumer<CheckResult> done) {
                done.accept(CheckResult.pass("ok"));
            }
        };
        final VirtualServiceConfig custom = VirtualServiceConfig.builder(WEB).scheduler("rr").option("check", "mine")
            .build();
        try (LoadBalancer lb = director().service(custom).healthChecker("mine", mine).build()) {
            assertEquals("mine", lb.config().service(WEB).options().get("check"));
            // the admin path knows the registered names too
            final ServiceKey other = ServiceKey.tcp("10.0.0.1", 81);
            lb.addService(VirtualServiceConfig.builder(other).scheduler("rr").option("check", "mine").build());
            assertEquals("--check nope: no health checker of that name (expected: tcp, http, udp, none, or a name "
                + "registered with LoadBalancer.Builder.healthChecker)", assertThrows(LvsException.class,
                    () -> lb.editService(VirtualServiceConfig.builder(other).scheduler("rr").option("check", "nope")
                        .build())).getMessage());
            assertEquals("mine", lb.config().service(other).options().get("check"));
        }
        // plain rules (jlvs check) know the built-in names only
        assertTrue(loadError("-A -t 10.0.0.1:80 --check mine\n").startsWith("line 1: -A -t 10.0.0.1:80: --check "
            + "mine: no health checker of that name"));
        assertEquals("none", load("-A -t 10.0.0.1:80 --check none\n").service(WEB).options().get("check"));
    }

    @Test
    void shouldRefuseARealServerThatIsItsOwnVirtualService() {
        assertEquals("line 2: -a -t 10.0.0.1:80 -r 10.0.0.1:80: real server 10.0.0.1:80 is the address of the "
            + "virtual service itself: every connection would loop through the director (expected: an address and "
            + "port that no TCP service of this director listens on)",
            loadError("-A -t 10.0.0.1:80\n-a -t 10.0.0.1:80 -r 10.0.0.1:80 -m\n"));
        // no port: the service's port is taken, so this loops too
        assertTrue(loadError("-A -t 10.0.0.1:80\n-a -t 10.0.0.1:80 -r 10.0.0.1 -m\n").contains(
            "real server 10.0.0.1:80 is the address of the virtual service itself"));
        // direct routing forces the service port: a loop as well
        assertTrue(loadError("-A -t 10.0.0.1:80\n-a -t 10.0.0.1:80 -r 10.0.0.1:81 -g\n").contains(
            "real server 10.0.0.1:80 is the address of the virtual service itself"));
        // another port on the same address, or the other protocol, is fine
        assertEquals(2, load("-A -t 10.0.0.1:80\n-a -t 10.0.0.1:80 -r 10.0.0.1:81 -m\n-A -u 10.0.0.1:53\n"
            + "-a -u 10.0.0.1:53 -r 10.0.0.2:80 -m\n").services().size());
        assertEquals(1, load("-A -t 10.0.0.2:80\n-A -u 10.0.0.1:80\n-a -u 10.0.0.1:80 -r 10.0.0.2:80 -m\n")
            .servers(ServiceKey.udp("10.0.0.1", 80)).size());
    }

    @Test
    void shouldRefuseALoopThroughAnotherServiceInEitherOrder() {
        assertTrue(loadError("-A -t 10.0.0.1:80\n-A -t 10.0.0.2:80\n-a -t 10.0.0.1:80 -r 10.0.0.2:80 -m\n")
            .startsWith("line 3: -a -t 10.0.0.1:80 -r 10.0.0.2:80: real server 10.0.0.2:80 is the address of the "
                + "virtual service TCP 10.0.0.2:80 of this director: connections would loop through the director"));
        assertTrue(loadError("-A -t 10.0.0.1:80\n-a -t 10.0.0.1:80 -r 10.0.0.2:80 -m\n-A -t 10.0.0.2:80\n")
            .startsWith("line 3: -A -t 10.0.0.2:80: virtual service TCP 10.0.0.2:80 would receive the connections of "
                + "TCP 10.0.0.1:80, whose real server 10.0.0.2:80 it is: they would loop through the director"));
    }

    @Test
    void shouldRefuseASorryServerThatIsAVirtualService() {
        assertEquals("line 1: -A -t 10.0.0.1:80: --sorry-server 10.0.0.1:80: the virtual service itself: sorry "
            + "connections would loop through the director (expected: an address and port that no TCP service of "
            + "this director listens on)", loadError("-A -t 10.0.0.1:80 --sorry-server 10.0.0.1:80\n"));
        assertTrue(loadError("-A -t 10.0.0.2:80\n-A -t 10.0.0.1:80 --sorry-server 10.0.0.2:80\n").startsWith(
            "line 2: -A -t 10.0.0.1:80: --sorry-server 10.0.0.2:80: the virtual service TCP 10.0.0.2:80 of this "
                + "director"));
        assertTrue(loadError("-A -t 10.0.0.1:80 --sorry-server 10.0.0.2:80\n-A -t 10.0.0.2:80\n").startsWith(
            "line 2: -A -t 10.0.0.2:80: virtual service TCP 10.0.0.2:80 is the --sorry-server 10.0.0.2:80 of TCP "
                + "10.0.0.1:80"));
        assertTrue(loadError("-A -t 10.0.0.1:80\n-E -t 10.0.0.1:80 --sorry-server 10.0.0.1:80\n")
            .startsWith("line 2: -E -t 10.0.0.1:80: --sorry-server 10.0.0.1:80: the virtual service itself"));
        assertEquals(2, load("-A -t 10.0.0.1:80 --sorry-server 10.0.0.2:81\n-A -t 10.0.0.2:80\n").services()
            .size());
    }

    @Test
    void shouldRefuseALocalServerOnTheWildcardServicesPort() {
        assertTrue(loadError("-A -t 0.0.0.0:80\n-a -t 0.0.0.0:80 -r 127.0.0.1:80 -m\n").contains(
            "real server 127.0.0.1:80 is a local address on the port of the virtual service itself"));
        assertTrue(loadError("-A -t 10.0.0.1:80\n-a -t 10.0.0.1:80 -r 127.0.0.5:80 -m\n-A -t 0.0.0.0:80\n")
            .contains("virtual service TCP 0.0.0.0:80 would receive the connections of TCP 10.0.0.1:80, whose real "
                + "server 127.0.0.5:80 it covers (it listens on every local address)"));
        assertTrue(loadError("-A -t [::]:80\n-a -t [::]:80 -r [::1]:80 -m\n").contains("local address"));
        assertTrue(loadError("-A -t 127.0.0.1:80\n-A -t 10.0.0.1:80\n-a -t 10.0.0.1:80 -r 0.0.0.0:80 -m\n")
            .contains("real server 0.0.0.0:80 is the wildcard address (this host) on the port of the virtual service "
                + "TCP 127.0.0.1:80 of this director"));
        // a remote address, or another port, is fine
        assertEquals(2, load("-A -t 0.0.0.0:80\n-a -t 0.0.0.0:80 -r 10.9.9.9:80 -m\n"
            + "-a -t 0.0.0.0:80 -r 127.0.0.1:81 -m\n").servers(ServiceKey.tcp("0.0.0.0", 80)).size());
    }

    @Test
    void shouldRefuseLoopsInTheBuilderAndTheAdminPath() {
        final VirtualServiceConfig web = VirtualServiceConfig.builder(WEB).scheduler("rr").build();
        assertTrue(assertThrows(LvsException.class, () -> director().service(web,
            RealServerConfig.builder("10.0.0.1", 80).build())).getMessage().startsWith("real server 10.0.0.1:80 is "
                + "the address of the virtual service itself"));
        try (LoadBalancer lb = director().service(web, RealServerConfig.builder("10.0.0.7", 80).build()).build()) {
            final ServiceKey b = ServiceKey.tcp("10.0.0.7", 80);
            final LvsException e = assertThrows(LvsException.class,
                () -> lb.addService(VirtualServiceConfig.builder(b).scheduler("rr").build()));
            assertTrue(e.getMessage().startsWith("virtual service TCP 10.0.0.7:80 would receive the connections of "
                + "TCP 10.0.0.1:80"), e.getMessage());
            assertNull(lb.services().service(b));
            assertThrows(LvsException.class, () -> lb.addServer(WEB, RealServerConfig.builder("10.0.0.1", 80)
                .build()));
            assertEquals(1, lb.services().service(WEB).members().size());
            // the admin socket's path: a line parsed by the rules parser, applied to the running director
            final LvsException admin = assertThrows(LvsException.class,
                () -> PARSER.parseLine("-a -t 10.0.0.1:80 -r 10.0.0.1", 1).applyTo(lb));
            assertTrue(admin.getMessage().startsWith("real server 10.0.0.1:80 is the address of the virtual service "
                + "itself"), admin.getMessage());
            final LvsException sorry = assertThrows(LvsException.class, () -> PARSER.parseLine(
                "-E -t 10.0.0.1:80 -s rr --sorry-file /nonexistent/sorry.html", 1).applyTo(lb));
            assertEquals("--sorry-file /nonexistent/sorry.html: no such file (expected: a readable regular file)",
                sorry.getMessage());
            assertEquals(web, lb.config().service(WEB));
            assertEquals(1, lb.services().service(WEB).members().size());
        }
    }

    @Test
    void shouldCheckTheSorryFileWhenTheRulesLoad() throws IOException {
        final Path missing = dir.resolve("missing.html");
        assertEquals("line 2: -A -t 10.0.0.1:80: --sorry-file " + missing + ": no such file (expected: a readable "
            + "regular file)", loadError("\n-A -t 10.0.0.1:80 --sorry-file " + missing + "\n"));
        assertEquals("line 1: -A -t 10.0.0.1:80: --sorry-file " + dir + ": not a regular file (expected: a "
            + "readable regular file)", loadError("-A -t 10.0.0.1:80 --sorry-file " + dir + "\n"));
        final Path page = Files.writeString(dir.resolve("sorry.html"), "sorry\n");
        assertEquals(page.toString(), load("-A -t 10.0.0.1:80 --sorry-file " + page + "\n").service(WEB).options()
            .get("sorry-file"));
        // the builder too, before anything starts
        final VirtualServiceConfig bad = VirtualServiceConfig.builder(WEB).scheduler("rr")
            .option("sorry-file", missing.toString()).build();
        assertTrue(assertThrows(LvsException.class, () -> director().service(bad)).getMessage()
            .contains("no such file"));
    }

    @Test
    void shouldReadCrLfCrAndLfLineEndsAlike() {
        final String lf = "# web\n-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.0.0.2:80 -m\n"
            + "-a -t 10.0.0.1:80 -r 10.0.0.3:80 -m\n";
        final DirectorConfig expected = load(lf);
        assertEquals(2, expected.servers(WEB).size());
        assertEquals(expected, load(lf.replace("\n", "\r\n")));
        assertEquals(expected, load(lf.replace("\n", "\r")));
        assertEquals("line 3: -w x: weight must be 0..65535", loadError("# a\r-A -t 10.0.0.1:80\r\n"
            + "-a -t 10.0.0.1:80 -r 10.0.0.2 -m -w x\r"));
    }

    @Test
    void shouldDecodeStrictlyAndNameTheLineAndByteOfBadUtf8() {
        final byte[] good = "-A -t 10.0.0.1:80 # caf\u00e9\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals("-A -t 10.0.0.1:80 # caf\u00e9\n", RulesParser.decode(good, "rules.conf"));
        final byte[] bad = "# one\r\n-A -t 10.0.0.1:80\n# caf\u00e9\n".getBytes(
            java.nio.charset.StandardCharsets.ISO_8859_1);
        assertEquals("line 3: rules.conf: byte 0xE9 at byte offset 30 (byte 6 of the line) is not valid UTF-8 "
            + "(expected: a UTF-8 text file)", assertThrows(RulesException.class,
                () -> RulesParser.decode(bad, "rules.conf")).getMessage());
        final byte[] truncated = {'-', 'C', '\n', (byte) 0xE2, (byte) 0x82};
        assertEquals("line 2: in: byte 0xE2 at byte offset 3 (byte 1 of the line) is not valid UTF-8 (expected: a "
            + "UTF-8 text file)", assertThrows(RulesException.class, () -> RulesParser.decode(truncated, "in"))
                .getMessage());
        final byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '-', 'C', '\n'};
        assertEquals("-C\n", RulesParser.decode(bom, "in"));
    }

    @Test
    void shouldReadARulesFileStrictly() throws IOException {
        final Path f = Files.write(dir.resolve("r.rules"), new byte[] {'-', 'C', '\r', (byte) 0xFF});
        final RulesException e = assertThrows(RulesException.class, () -> RulesParser.read(f));
        assertEquals(List.of("line 2: " + f + ": byte 0xFF at byte offset 3 (byte 1 of the line) is not valid UTF-8 "
            + "(expected: a UTF-8 text file)"), e.errors());
    }
}
