package io.jlvs.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The admin acceptor survives running out of file descriptors: a director in a child JVM limited to 64 descriptors
 * is filled with idle admin connections until accepting fails; once they are closed, the connection that waited in
 * the backlog is answered.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class AdminAcceptBackoffTest {
    private static final int FD_LIMIT = 64;

    @Test
    void theAdminSocketAnswersAgainAfterDescriptorsAreFreed(@TempDir final Path dir) throws Exception {
        final Path rules = dir.resolve("rules");
        Files.writeString(rules, AdminSupport.rules(AdminSupport.freePort()));
        final List<Socket> held = new ArrayList<>();
        try (ChildJvm child = ChildJvm.start(dir, FD_LIMIT, "run", "--rules", rules.toString(), "--event-loops", "1",
            "--drain", "0", "--admin", "127.0.0.1:0", "--admin-max-connections", "1000")) {
            assertTrue(child.awaitOutput(s -> s.contains("admin socket on 127.0.0.1:"), 120), child.err());
            final Matcher m = Pattern.compile("admin socket on 127\\.0\\.0\\.1:(\\d+)").matcher(child.out());
            assertTrue(m.find());
            final int port = Integer.parseInt(m.group(1));
            Socket waiting = null;
            for (int i = 0; i < FD_LIMIT + 10 && waiting == null; i++) {
                final Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
                s.getOutputStream().write("-v\n".getBytes(StandardCharsets.US_ASCII));
                s.setSoTimeout(200);
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (true) {
                    try {
                        assertTrue(readLine(s.getInputStream()).startsWith("JLVS version "));
                        held.add(s); // served and idle: it holds one of the child's descriptors
                        break;
                    } catch (final SocketTimeoutException e) {
                        if (child.err().contains("cannot accept")) {
                            waiting = s; // the child is out of descriptors; this one waits in the backlog
                            break;
                        }
                        assertTrue(System.nanoTime() < deadline, "neither an answer nor an accept failure: "
                            + child.err());
                    }
                }
            }
            assertTrue(waiting != null, "the child never ran out of descriptors: " + child.err());
            assertTrue(child.err().contains("Too many open files"), child.err());
            for (final Socket s : held) {
                s.close();
            }
            held.clear();
            waiting.setSoTimeout(60_000);
            assertTrue(readLine(waiting.getInputStream()).startsWith("JLVS version "), "answered after the "
                + "descriptors were freed");
            waiting.close();
            assertTrue(child.awaitOutput(s -> s.contains("accepting again after"), 30), child.err());
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                s.setSoTimeout(60_000);
                final OutputStream o = s.getOutputStream();
                o.write("-L -n\n".getBytes(StandardCharsets.US_ASCII));
                assertTrue(readLine(s.getInputStream()).startsWith("JLVS version "));
            }
            assertTrue(child.process.isAlive(), "the director is still running");
            child.process.destroy();
            assertTrue(child.process.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, child.process.exitValue(), child.err());
        } finally {
            for (final Socket s : held) {
                s.close();
            }
        }
    }

    private static String readLine(final InputStream in) throws java.io.IOException {
        final StringBuilder sb = new StringBuilder();
        for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
            sb.append((char) c);
        }
        return sb.toString();
    }
}
