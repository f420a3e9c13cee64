package io.jlvs.examples.arch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An application with its own {@code module-info.java} that requires {@code io.jlvs.core} only is compiled here
 * against the library jars and run in a child JVM with {@code java --module-path ... -m app/app.Main} and no other
 * flag; then the same application class runs on the class path, also with no flag. Each run starts a director with
 * the NIO transport (found through ServiceLoader) in front of a backend of this test, and the test sends bytes
 * through it and checks they come back unchanged. Fails if a module descriptor lacks a {@code requires} (the child
 * dies with {@code NoClassDefFoundError}, for example of {@code org/slf4j/LoggerFactory} or
 * {@code sun/misc/Unsafe}), a {@code provides} (no transport found), or an export the application needs (the
 * compilation fails).
 */
class ModulePathTest {
    private static final String APP = String.join("\n",
        "package app;",
        "",
        "import io.jlvs.core.LoadBalancer;",
        "import io.jlvs.core.config.RealServerConfig;",
        "import io.jlvs.core.config.ServiceKey;",
        "import io.jlvs.core.config.VirtualServiceConfig;",
        "",
        "public final class Main {",
        "    public static void main(String[] args) throws Exception {",
        "        int vport = Integer.parseInt(args[0]);",
        "        int backend = Integer.parseInt(args[1]);",
        "        ServiceKey key = ServiceKey.tcp(\"127.0.0.1\", vport);",
        "        try (LoadBalancer lb = LoadBalancer.builder().eventLoops(1)",
        "                .service(VirtualServiceConfig.builder(key).scheduler(\"wlc\").build())",
        "                .server(key, RealServerConfig.builder(\"127.0.0.1\", backend).build())",
        "                .build().start()) {",
        "            System.out.println(\"LISTENING \" + lb.listening().get(0).getPort()",
        "                + \" module=\" + LoadBalancer.class.getModule().getName());",
        "            System.out.flush();",
        "            System.in.read(); // the test closes stdin when done",
        "        }",
        "        System.out.println(\"CLOSED\");",
        "    }",
        "}",
        "");

    private static final List<String> LIBRARY = List.of("lvs-core", "lvs-scheduler", "lvs-transport-nio", "agrona",
        "jctools-core", "slf4j-api", "HdrHistogram");

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void applicationRunsOnModulePathAndOnClassPathWithNoFlags() throws Exception {
        final String libs = libraryPath();
        final Path src = dir.resolve("src/app");
        Files.createDirectories(src.resolve("app"));
        Files.writeString(src.resolve("module-info.java"), "module app {\n    requires io.jlvs.core;\n}\n");
        Files.writeString(src.resolve("app/Main.java"), APP);
        final Path classes = dir.resolve("classes");
        final JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        final ByteArrayOutputStream diag = new ByteArrayOutputStream();
        final int rc = javac.run(null, diag, diag, "-d", classes.toString(), "--module-path", libs,
            src.resolve("module-info.java").toString(), src.resolve("app/Main.java").toString());
        assertEquals(0, rc, "javac: " + diag.toString(StandardCharsets.UTF_8));

        final ServerSocket backend = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final Thread echo = echo(backend);
        try {
            final String java = ProcessHandle.current().info().command().orElse("java");
            runThrough(List.of(java, "--module-path", classes + File.pathSeparator + libs, "-m", "app/app.Main"),
                backend.getLocalPort(), "module=io.jlvs.core");
            runThrough(List.of(java, "-cp", classes + File.pathSeparator + libs, "app.Main"),
                backend.getLocalPort(), "module=null");
        } finally {
            backend.close();
        }
        echo.join(10_000);
        assertTrue(!echo.isAlive(), "echo thread ended");
    }

    private static void runThrough(final List<String> command, final int backendPort, final String moduleSays)
        throws Exception {
        final int vport = freePort();
        final List<String> cmd = new ArrayList<>(command);
        cmd.add(String.valueOf(vport));
        cmd.add(String.valueOf(backendPort));
        final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        final List<String> out = new ArrayList<>();
        try {
            final BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8));
            String line;
            while ((line = r.readLine()) != null && !line.startsWith("LISTENING ")) {
                out.add(line);
            }
            assertTrue(line != null, "child started a director: " + cmd + "\n" + String.join("\n", out));
            assertEquals("LISTENING " + vport + " " + moduleSays, line, String.join("\n", out));
            final byte[] sent = new byte[64 * 1024];
            for (int i = 0; i < sent.length; i++) {
                sent[i] = (byte) (i * 31 + 7);
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), vport), 10_000);
                s.setSoTimeout(30_000);
                final OutputStream o = s.getOutputStream();
                o.write(sent);
                s.shutdownOutput();
                final byte[] got = s.getInputStream().readAllBytes();
                assertArrayEquals(sent, got, "bytes through the director of " + cmd);
            }
            p.getOutputStream().close(); // the child closes its director and exits
            while ((line = r.readLine()) != null) {
                out.add(line);
            }
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "child exited");
            assertEquals(0, p.exitValue(), String.join("\n", out));
            assertTrue(out.contains("CLOSED"), String.join("\n", out));
            assertTrue(out.stream().noneMatch(l -> l.contains("Exception") || l.contains("Error:")),
                String.join("\n", out));
        } finally {
            p.destroyForcibly();
        }
    }

    /** Echoes each accepted connection until EOF, then half-closes; ends when the server socket is closed. */
    private static Thread echo(final ServerSocket server) {
        final Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket c = server.accept()) {
                    final InputStream in = c.getInputStream();
                    final OutputStream out = c.getOutputStream();
                    final byte[] buf = new byte[8192];
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        out.write(buf, 0, n);
                    }
                    c.shutdownOutput();
                } catch (final IOException e) {
                    // closed server socket ends the loop; a broken client connection just ends that connection
                }
            }
        }, "echo");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The library's jars (or class directories) and its runtime dependencies, from this test's class path. */
    private static String libraryPath() {
        final List<String> entries = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(e -> LIBRARY.stream().anyMatch(name -> matches(e, name)))
            .collect(Collectors.toList());
        for (final String name : LIBRARY) {
            assertTrue(entries.stream().anyMatch(e -> matches(e, name)), name + " on the test class path: " + entries);
        }
        return String.join(File.pathSeparator, entries);
    }

    private static boolean matches(final String entry, final String name) {
        final Path p = Path.of(entry);
        final String file = p.getFileName().toString();
        if (file.endsWith(".jar")) {
            return file.startsWith(name + "-") && !file.contains("-tests");
        }
        // a reactor module's class directory: <module>/target/classes
        return p.getParent() != null && p.getParent().getParent() != null
            && p.getParent().getParent().getFileName().toString().equals(name) && file.equals("classes");
    }
}
