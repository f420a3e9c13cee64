package io.jlvs.kernel;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.rules.RulesException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What {@code --forward kernel} accepts and refuses, the transaction it renders, and the readers of nft/conntrack. */
@Timeout(30)
class KernelModeRulesTest {
    private static String refusal(final String rules) {
        final RulesException e = assertThrows(RulesException.class, () -> LoadBalancer.builder().rules(rules));
        return e.getMessage();
    }

    @Test
    void refusesWhatTheKernelCannotDecideNamingLineAndReason() {
        String m = refusal("-A -t 10.0.0.1:80 -s rr\n-A -t 10.0.0.1:81 -s wlc --forward kernel\n");
        assertTrue(m.contains("line 2") && m.contains("scheduler 'wlc' needs live connection counts")
            && m.contains("expected rr, wrr or sh"), m);
        m = refusal("-A -t 10.0.0.1:80 -s lblc --forward kernel\n");
        assertTrue(m.contains("line 1") && m.contains("live connection counts"), m);
        m = refusal("-A -t 10.0.0.1:80 -s rr --forward kernel --proxy-protocol v2\n");
        assertTrue(m.contains("--proxy-protocol needs the bytes"), m);
        m = refusal("-A -t 10.0.0.1:80 -s rr --forward kernel --sorry-file /etc/hostname\n");
        assertTrue(m.contains("--sorry-file needs the bytes"), m);
        m = refusal("-A -t 10.0.0.1:80 -s rr --forward kernel --accept-proxy 10.0.0.0/8\n");
        assertTrue(m.contains("--accept-proxy needs the bytes"), m);
        m = refusal("-A -t 10.0.0.1:80 -s rr --forward kernel --max-conns 10\n");
        assertTrue(m.contains("--max-conns needs the transport"), m);
        m = refusal("-A -t 10.0.0.1:80 -s rr -p 60 --forward kernel\n");
        assertTrue(m.contains("persistence"), m);
        // one family a service: an IPv4 real server on an IPv6 kernel service is refused, naming the line
        m = refusal("-A -t [2001:db8::1]:80 -s rr --forward kernel\n-a -t [2001:db8::1]:80 -r [2001:db8::11]:8080 -m\n"
            + "-a -t [2001:db8::1]:80 -r 10.0.0.11:8080 -m\n");
        assertTrue(m.contains("line 3") && m.contains("address family"), m);
        m = refusal("-A -t 10.0.0.1:80 -s rr --forward kernel\n-a -t 10.0.0.1:80 -r [2001:db8::11]:8080 -m\n");
        assertTrue(m.contains("line 2") && m.contains("address family"), m);
        m = refusal("-A -t 10.0.0.1:80 -s rr --forward kernal\n");
        assertTrue(m.contains("--forward") && m.contains("proxy or kernel"), m);
        // the builder refuses the same
        final IllegalArgumentException b = assertThrows(IllegalArgumentException.class, () ->
            VirtualServiceConfig.builder(ServiceKey.tcp("10.0.0.1", 80)).scheduler("sed").option("forward", "kernel")
                .build());
        assertTrue(b.getMessage().startsWith("--forward kernel: scheduler 'sed'"), b.getMessage());
        // and accepts rr, wrr and sh, with health checking and slow start
        assertNull(io.jlvs.core.config.Extensions.kernelRefusal(VirtualServiceConfig.builder(
            ServiceKey.tcp("2001:db8::1", 80)).scheduler("sh").option("forward", "kernel").build()));
        for (final String s : new String[] {"rr", "wrr", "sh"}) {
            final VirtualServiceConfig c = VirtualServiceConfig.builder(ServiceKey.tcp("10.0.0.1", 80)).scheduler(s)
                .option("forward", "kernel").option("check", "tcp").option("slow-start", "1000").build();
            assertNull(io.jlvs.core.config.Extensions.kernelRefusal(c));
            assertTrue(io.jlvs.core.config.Extensions.kernelForwarded(c));
        }
    }

    @Test
    void transactionKeepsCountersOfServersThatStayAndDeletesTheRest() throws Exception {
        final ServiceKey k = ServiceKey.tcp("10.0.0.1", 80);
        final InetAddress a = InetAddress.getByName("10.0.0.11");
        final InetAddress b = InetAddress.getByName("10.0.0.12");
        final KernelRuleset one = new KernelRuleset("jlvs_t", List.of(new KernelRuleset.Service(k, false,
            List.of(new KernelRuleset.Member(a, 8080, 3), new KernelRuleset.Member(b, 8080, 1)))));
        final String first = one.transaction(null);
        assertTrue(first.contains("add rule inet jlvs_t v0a000001t80 numgen inc mod 4 vmap { 0-2 : jump "
            + "v0a000001t80_0a00000b_8080, 3 : jump v0a000001t80_0a00000c_8080 }\n"), first);
        assertTrue(first.contains("counter name \"v0a000001t80_0a00000b_8080_c\" dnat ip to 10.0.0.11:8080"), first);
        assertTrue(first.contains("add rule inet jlvs_t nat_out ip daddr 10.0.0.1 tcp dport 80 jump v0a000001t80\n"),
            first);
        assertTrue(!first.contains("delete"), first);
        final KernelRuleset two = new KernelRuleset("jlvs_t", List.of(new KernelRuleset.Service(k, true,
            List.of(new KernelRuleset.Member(a, 8080, 0)))));
        final String second = two.transaction(one);
        final List<String> deletes = new ArrayList<>();
        for (final String l : second.split("\n")) {
            if (l.startsWith("delete")) {
                deletes.add(l);
            }
        }
        assertEquals(List.of("delete chain inet jlvs_t v0a000001t80_0a00000c_8080",
            "delete counter inet jlvs_t v0a000001t80_0a00000c_8080_c",
            "delete counter inet jlvs_t v0a000001t80_0a00000c_8080_i",
            "delete counter inet jlvs_t v0a000001t80_0a00000c_8080_o"), deletes);
        // weight 0: not in the map (no vmap rule), but its chain and counters stay for its live connections
        assertTrue(!second.contains("vmap") && second.contains("add counter inet jlvs_t v0a000001t80_0a00000b_8080_i"),
            second);
        assertTrue(second.indexOf("flush table inet jlvs_t") < second.indexOf("delete chain"), second);
    }

    @Test
    void ipv6ServicesMatchIp6AndDnatToBracketedAddresses() throws Exception {
        final ServiceKey k = ServiceKey.udp("fd77::1", 53);
        final InetAddress a = InetAddress.getByName("fd77::11");
        final KernelRuleset six = new KernelRuleset("jlvs_t", List.of(new KernelRuleset.Service(k, true,
            List.of(new KernelRuleset.Member(a, 5353, 2)))));
        final String tx = six.transaction(null);
        final String vip = "fd77:0:0:0:0:0:0:1";
        final String chain = "vfd770000000000000000000000000001u53";
        final String server = chain + "_fd770000000000000000000000000011_5353";
        assertTrue(tx.contains("add rule inet jlvs_t nat_pre ip6 daddr " + vip + " udp dport 53 jump " + chain + "\n"),
            tx);
        assertTrue(tx.contains("add rule inet jlvs_t " + chain + " jhash ip6 saddr mod 2 seed 0x4a4c5653 vmap { 0-1 : "
            + "jump " + server + " }\n"), tx);
        assertTrue(tx.contains("dnat ip6 to [fd77:0:0:0:0:0:0:11]:5353\n"), tx);
        assertTrue(tx.contains("ct original ip6 daddr " + vip + " ct original proto-dst 53 ct reply ip6 saddr "
            + "fd77:0:0:0:0:0:0:11 ct reply proto-src 5353 ct direction reply counter name \"" + server + "_o\""), tx);
        assertTrue(!tx.contains(" ip daddr") && !tx.contains(" ip saddr"), tx);
        assertEquals("ipv6", Conntrack.family(vip));
        assertEquals("ipv4", Conntrack.family("10.0.0.1"));
        // the table a JLVS before IPv6 left (ip) goes too
        assertEquals("add table ip jlvs_t\ndelete table ip jlvs_t\nadd table inet jlvs_t\ndelete table inet jlvs_t\n",
            KernelRuleset.deleteTable("jlvs_t"));
    }

    @Test
    void readsConntrackLinesAndNftJson() throws Exception {
        final Conntrack.Entry e = Conntrack.parse("tcp      6 431999 ESTABLISHED src=10.77.0.1 dst=10.77.0.1 "
            + "sport=40000 dport=80 src=10.77.0.12 dst=10.77.0.1 sport=8080 dport=40000 [ASSURED] mark=0 use=1");
        assertEquals("TCP", e.protocol());
        assertEquals(431999, e.expireSeconds());
        assertEquals("ESTABLISHED", e.state());
        assertEquals("10.77.0.12", e.server().getHostAddress());
        assertEquals(8080, e.serverPort());
        assertEquals(40000, e.clientPort());
        assertEquals(80, e.virtualPort());
        final Conntrack.Entry u = Conntrack.parse("udp      17 29 src=10.0.0.9 dst=10.0.0.1 sport=5000 dport=53 "
            + "[UNREPLIED] src=10.0.0.11 dst=10.0.0.9 sport=53 dport=5000 mark=0 use=1");
        assertEquals("UDP", u.state());
        assertEquals("10.0.0.11", u.server().getHostAddress());
        final Conntrack.Entry six = Conntrack.parse("tcp      6 117 TIME_WAIT src=fd77::1 dst=fd77::1 sport=41000 "
            + "dport=80 src=fd77::12 dst=fd77::1 sport=8080 dport=41000 [ASSURED] mark=0 use=1");
        assertEquals("TIME_WAIT", six.state());
        assertEquals(InetAddress.getByName("fd77::12"), six.server());
        assertEquals(8080, six.serverPort());
        assertNull(Conntrack.parse("conntrack v1.4.7 (conntrack-tools): 0 flow entries have been shown."));
        final Object j = Json.parse("{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\"}}, {\"counter\": "
            + "{\"name\": \"x_c\", \"packets\": 12, \"bytes\": 3400, \"s\": \"a\\\"b\\u0041\"}}]}");
        final Object counter = ((Map<?, ?>) ((List<?>) ((Map<?, ?>) j).get("nftables")).get(1)).get("counter");
        assertEquals(12L, ((Map<?, ?>) counter).get("packets"));
        assertEquals("a\"bA", ((Map<?, ?>) counter).get("s"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\": }"));
    }

    @Test
    void attachRefusesServersTheKernelCannotServe() {
        try (LoadBalancer lb = LoadBalancer.builder().rules("-A -t 10.77.0.1:80 -s rr --forward kernel\n"
            + "-a -t 10.77.0.1:80 -r 10.77.0.11:8080 -m --proxy-protocol v1\n").build()) {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                KernelDataPath.attach(lb, "pp", new NftCommand(List.of("/nonexistent/nft")), List.of("conntrack")));
            assertTrue(e.getMessage().contains("real server 10.77.0.11:8080: --forward kernel: --proxy-protocol"),
                e.getMessage());
        }
        final IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () ->
            KernelDataPath.attach(LoadBalancer.builder().build(), "bad-name"));
        assertTrue(bad.getMessage().contains("'bad-name'"), bad.getMessage());
    }

    @Test
    void theNioTransportDoesNotBindKernelServices() throws Exception {
        final int proxied;
        final int kernelPort;
        try (java.net.ServerSocket a = new java.net.ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
             java.net.ServerSocket b = new java.net.ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            proxied = a.getLocalPort();
            kernelPort = b.getLocalPort();
        }
        try (LoadBalancer lb = LoadBalancer.builder().rules("-A -t 127.0.0.1:" + proxied + " -s rr\n"
            + "-A -t 127.0.0.1:" + kernelPort + " -s rr --forward kernel\n").eventLoops(1).build().start()) {
            final List<Integer> ports = new ArrayList<>();
            for (final java.net.InetSocketAddress l : lb.listening()) {
                ports.add(l.getPort());
            }
            assertTrue(ports.contains(proxied) && !ports.contains(kernelPort), ports + " " + kernelPort);
            assertThrows(java.net.ConnectException.class, () -> new java.net.Socket("127.0.0.1", kernelPort).close());
        }
    }

    @Test
    void refusesAtStartWithoutCapNetAdmin() throws Exception {
        Netns.assumeUsable();
        try (LoadBalancer lb = LoadBalancer.builder().rules("-A -t 10.77.0.1:80 -s rr --forward kernel\n").build()) {
            // nft as the user nobody, without capabilities
            final NftBackend unprivileged = new NftCommand(List.of("setpriv", "--reuid=65534", "--regid=65534",
                "--clear-groups", "--inh-caps=-all", "nft"));
            final IOException e = assertThrows(IOException.class, () -> KernelDataPath.attach(lb, "cap", unprivileged,
                List.of("conntrack")));
            assertTrue(e.getMessage().startsWith("--forward kernel needs CAP_NET_ADMIN"), e.getMessage());
            final IOException missing = assertThrows(IOException.class, () -> KernelDataPath.attach(lb, "cap",
                new NftCommand(List.of("/nonexistent/nft")), List.of("conntrack")));
            assertTrue(missing.getMessage().startsWith("--forward kernel needs the nft program"),
                missing.getMessage());
        }
    }
}
