package io.jlvs.examples.ops;

import io.jlvs.core.internal.json.JsonReader;
import io.jlvs.core.listing.DirectorSnapshot;
import io.jlvs.core.listing.ServerSnapshot;
import io.jlvs.core.listing.ServiceSnapshot;
import io.jlvs.core.service.RealServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OpsHttpServerTest {
    private static Scenario sc;
    private static OpsHttpServer http;

    @BeforeAll
    static void start() throws Exception {
        sc = new Scenario();
        http = OpsHttpServer.start(sc.lb, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @AfterAll
    static void stop() throws Exception {
        if (http != null) {
            http.close();
        }
        if (sc != null) {
            sc.close();
        }
    }

    @Test
    void shouldRefuseANonLoopbackAddressUnlessAllowed() throws Exception {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> OpsHttpServer.start(sc.lb, new InetSocketAddress("0.0.0.0", 0)));
        assertTrue(e.getMessage().contains("--http 0.0.0.0:0: not a loopback address"), e.getMessage());
        assertTrue(e.getMessage().contains(OpsHttpServer.ALLOW_REMOTE_FLAG), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> OpsHttpServer.start(sc.lb,
            InetSocketAddress.createUnresolved("no-such-host.invalid", 1)));
        try (OpsHttpServer any = OpsHttpServer.start(sc.lb, new InetSocketAddress("0.0.0.0", 0), true)) {
            assertEquals(200, OpsFixture.get(any.address(), "/api/status").statusCode());
        }
    }

    @Test
    void shouldParseTheHttpOptionAndNameWhatIsWrong() {
        assertEquals(new InetSocketAddress("127.0.0.1", 9100), OpsHttpServer.parseAddress("127.0.0.1:9100"));
        assertEquals(new InetSocketAddress("::1", 9100), OpsHttpServer.parseAddress("[::1]:9100"));
        assertEquals(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9100),
            OpsHttpServer.parseAddress("9100"));
        for (final String[] bad : new String[][] {{"127.0.0.1:http", "bad port 'http'"},
            {"127.0.0.1:70000", "bad port"}, {":9100", "bad host"}, {"[::1:9100", "bad address"}, {"", "empty"}}) {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OpsHttpServer.parseAddress(bad[0]));
            assertTrue(e.getMessage().startsWith("--http"), e.getMessage());
            assertTrue(e.getMessage().contains(bad[1]), e.getMessage());
            assertTrue(e.getMessage().contains("expected: HOST:PORT"), e.getMessage());
        }
    }

    @Test
    void shouldBeReadOnlyAndAnswer404ForUnknownPaths() throws Exception {
        final HttpResponse<String> post = OpsFixture.send(http.address(), "/api/status", "POST");
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElse(""));
        final HttpResponse<String> none = OpsFixture.get(http.address(), "/admin");
        assertEquals(404, none.statusCode());
        assertTrue(none.body().contains("/metrics"));
        final HttpResponse<String> head = OpsFixture.send(http.address(), "/", "HEAD");
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
    }

    @Test
    void statusPageShouldBeOneSelfContainedResource() throws Exception {
        final HttpResponse<String> r = OpsFixture.get(http.address(), "/");
        assertEquals(200, r.statusCode());
        assertEquals("text/html; charset=utf-8", r.headers().firstValue("Content-Type").orElse(""));
        assertTrue(r.headers().firstValue("Content-Security-Policy").orElse("").contains("connect-src 'self'"));
        final String page = r.body();
        assertTrue(page.contains("/api/status"));
        assertFalse(page.contains("http://") && page.replace("http://www.w3.org/2000/svg", "").contains("http://"),
            "no external reference");
        assertFalse(page.contains("https://"), "no external reference");
        assertFalse(page.contains("<script src") || page.contains("<link"), "no external script or style");
    }

    /** Parses the text format into "name{label=value,...}" (labels sorted) to value. */
    private static Map<String, Double> samples(final String scrape) {
        final Map<String, Double> out = new HashMap<>();
        for (final String line : scrape.split("\n")) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            final int brace = line.indexOf('{');
            final int end = line.lastIndexOf(' ');
            String name = brace < 0 ? line.substring(0, end) : line.substring(0, brace);
            if (brace >= 0) {
                final String labels = line.substring(brace + 1, line.lastIndexOf('}'));
                final java.util.TreeSet<String> sorted = new java.util.TreeSet<>(List.of(labels.split(",")));
                name += sorted;
            }
            out.put(name, Double.parseDouble(line.substring(end + 1)));
        }
        return out;
    }

    private static String key(final String name, final String service, final String server) {
        final java.util.TreeSet<String> l = new java.util.TreeSet<>();
        l.add("service=\"" + service + "\"");
        if (server != null) {
            l.add("server=\"" + server + "\"");
        }
        return name + l;
    }

    @Test
    void metricsAndStatusShouldEqualTheListing() throws Exception {
        // connection entries expire (TIME_WAIT lasts 120 s): use reads between which the listing did not change
        HttpResponse<String> m;
        HttpResponse<String> st;
        DirectorSnapshot snap;
        for (int attempt = 1; ; attempt++) {
            final String before = listing();
            m = OpsFixture.get(http.address(), "/metrics");
            st = OpsFixture.get(http.address(), "/api/status");
            snap = sc.lb.snapshot();
            if (before.equals(listing())) {
                break;
            }
            assertTrue(attempt < 5, "the listing changed during each of 5 reads");
        }
        assertEquals(200, m.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", m.headers().firstValue("Content-Type").orElse(""));
        assertEquals("application/json; charset=utf-8", st.headers().firstValue("Content-Type").orElse(""));
        final Map<String, Double> s = samples(m.body());
        final Map<String, Object> status = JsonReader.object(JsonReader.parseDoubles(st.body()));
        assertEquals(1.0, status.get("liveConnections"));
        assertEquals(3, JsonReader.array(status.get("services")).size());
        assertTrue(s.containsKey("jlvs_process_open_fds"), "fds");
        assertTrue(s.get("jlvs_direct_memory_used_bytes") > 0, "direct memory");
        assertTrue(m.body().contains("\njvm_memory_used_bytes{area=\"heap\""), "JVM binders");
        assertTrue(m.body().contains("\njvm_threads_live_threads "), "JVM binders");

        int checked = 0;
        for (final ServiceSnapshot ss : snap.services()) {
            final String svc = ss.config().key().toString();
            final Map<String, Object> js = service(status, svc);
            assertEquals((double) ss.stats().conns(), s.get(key("jlvs_service_connections_total", svc, null)), svc);
            assertEquals((double) ss.stats().conns(), js.get("connections"), svc);
            assertEquals((double) ss.stats().inBytes(), s.get(key("jlvs_service_bytes_in_total", svc, null)), svc);
            assertEquals((double) ss.stats().outBytes(), s.get(key("jlvs_service_bytes_out_total", svc, null)), svc);
            assertEquals((double) ss.stats().inBytes(), js.get("inBytes"), svc);
            for (final ServerSnapshot d : ss.servers()) {
                final String srv = d.config().addressAndPort();
                final Map<String, Object> jd = server(js, srv);
                assertEquals((double) d.stats().conns(), s.get(key("jlvs_server_connections_total", svc, srv)));
                assertEquals((double) d.stats().conns(), jd.get("connections"));
                assertEquals((double) d.activeConns(), s.get(key("jlvs_server_active_connections", svc, srv)));
                assertEquals((double) d.activeConns(), jd.get("active"));
                assertEquals((double) d.inactiveConns(), s.get(key("jlvs_server_inactive_connections", svc, srv)));
                assertEquals((double) d.inactiveConns(), jd.get("inactive"));
                assertEquals((double) d.weight(), s.get(key("jlvs_server_weight", svc, srv)));
                assertEquals((double) d.weight(), jd.get("weight"));
                checked++;
            }
        }
        assertEquals(5, checked); // -Ln lists the servers in rotation: the dead server of A is out
        final String a = sc.a.toString();
        final String deadA = "127.0.0.1:" + sc.deadA;
        assertEquals(0.0, s.get(key("jlvs_server_up", a, deadA)));
        assertEquals("down", server(service(status, a), deadA).get("state"));
        assertEquals(Boolean.FALSE, JsonReader.object(server(service(status, a), deadA).get("lastCheck")).get("passed"));
        assertEquals("draining", server(service(status, a), "127.0.0.1:" + sc.e2.port()).get("state"));
        assertEquals(1.0, s.get(key("jlvs_server_up", a, "127.0.0.1:" + sc.e2.port())));
        assertEquals("overloaded", server(service(status, sc.b.toString()), "127.0.0.1:" + sc.e3.port())
            .get("state"));
        final String c = sc.c.toString();
        assertEquals("inhibited", server(service(status, c), "127.0.0.1:" + sc.deadC).get("state"));
        assertEquals(0.0, s.get(key("jlvs_server_up", c, "127.0.0.1:" + sc.deadC)));
        assertEquals(0.0, s.get(key("jlvs_server_weight", c, "127.0.0.1:" + sc.deadC)));
        final RealServer up = sc.server(sc.a, sc.e1.port());
        final Map<String, Object> ju = server(service(status, a), "127.0.0.1:" + sc.e1.port());
        assertEquals((double) up.connectLatency().count(), JsonReader.object(ju.get("connectLatencyMs")).get("count"));
        assertEquals((double) up.connectLatency().count(),
            s.get(key("jlvs_server_connect_latency_seconds_count", a, "127.0.0.1:" + sc.e1.port())));
        assertTrue(up.connectLatency().count() > 0);
        assertNotNull(JsonReader.object(ju.get("lastCheck")).get("latencyMs"));
        assertNull(server(service(status, sc.b.toString()), "127.0.0.1:" + sc.e3.port()).get("lastCheck"));
    }

    private static String listing() {
        return sc.lb.list(io.jlvs.core.listing.ListFormat.DEFAULT) + sc.lb.list(io.jlvs.core.listing.ListFormat.STATS);
    }

    static Map<String, Object> service(final Map<String, Object> status, final String name) {
        for (final Object o : JsonReader.array(status.get("services"))) {
            if (name.equals(JsonReader.object(o).get("service"))) {
                return JsonReader.object(o);
            }
        }
        throw new AssertionError("no service " + name + " in " + status);
    }

    static Map<String, Object> server(final Map<String, Object> service, final String name) {
        for (final Object o : JsonReader.array(service.get("servers"))) {
            if (name.equals(JsonReader.object(o).get("server"))) {
                return JsonReader.object(o);
            }
        }
        throw new AssertionError("no server " + name + " in " + service);
    }
}
