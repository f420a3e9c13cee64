package io.jlvs.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bin/jlvs} finds jlvs.jar next to itself, passes the JVM flags the Java supports and runs it. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LauncherTest {
    private static final Path SCRIPT = Path.of("..", "bin", "jlvs");

    /** A jlvs.jar whose manifest runs Main from the test class path (what the shaded jar does from itself). */
    private static void jar(final Path file) throws IOException {
        final Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "io.jlvs.examples.Main");
        final StringBuilder cp = new StringBuilder();
        for (final String e : ChildJvm.classPath().split(File.pathSeparator)) {
            cp.append(cp.length() == 0 ? "" : " ").append(Path.of(e).toUri());
        }
        m.getMainAttributes().put(Attributes.Name.CLASS_PATH, cp.toString());
        try (OutputStream o = Files.newOutputStream(file); JarOutputStream j = new JarOutputStream(o, m)) {
            j.flush();
        }
    }

    private static Path install(final Path dir) throws IOException {
        final Path bin = Files.createDirectories(dir.resolve("bin"));
        final Path script = bin.resolve("jlvs");
        Files.copy(SCRIPT, script, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    private static String[] exec(final Path script, final Map<String, String> env, final String... args)
        throws Exception {
        final List<String> cmd = new ArrayList<>(List.of(script.toString()));
        cmd.addAll(List.of(args));
        final ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("JLVS_JAR");
        pb.environment().remove("JLVS_JAVA_OPTS");
        pb.environment().putAll(env);
        final Path out = Files.createTempFile("launcher", ".out");
        final Path err = Files.createTempFile("launcher", ".err");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        final Process p = pb.start();
        assertTrue(p.waitFor(100, TimeUnit.SECONDS));
        final String[] r = {String.valueOf(p.exitValue()), Files.readString(out), Files.readString(err)};
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    @Test
    void runsTheJarNextToItWithTheRealJava(@TempDir final Path dir) throws Exception {
        final Path script = install(dir);
        jar(script.resolveSibling("jlvs.jar"));
        final String[] r = exec(script, Map.of("JAVA_HOME", System.getProperty("java.home")), "--version");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].matches("JLVS \\S+\\n"), r[1]);
        assertEquals("", r[2]);
        final Path jdk25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");
        if (Files.isExecutable(jdk25.resolve("bin/java"))) {
            final String[] r25 = exec(script, Map.of("JAVA_HOME", jdk25.toString()), "--version");
            assertEquals("0", r25[0], r25[2]);
            assertTrue(r25[1].matches("JLVS \\S+\\n"), r25[1]);
            assertEquals("", r25[2], "no warning about the flags on Java 25");
        }
    }

    /** A java that reports a version and prints the arguments it was given. */
    private static Path fakeJdk(final Path dir, final String version) throws IOException {
        final Path bin = Files.createDirectories(dir.resolve("jdk-" + version).resolve("bin"));
        final Path java = bin.resolve("java");
        Files.writeString(java, "#!/bin/sh\nif [ \"$1\" = -version ]; then echo 'openjdk version \"" + version
            + "\" 2021-01-01' >&2; exit 0; fi\necho \"$@\"\n", StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return bin.getParent();
    }

    @Test
    void passesTheFlagsTheJavaVersionSupports(@TempDir final Path dir) throws Exception {
        final Path script = install(dir);
        final Path jar = script.resolveSibling("jlvs.jar");
        jar(jar);
        final String[] r17 = exec(script, Map.of("JAVA_HOME", fakeJdk(dir, "17.0.15").toString(),
            "JLVS_JAVA_OPTS", "-Xmx64m"), "run", "--rules", "r.txt");
        assertEquals("0", r17[0], r17[2]);
        assertEquals("--add-opens java.base/jdk.internal.misc=ALL-UNNAMED --enable-native-access=ALL-UNNAMED -Xmx64m "
            + "-jar " + jar.toRealPath() + " run --rules r.txt\n", r17[1].replace(script.getParent() + "/jlvs.jar",
                jar.toRealPath().toString()));
        final String[] r11 = exec(script, Map.of("JAVA_HOME", fakeJdk(dir, "11.0.2").toString()), "--version");
        assertEquals("1", r11[0]);
        assertTrue(r11[2].contains("is Java 11.0.2; JLVS needs Java 17 or later"), r11[2]);
        Files.delete(jar);
        final String[] none = exec(script, Map.of("JAVA_HOME", System.getProperty("java.home")), "--version");
        assertEquals("1", none[0]);
        assertTrue(none[2].startsWith("jlvs: cannot find jlvs.jar"), none[2]);
    }
}
