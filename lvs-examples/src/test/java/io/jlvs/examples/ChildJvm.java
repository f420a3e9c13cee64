package io.jlvs.examples;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A {@code jlvs} command in a child JVM, for tests of signals and descriptor limits. Its output goes to files (a pipe
 * read while the child exits can lose its last bytes: the JDK closes the pipe under a blocked reader).
 */
final class ChildJvm implements AutoCloseable {
    final Process process;
    private final Path out;
    private final Path err;

    private ChildJvm(final Process p, final Path out, final Path err) {
        this.process = p;
        this.out = out;
        this.err = err;
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static String classPath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    /**
     * Starts {@code io.jlvs.examples.Main} with these arguments.
     *
     * @param dir where the output files go
     * @param maxFds the descriptor limit (ulimit -n) of the child, or 0 to inherit it
     */
    static ChildJvm start(final Path dir, final int maxFds, final String... args) throws IOException {
        final List<String> cmd = new ArrayList<>();
        if (maxFds > 0) {
            cmd.addAll(List.of("bash", "-c", "ulimit -n " + maxFds + " && exec \"$0\" \"$@\""));
        }
        cmd.addAll(List.of(java(), "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx256m", "-cp",
            classPath(), "io.jlvs.examples.Main"));
        cmd.addAll(List.of(args));
        final Path o = Files.createTempFile(dir, "child", ".out");
        final Path e = Files.createTempFile(dir, "child", ".err");
        final ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(o.toFile()).redirectError(e.toFile());
        return new ChildJvm(pb.start(), o, e);
    }

    String out() {
        return read(out);
    }

    String err() {
        return read(err);
    }

    private static String read(final Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (final IOException e) {
            return "(cannot read " + p + ": " + e + ")";
        }
    }

    /** Waits until the output (stdout, then stderr) matches, or the child ends, or the deadline passes. */
    boolean awaitOutput(final Predicate<String> p, final long seconds) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (p.test(out() + "\n" + err())) {
                return true;
            }
            if (!process.isAlive()) {
                return p.test(out() + "\n" + err());
            }
            Thread.sleep(20); // polling for a condition, with a deadline
        }
        return false;
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
