package io.jlvs.jmh.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class JlvsFrontTest {
    @Test
    void shouldFindTheNioTransportByName() {
        assertEquals("nio", JlvsFront.transport("nio").name());
    }

    @Test
    void shouldRefuseATransportThatIsNotOnTheClassPathNamingThoseThatAre() {
        // epoll is on the class path when the module is built on JDK 22+ (profile jdk22-epoll), so ask for one that
        // never is
        final String m = assertThrows(IllegalArgumentException.class, () -> JlvsFront.transport("dpdk")).getMessage();
        assertTrue(m.startsWith("--transport dpdk: no such transport on the class path (there "), m);
        assertTrue(m.contains("nio"), m);
    }

    private static void send(final Process p, final String line) throws Exception {
        final OutputStream o = p.getOutputStream();
        o.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
        o.flush();
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldRecordAndSummariseAProfileWhileForwardingWhenAskedOnItsInput(@TempDir final Path dir)
        throws Exception {
        final InetAddress lo = InetAddress.getByName("127.0.0.1");
        final int front;
        try (ServerSocket probe = new ServerSocket(0, 1, lo)) {
            front = probe.getLocalPort();
        }
        try (ServerSocket backend = new ServerSocket(0, 50, lo)) {
            final Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx256m", "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", System.getProperty("java.class.path"),
                JlvsFront.class.getName(), "--front-base", Integer.toString(front), "--backend-base",
                Integer.toString(backend.getLocalPort()), "--loops", "1", "--tcp", "0", "--udp", ""))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            try {
                final BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.US_ASCII));
                assertEquals("ready", out.readLine());
                send(p, "profile-stop " + dir.resolve("none"));
                assertEquals("profiled none: no recording was started", out.readLine());
                send(p, "profile-start");
                assertEquals("profiling", out.readLine());
                // traffic through the front while it records: 64 KiB there and back, unchanged
                final byte[] sent = new byte[65536];
                for (int i = 0; i < sent.length; i++) {
                    sent[i] = (byte) (i * 31 + 7);
                }
                try (Socket c = new Socket(lo, front); Socket s = backend.accept()) {
                    c.getOutputStream().write(sent);
                    final byte[] got = s.getInputStream().readNBytes(sent.length);
                    assertArrayEquals(sent, got);
                    s.getOutputStream().write(got);
                    final InputStream ci = c.getInputStream();
                    assertArrayEquals(sent, ci.readNBytes(sent.length));
                }
                send(p, "profile-stop " + dir.resolve("row-front"));
                final String answer = out.readLine();
                assertTrue(answer.matches("profiled [0-9]+ [0-9]+ [0-9]+"), answer);
                assertTrue(Files.size(dir.resolve("row-front.jfr")) > 0);
                final String text = Files.readString(dir.resolve("row-front.txt"));
                final String[] n = answer.split(" ");
                assertTrue(text.startsWith("row-front.jfr (default transport, 1 event loop, "), text);
                assertTrue(text.contains("CPU samples (jdk.ExecutionSample): " + n[1] + "; native samples "
                    + "(jdk.NativeMethodSample): " + n[2] + "; CPU-time samples (jdk.CPUTimeSample): "
                    + (n[3].equals("0") ? "none (JDK 25+)" : n[3] + " (") ), text);
                assertTrue(Files.notExists(dir.resolve("none.jfr")));
                p.getOutputStream().close();
                assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the front stops when its input closes");
            } finally {
                p.destroyForcibly();
            }
        }
    }
}
