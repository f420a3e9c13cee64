package io.jlvs.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MainCliTest {
    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    private int run(final String... args) {
        outBytes.reset();
        errBytes.reset();
        return Main.run(args, InputStream.nullInputStream(), out, err, false);
    }

    private String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void everyCommandHasItsOwnHelpWithStatusZero() {
        for (final String c : new String[] {"run", "check", "demo", "version"}) {
            assertEquals(0, run(c, "--help"), c);
            assertTrue(out().startsWith("Usage: jlvs " + c + " [-hV]"), out());
            assertEquals("", err());
            assertEquals(0, run("help", c), c);
            assertTrue(out().startsWith("Usage: jlvs " + c + " [-hV]"), out());
        }
        assertEquals(0, run("run", "--help"));
        for (final String s : new String[] {"--rules=FILE|-", "--event-loops=N", "--drain=SECONDS", "(default: 10)",
            "--admin=unix:PATH|HOST:PORT", "--admin-level=read|operator|admin", "--admin-token-file=FILE",
            "--admin-files=DIR", "--admin-idle-timeout=SECONDS", "(default: 300)", "--admin-max-connections=N",
            "Exit status: 0 success", "2 bad input or usage"}) {
            assertTrue(out().contains(s), s);
        }
        assertEquals(0, run("demo", "--help"));
        assertTrue(out().contains("--seconds=N") && out().contains("(default: 20)"), out());
        assertEquals(0, run("-h"));
        assertTrue(out().startsWith("Usage: jlvs [-hV] COMMAND"), out());
        assertEquals(2, run());
        assertTrue(out().startsWith("Usage: jlvs [-hV] COMMAND"), out());
    }

    @Test
    void versionAndCompletion() {
        assertEquals(0, run("--version"));
        assertTrue(out().matches("JLVS \\S+\\n"), out());
        assertEquals(0, run("version"));
        assertTrue(out().matches("JLVS \\S+\\n"), out());
        assertEquals(0, run("generate-completion"));
        assertTrue(out().contains("complete -F _complete_jlvs") || out().contains("_complete_jlvs"), out());
        assertTrue(out().contains("--admin-level") && out().contains("--list-interval"), "run's options complete");
    }

    @Test
    void badUsageIsTwoAndNamesWhatWasWrong(@TempDir final Path dir) throws Exception {
        assertEquals(2, run("run", "--rules", "x", "--event-loops", "many"));
        assertTrue(err().startsWith("jlvs: Invalid value for option '--event-loops': 'many' is not an int (try jlvs "
            + "run --help)"), err());
        assertEquals(2, run("run", "--rules", "x", "--event-loops", "0", "--drain", "4000"));
        assertEquals("jlvs: --drain 4000: expected a number 0..3600 (try jlvs run --help)\n", err());
        assertEquals(2, run("check"));
        assertTrue(err().contains("Missing required option: '--rules=FILE|-'"), err());
        assertEquals(2, run("demo", "--seconds", "2"));
        assertEquals("jlvs: --seconds 2: expected a number 4..3600 (try jlvs demo --help)\n", err());
        assertEquals(2, run("run", "--rules", dir.resolve("missing").toString()));
        assertEquals("jlvs: " + dir.resolve("missing") + ": no such file\n", err());
        final Path rules = dir.resolve("r");
        Files.writeString(rules, AdminSupport.rules(AdminSupport.freePort()));
        assertEquals(2, run("run", "--rules", rules.toString(), "--admin", "localhost:99"));
        assertTrue(err().contains("--admin localhost:99: expected unix:PATH or a numeric HOST:PORT"), err());
        assertEquals(2, run("run", "--rules", rules.toString(), "--admin", "127.0.0.1:0", "--admin-level", "root"));
        assertTrue(err().contains("admin level 'root' (expected: read, operator or admin)"), err());
        assertEquals(2, run("run", "--rules", rules.toString(), "--admin-level", "admin"));
        assertTrue(err().contains("need --admin"), err());
        assertEquals(2, run("run", "--rules", rules.toString(), "--frob"));
        assertEquals("jlvs: run: unknown option '--frob' (try jlvs run --help)\n", err());
        assertEquals(2, run("run", "--rule", rules.toString()));
        assertEquals("jlvs: run: unknown option '--rule' (try jlvs run --help)\n", err());
        assertEquals(2, run("run", "--rules", rules.toString(), "--transport", "foo"));
        assertEquals("jlvs: --transport foo: transport 'foo' (expected one of nio, epoll, auto) (try jlvs run --help)\n",
            err());
        assertEquals(2, run("frobnicate"));
        assertEquals("jlvs: unknown command 'frobnicate' (try jlvs --help)\n", err());
    }

    @Test
    void aListenerThatCannotBeBoundIsARuntimeFailure(@TempDir final Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            final Path rules = dir.resolve("r");
            Files.writeString(rules, AdminSupport.rules(taken.getLocalPort()));
            assertEquals(1, run("run", "--rules", rules.toString()));
            assertTrue(err().startsWith("jlvs: "), err());
            // the admin socket's address taken: also a runtime failure, and the director's listeners are closed
            final Path free = dir.resolve("f");
            final int vport = AdminSupport.freePort();
            Files.writeString(free, AdminSupport.rules(vport));
            assertEquals(1, run("run", "--rules", free.toString(), "--admin", "127.0.0.1:" + taken.getLocalPort()));
            assertTrue(err().startsWith("jlvs: admin socket 127.0.0.1:" + taken.getLocalPort() + ": "), err());
            try (ServerSocket again = new ServerSocket(vport, 1, InetAddress.getLoopbackAddress())) {
                assertEquals(vport, again.getLocalPort());
            }
        }
    }

    @Test
    void sigtermDrainsAndExitsZero(@TempDir final Path dir) throws Exception {
        try (ServerSocket backend = new ServerSocket(0, 16, InetAddress.getLoopbackAddress())) {
            final int vport = AdminSupport.freePort();
            final Path rules = dir.resolve("r");
            Files.writeString(rules, "-A -t 127.0.0.1:" + vport + " -s rr\n-a -t 127.0.0.1:" + vport + " -r 127.0.0.1:"
                + backend.getLocalPort() + " -m\n");
            try (ChildJvm child = ChildJvm.start(dir, 0, "run", "--rules", rules.toString(), "--drain", "30")) {
                assertTrue(child.awaitOutput(s -> s.contains("listening on TCP 127.0.0.1:" + vport), 120), child.err());
                // a live connection that ends by itself during the drain
                try (Socket c = new Socket(InetAddress.getLoopbackAddress(), vport);
                    Socket s = backend.accept()) {
                    s.setSoTimeout(60_000);
                    c.setSoTimeout(60_000);
                    child.process.destroy(); // SIGTERM
                    assertTrue(child.awaitOutput(o -> o.contains("stopping: draining live connections"), 60),
                        () -> child.out() + child.err() + (child.process.isAlive() ? "" : " exit "
                            + child.process.exitValue()));
                    c.getOutputStream().write("bye\n".getBytes(StandardCharsets.US_ASCII));
                    final byte[] got = s.getInputStream().readNBytes(4);
                    assertEquals("bye\n", new String(got, StandardCharsets.US_ASCII), "the drain keeps it open");
                    s.shutdownOutput(); // the real server ends it: the director ends the client's side
                    assertEquals(-1, c.getInputStream().read());
                }
                assertTrue(child.process.waitFor(60, TimeUnit.SECONDS));
                assertEquals(0, child.process.exitValue(), child.err());
                assertTrue(child.err().contains("stopped"), child.err());
            }
        }
    }
}
