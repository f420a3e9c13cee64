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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An application with its own {@code module-info.java} that requires {@code io.jlvs.core} and
 * {@code io.jlvs.micrometer} only is compiled here against the library jars and run in a child JVM with
 * {@code java --module-path ... -m app/app.Main} and no other flag; then the same application class runs on the
 * class path, also with no flag. Each run starts a director with the NIO transport (found through ServiceLoader) in
 * front of a backend of this test, binds {@code JlvsMetrics} to a Micrometer registry, and the test sends bytes
 * through it, checks they come back unchanged and that the application's Micrometer counter saw the connection.
 * On JDK 22+ (the epoll module is then built and on the test class path) the application also runs with the epoll
 * transport, on the module path with {@code --enable-native-access=io.jlvs.transport.epoll} and on the class path
 * with {@code --enable-native-access=ALL-UNNAMED} (no {@code --add-opens} or {@code --add-reads} either way), and
 * once on the module path without the flag, where the director must refuse to start and say which flag it needs.
 * Fails if a module descriptor lacks a {@code requires} (the child dies with {@code NoClassDefFoundError}, for
 * example of {@code org/slf4j/LoggerFactory} or {@code sun/misc/Unsafe}), a {@code provides} (no transport found),
 * or an export the application needs (the compilation fails).
 */
class ModulePathTest {
    private static final String APP = String.join("\n",
        "package app;",
        "",
        "import io.jlvs.core.LoadBalancer;",
        "import io.jlvs.core.config.RealServerConfig;",
        "import io.jlvs.core.config.ServiceKey;",
        "import io.jlvs.core.config.VirtualServiceConfig;",
        "import io.jlvs.micrometer.JlvsMetrics;",
        "import io.micrometer.core.instrument.simple.SimpleMeterRegistry;",
        "",
        "public final class Main {",
        "    public static void main(String[] args) throws Exception {",
        "        int vport = Integer.parseInt(args[0]);",
        "        int backend = Integer.parseInt(args[1]);",
        "        ServiceKey key = ServiceKey.tcp(\"127.0.0.1\", vport);",
        "        LoadBalancer director = LoadBalancer.builder().transport(args[2]).eventLoops(1)",
        "            .service(VirtualServiceConfig.builder(key).scheduler(\"wlc\").build())",
        "            .server(key, RealServerConfig.builder(\"127.0.0.1\", backend).build())",
        "            .build();",
        "        SimpleMeterRegistry registry = new SimpleMeterRegistry();",
        "        try (LoadBalancer lb = director.start(); JlvsMetrics metrics = new JlvsMetrics(lb)) {",
        "            metrics.bindTo(registry);",
        "            System.out.println(\"LISTENING \" + lb.listening().get(0).getPort()",
        "                + \" module=\" + LoadBalancer.class.getModule().getName()",
        "                + \" metrics=\" + JlvsMetrics.class.getModule().getName());",
        "            System.out.flush();",
        "            System.in.read(); // the test closes stdin when its connection is done",
        "            long deadline = System.nanoTime() + 10_000_000_000L;",
        "            double conns;",
        "            while ((conns = registry.get(\"jlvs.service.connections\").functionCounter().count()) < 1",
        "                && System.nanoTime() < deadline) {",
        "                Thread.sleep(5);",
        "            }",
        "            System.out.println(\"METRIC jlvs.service.connections=\" + (long) conns);",
        "        }",
        "        System.out.println(\"CLOSED\");",
        "    }",
        "}",
        "");

    private static final List<String> LIBRARY = List.of("lvs-core", "lvs-scheduler", "lvs-transport-nio", "agrona",
        "jctools-core", "slf4j-api", "HdrHistogram", "lvs-micrometer", "micrometer-core", "micrometer-commons",
        "micrometer-observation");

    /** The epoll transport (compiled for Java 22) is on the test class path when Maven runs on JDK 22+. */
    private static final boolean EPOLL = Runtime.version().feature() >= 22;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void applicationRunsOnModulePathAndOnClassPathWithNoFlags() throws Exception {
        final String libs = libraryPath();
        final Path src = dir.resolve("src/app");
        Files.createDirectories(src.resolve("app"));
        Files.writeString(src.resolve("module-info.java"),
            "module app {\n    requires io.jlvs.core;\n    requires io.jlvs.micrometer;\n}\n");
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
            final String path = classes + File.pathSeparator + libs; // as --module-path and as -cp
            runThrough(List.of(java, "--module-path", path, "-m", "app/app.Main", "nio"),
                backend.getLocalPort(), "module=io.jlvs.core metrics=io.jlvs.micrometer");
            runThrough(List.of(java, "-cp", path, "app.Main", "nio"),
                backend.getLocalPort(), "module=null metrics=null");
            if (EPOLL) {
                // the one flag the Foreign Function API asks for, named as the epoll module's Javadoc says
                runThrough(List.of(java, "--enable-native-access=io.jlvs.transport.epoll", "--module-path",
                    path, "-m", "app/app.Main", "epoll"), backend.getLocalPort(),
                    "module=io.jlvs.core metrics=io.jlvs.micrometer");
                runThrough(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", path, "app.Main",
                    "epoll"), backend.getLocalPort(), "module=null metrics=null");
                // without it the epoll module is found but refuses, saying which flag it needs
                refused(List.of(java, "--module-path", path, "-m", "app/app.Main", "epoll"),
                    "--enable-native-access=io.jlvs.transport.epoll on the module path");
            }
        } finally {
            backend.close();
        }
        echo.join(10_000);
        assertTrue(!echo.isAlive(), "echo thread ended");
    }

    /** Runs the application with an argument list whose last entry is the transport name. */
    private static void runThrough(final List<String> command, final int backendPort, final String moduleSays)
        throws Exception {
        final int vport = freePort();
        final List<String> cmd = new ArrayList<>(command.subList(0, command.size() - 1));
        cmd.add(String.valueOf(vport));
        cmd.add(String.valueOf(backendPort));
        cmd.add(command.get(command.size() - 1));
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
            assertTrue(out.contains("METRIC jlvs.service.connections=1"), "Micrometer counted the connection: "
                + String.join("\n", out));
            assertTrue(out.contains("CLOSED"), String.join("\n", out));
            assertTrue(out.stream().noneMatch(l -> l.contains("Exception") || l.contains("Error:")),
                String.join("\n", out));
        } finally {
            p.destroyForcibly();
        }
    }

    /** Runs the application expecting its director not to start, with {@code reason} in what it prints. */
    private static void refused(final List<String> command, final String reason) throws Exception {
        final List<String> cmd = new ArrayList<>(command.subList(0, command.size() - 1));
        cmd.add(String.valueOf(freePort()));
        cmd.add(String.valueOf(freePort()));
        cmd.add(command.get(command.size() - 1));
        final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            p.getOutputStream().close();
            final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "child exited");
            assertNotEquals(0, p.exitValue(), out);
            assertFalse(out.contains("LISTENING"), out);
            assertTrue(out.contains(reason), out);
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
        final List<String> library = new ArrayList<>(LIBRARY);
        if (EPOLL) {
            library.add("lvs-transport-epoll");
        }
        final List<String> entries = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(e -> library.stream().anyMatch(name -> matches(e, name)))
            .collect(Collectors.toList());
        for (final String name : library) {
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
