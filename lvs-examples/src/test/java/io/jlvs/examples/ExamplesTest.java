package io.jlvs.examples;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.ServiceKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ExamplesTest {
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A backend that writes its name and closes. */
    private ServerSocket named(final String name) throws IOException {
        final ServerSocket s = new ServerSocket(0, 512, InetAddress.getLoopbackAddress());
        closeables.add(s);
        final Thread t = new Thread(() -> {
            while (!s.isClosed()) {
                try (Socket c = s.accept()) {
                    c.getOutputStream().write((name + "\n").getBytes(StandardCharsets.US_ASCII));
                } catch (final IOException e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
        return s;
    }

    private static String line(final Socket s) throws IOException {
        final InputStream in = s.getInputStream();
        final StringBuilder sb = new StringBuilder();
        for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
            sb.append((char) c);
        }
        return sb.toString();
    }

    private static String ask(final InetSocketAddress admin, final String... lines) throws IOException {
        try (Socket s = new Socket(admin.getAddress(), admin.getPort())) {
            s.setSoTimeout(10_000);
            final OutputStream o = s.getOutputStream();
            for (final String l : lines) {
                o.write((l + "\n").getBytes(StandardCharsets.UTF_8));
            }
            s.shutdownOutput();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void demoShouldExitZeroWithTheListing() {
        final int status = Main.run(new String[] {"demo", "--seconds", "4", "--no-ansi"}, InputStream.nullInputStream(),
            out, err, false);
        assertEquals(0, status, err());
        final String o = out();
        assertTrue(o.contains("ipvsadm -Ln --stats:\nJLVS version "), o);
        assertTrue(o.contains("Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes"), o);
        assertTrue(o.contains("connect latency through the director (us): p50 "), o);
        assertTrue(o.contains("web-2 stopped at 1 s"), o);
    }

    @Test
    void runShouldForwardInTheRulesProportions(@TempDir final Path dir) throws Exception {
        final ServerSocket a = named("a");
        final ServerSocket b = named("b");
        final int vport = freePort();
        final Path rules = dir.resolve("rules");
        Files.writeString(rules, "# two servers, 3:1\n-A -t 127.0.0.1:" + vport + " -s wrr\n"
            + "-a -t 127.0.0.1:" + vport + " -r 127.0.0.1:" + a.getLocalPort() + " -m -w 3\n"
            + "-a -t 127.0.0.1:" + vport + " -r 127.0.0.1:" + b.getLocalPort() + " -m -w 1\n");
        final Director d = Main.startDirector(new String[] {"run", "--rules", rules.toString(), "--event-loops",
            "2", "--admin", "127.0.0.1:0", "--admin-level", "admin"}, InputStream.nullInputStream(), out, err);
        closeables.add(d);
        assertTrue(out().contains("listening on TCP 127.0.0.1:" + vport + " (wrr, 2 real servers)"), out());
        final Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < 400; i++) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), vport)) {
                s.setSoTimeout(10_000);
                seen.merge(line(s), 1, Integer::sum);
            }
        }
        assertEquals(300, seen.get("a"));
        assertEquals(100, seen.get("b"));

        final InetSocketAddress admin = d.adminAddress();
        assertEquals("", ask(admin, "-e -t 127.0.0.1:" + vport + " -r 127.0.0.1:" + b.getLocalPort() + " -m -w 0"));
        final String listing = ask(admin, "-L -n");
        assertTrue(listing.startsWith("JLVS version "), listing);
        assertTrue(listing.contains(String.format("  -> %-28s %-7s %-6d", "127.0.0.1:" + b.getLocalPort(), "Masq",
            0)), listing);
        for (int i = 0; i < 20; i++) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), vport)) {
                s.setSoTimeout(10_000);
                assertEquals("a", line(s));
            }
        }
        assertEquals("Destination already exists\n", ask(admin, "-a -t 127.0.0.1:" + vport + " -r 127.0.0.1:"
            + a.getLocalPort() + " -m"));
        assertEquals("error: line 2: -w 70000: weight must be 0..65535\n", ask(admin, "-L -n --timeout",
            "-e -t 127.0.0.1:" + vport + " -r 127.0.0.1:" + a.getLocalPort() + " -m -w 70000")
            .replace("Timeout (tcp tcpfin udp): 900 120 300\n", ""));
        final String saved = ask(admin, "-S -n");
        assertEquals("-A -t 127.0.0.1:" + vport + " -s wrr\n-a -t 127.0.0.1:" + vport + " -r 127.0.0.1:"
            + a.getLocalPort() + " -m -w 3\n-a -t 127.0.0.1:" + vport + " -r 127.0.0.1:" + b.getLocalPort()
            + " -m -w 0\n", saved);
        assertTrue(ask(admin, "-L -n --stats").contains("Conns"), "stats listing");
        assertTrue(ask(admin, "-L -n -c").startsWith("IPVS connection entries\n"));
    }

    @Test
    void runWithBadRulesShouldStartNothingAndExitTwo(@TempDir final Path dir) throws Exception {
        final Path rules = dir.resolve("bad");
        Files.writeString(rules, "-A -t 127.0.0.1:" + freePort() + "\n-a -t 127.0.0.1:1 -r 10.0.0.2 -m -w 70000\n");
        final int status = Main.run(new String[] {"run", "--rules", rules.toString()}, InputStream.nullInputStream(),
            out, err, false);
        assertEquals(2, status);
        assertEquals(rules + ": line 2: -w 70000: weight must be 0..65535\n", err());
        assertEquals("", out());
    }

    @Test
    void checkShouldPrintTheListingOrTheLineNumberedError(@TempDir final Path dir) throws Exception {
        final Path good = dir.resolve("good");
        Files.writeString(good, "-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.0.0.2:8080 -m -w 2\n");
        assertEquals(0, Main.run(new String[] {"check", "--rules", good.toString()}, InputStream.nullInputStream(),
            out, err, false));
        assertTrue(out().contains("TCP  10.0.0.1:80 rr\n  -> 10.0.0.2:8080                Masq    2      0          0"
            + "         \n"), out());
        final Path bad = dir.resolve("bad");
        Files.writeString(bad, "-A -t 10.0.0.1:80\n\n-A -u 10.0.0.1:53 -o -x 3\n");
        assertEquals(2, Main.run(new String[] {"check", "--rules", bad.toString()}, InputStream.nullInputStream(),
            out, err, false));
        assertEquals(bad + ": line 3: -x 3: illegal 'u-threshold' option with the 'add-service' command\n", err());
        assertEquals(0, Main.run(new String[] {"check", "--rules", "-"}, new ByteArrayInputStream(
            "-A -u 10.0.0.1:53 -s rr -o\n".getBytes(StandardCharsets.UTF_8)), out, err, false));
    }

    @Test
    void helpShouldNameEveryCommandAndOption() {
        assertEquals(0, Main.run(new String[] {"--help"}, InputStream.nullInputStream(), out, err, false));
        for (final String s : new String[] {"demo", "run --rules", "check --rules", "--event-loops", "--list-interval",
            "--admin", "--sorry-file", "--check ", "--proxy-protocol", "mh ", "wlc ", "-L|-l"}) {
            assertTrue(out().contains(s), s);
        }
        assertEquals(2, Main.run(new String[] {"frobnicate"}, InputStream.nullInputStream(), out, err, false));
        assertTrue(err().contains("unknown command 'frobnicate'"));
    }

    @Test
    void samplesShouldWork() throws Exception {
        final ServerSocket a = named("a");
        final ServerSocket b = named("b");
        final int vport = freePort();
        final LoadBalancer lb = EmbeddedProxyExample.start(vport, a.getLocalPort(), b.getLocalPort());
        closeables.add(() -> lb.close(Duration.ZERO));
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), vport)) {
            s.setSoTimeout(10_000);
            final String first = line(s);
            assertTrue(first.equals("a") || first.equals("b"));
            // persistence: the same client network keeps its server
            for (int i = 0; i < 5; i++) {
                try (Socket again = new Socket(InetAddress.getLoopbackAddress(), vport)) {
                    again.setSoTimeout(10_000);
                    assertEquals(first, line(again));
                }
            }
        }
        final ServiceKey key = ServiceKey.tcp("127.0.0.1", vport);
        assertEquals(0, DrainExample.drainAndRemove(lb, key, "127.0.0.1", b.getLocalPort(), Duration.ofSeconds(5)));
        assertEquals(1, lb.services().service(key).members().size());

        final ClientSideExample pool = new ClientSideExample("10.0.0.1:5432", "10.0.0.2:5432");
        final List<String> used = pool.runQueries(4);
        assertEquals(List.of("10.0.0.2:5432", "10.0.0.1:5432", "10.0.0.2:5432", "10.0.0.1:5432"), used);
        assertEquals(0, pool.pool().members().get(0).activeConns());
    }
}
