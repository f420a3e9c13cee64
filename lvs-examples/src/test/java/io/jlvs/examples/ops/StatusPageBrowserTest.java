package io.jlvs.examples.ops;

import io.jlvs.core.internal.json.JsonReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Loads the status page in a real browser (Debian's chromium, headless) against a running director and checks the
 * DOM its scripts rendered: one row per server of {@code /api/status}, with the same state and numbers. Skips when
 * chromium is not installed ({@code .ci/run} installs it). With {@code -Djlvs.screenshot=FILE.png} it also drives
 * some traffic for a while and saves a screenshot of the page.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class StatusPageBrowserTest {
    private static final Pattern ROW = Pattern.compile("<tr class=\"server\" data-service=\"([^\"]*)\" "
        + "data-server=\"([^\"]*)\" data-state=\"([^\"]*)\">(.*?)</tr>", Pattern.DOTALL);
    private static final Pattern CELL = Pattern.compile("<td class=\"(?:num )?(c-[a-z]+)\"(?: data-value=\"([^\"]*)\")?"
        + "[^>]*>(.*?)</td>", Pattern.DOTALL);

    private static final String NO_CHROMIUM = "chromium is not installed (apt-get install -y chromium; .ci/run "
        + "installs it): the status page browser test is skipped";

    private static Scenario sc;
    private static OpsHttpServer http;
    private static String chromium;

    @BeforeAll
    static void start() throws Exception {
        chromium = findChromium();
        if (chromium == null) {
            System.err.println(NO_CHROMIUM);
            return;
        }
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

    private static String findChromium() {
        final String explicit = System.getProperty("jlvs.chromium");
        if (explicit != null) {
            return new File(explicit).canExecute() ? explicit : null;
        }
        for (final String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            for (final String name : new String[] {"chromium", "chromium-browser"}) {
                final File f = new File(dir, name);
                if (f.canExecute()) {
                    return f.getPath();
                }
            }
        }
        return null;
    }

    /** Runs headless chromium with the given extra arguments and returns its standard output. */
    private static String chromium(final String... args) throws IOException, InterruptedException {
        final Path profile = Files.createTempDirectory("jlvs-chromium");
        final Path out = Files.createTempFile("jlvs-chromium", ".out");
        try {
            final List<String> cmd = new ArrayList<>(List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile));
            cmd.addAll(List.of(args));
            final Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("chromium did not finish within 90 s: " + cmd);
            }
            return Files.readString(out, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(out);
            try (var walk = Files.walk(profile)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static String url() {
        return "http://127.0.0.1:" + http.address().getPort() + "/";
    }

    /** The DOM after the page's scripts rendered a status (retried until they did, within a deadline). */
    private static String renderedDom() throws Exception {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
        String dom = "";
        while (System.nanoTime() - deadline < 0) {
            dom = chromium("--virtual-time-budget=5000", "--dump-dom", url());
            if (dom.contains("data-loaded=\"1\"")) {
                return dom;
            }
        }
        throw new AssertionError("the page never rendered a status; last DOM:\n" + dom);
    }

    private static String unescape(final String html) {
        return html.replaceAll("<[^>]+>", "").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
            .replace("&nbsp;", "\u00a0").trim();
    }

    private static Map<String, Object> status() throws Exception {
        return JsonReader.object(JsonReader.parseDoubles(OpsFixture.get(http.address(), "/api/status").body()));
    }

    /** The figures of every server that the test compares, as one string. */
    private static String stableFigures(final Map<String, Object> status) {
        final StringBuilder sb = new StringBuilder();
        for (final Object so : JsonReader.array(status.get("services"))) {
            for (final Object o : JsonReader.array(JsonReader.object(so).get("servers"))) {
                final Map<String, Object> srv = JsonReader.object(o);
                for (final String f : new String[] {"server", "state", "weight", "active", "inactive", "connections",
                    "connectFailures"}) {
                    sb.append(srv.get(f)).append(' ');
                }
                final Object c = srv.get("lastCheck");
                sb.append(c == null ? "-" : JsonReader.object(c).get("passed")).append('\n');
            }
        }
        return sb.toString();
    }

    @Test
    void renderedPageShouldShowEveryServerWithTheStateAndNumbersOfApiStatus() throws Exception {
        Assumptions.assumeTrue(chromium != null, NO_CHROMIUM);
        // connection entries expire (TIME_WAIT lasts 120 s): compare against a status that did not change while
        // the browser loaded the page
        String dom;
        Map<String, Object> status;
        for (int attempt = 1; ; attempt++) {
            final String before = stableFigures(status());
            dom = renderedDom();
            status = status();
            if (before.equals(stableFigures(status))) {
                break;
            }
            assertTrue(attempt < 5, "the director's figures changed during each of 5 page loads");
        }
        final Map<String, Map<String, String[]>> rows = new HashMap<>();
        final Map<String, String> states = new HashMap<>();
        final Matcher m = ROW.matcher(dom);
        while (m.find()) {
            final String id = unescape(m.group(1)) + " / " + m.group(2);
            states.put(id, m.group(3));
            final Map<String, String[]> cells = new HashMap<>();
            final Matcher c = CELL.matcher(m.group(4));
            while (c.find()) {
                cells.put(c.group(1), new String[] {c.group(2), unescape(c.group(3))});
            }
            cells.put("row", new String[] {null, m.group(4)});
            rows.put(id, cells);
        }
        int expected = 0;
        for (final Object so : JsonReader.array(status.get("services"))) {
            final Map<String, Object> svc = JsonReader.object(so);
            assertTrue(dom.contains("<span class=\"service-name\">" + svc.get("service") + "</span>"),
                "service header " + svc.get("service"));
            for (final Object o : JsonReader.array(svc.get("servers"))) {
                expected++;
                final Map<String, Object> srv = JsonReader.object(o);
                final String id = svc.get("service") + " / " + srv.get("server");
                final Map<String, String[]> cells = rows.get(id);
                assertTrue(cells != null, "a row for " + id + " in\n" + dom);
                assertEquals(srv.get("state"), states.get(id), id);
                assertEquals(srv.get("state"), cells.get("c-state")[1], id + " state pill");
                assertTrue(cells.get("row")[1].contains("<span class=\"state " + srv.get("state") + "\">"), id);
                for (final String[] f : new String[][] {{"c-weight", "weight"}, {"c-active", "active"},
                    {"c-inactive", "inactive"}, {"c-conns", "connections"}, {"c-failures", "connectFailures"}}) {
                    final long want = Math.round((Double) srv.get(f[1]));
                    assertEquals(String.valueOf(want), cells.get(f[0])[0], id + " " + f[1]);
                    assertEquals(String.format("%,d", want), cells.get(f[0])[1], id + " " + f[1] + " text");
                }
                final Object check = srv.get("lastCheck");
                if (check == null) {
                    assertTrue(cells.get("row")[1].contains("no check"), id);
                } else {
                    final Map<String, Object> lc = JsonReader.object(check);
                    assertTrue(cells.get("row")[1].contains("data-passed=\"" + lc.get("passed") + "\""), id);
                }
                final int points = JsonReader.array(JsonReader.object(srv.get("history")).get("cps")).size();
                final Matcher svg = Pattern.compile("<svg class=\"spark\"[^>]*data-points=\"(\\d+)\"")
                    .matcher(cells.get("row")[1]);
                assertTrue(svg.find(), id + " chart");
                assertTrue(Integer.parseInt(svg.group(1)) >= 1 && Integer.parseInt(svg.group(1)) <= points, id);
            }
        }
        assertEquals(expected, rows.size());
        // the page polls: one load of 5 s (virtual time) asked for the status more than once
        final long before = http.statusRequests();
        chromium("--virtual-time-budget=5000", "--dump-dom", url());
        assertTrue(http.statusRequests() - before >= 2, "status requests during one load: "
            + (http.statusRequests() - before));
        assertEquals(6, expected); // every member, also the one health checking took out of rotation
        for (final String st : new String[] {"up", "down", "draining", "overloaded", "inhibited"}) {
            assertTrue(states.containsValue(st), st + " shown: " + states);
        }
    }

    @Test
    void screenshot() throws Exception {
        final String file = System.getProperty("jlvs.screenshot");
        Assumptions.assumeTrue(chromium != null, NO_CHROMIUM);
        Assumptions.assumeTrue(file != null, "no -Djlvs.screenshot=FILE.png");
        final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.getLong("jlvs.screenshot.seconds", 100));
        int i = 0;
        while (System.nanoTime() - until < 0) {
            final int burst = 1 + (int) (6 * (1 + Math.sin(i / 6.0)));
            for (int k = 0; k < burst; k++) {
                OpsFixture.roundTrip(sc.a.port(), "x".repeat(2000 + 300 * k) + "\n");
            }
            OpsFixture.roundTrip(sc.c.port(), "y".repeat(500) + "\n");
            i++;
            Thread.sleep(250);
        }
        final List<Socket> held = List.of(OpsFixture.held(sc.a.port()), OpsFixture.held(sc.a.port()));
        try {
            Files.deleteIfExists(Path.of(file));
            chromium("--virtual-time-budget=5000", "--hide-scrollbars", "--window-size=1280,900",
                "--screenshot=" + file, url());
        } finally {
            for (final Socket s : held) {
                s.close();
            }
        }
        assertTrue(Files.size(Path.of(file)) > 10_000, file);
    }
}
