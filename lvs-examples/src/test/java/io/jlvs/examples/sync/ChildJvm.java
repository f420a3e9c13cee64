package io.jlvs.examples.sync;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A child JVM running a main class from the test classpath; its standard output is collected line by line so a test
 * can wait for a line, its standard error goes to a file. {@link #close()} kills it (SIGKILL) if it still runs.
 *
 * <p>Thread-safe: the reader thread owns the pump; the queue is concurrent.
 */
final class ChildJvm implements AutoCloseable {
    private final Process process;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> seen = new ArrayList<>();
    private final Path stderr;

    ChildJvm(final String name, final Path dir, final String mainClass, final String... args) throws IOException {
        this(name, dir, List.of(), mainClass, args);
    }

    /** A child started through a prefix command, such as {@code ip netns exec NS}. */
    ChildJvm(final String name, final Path dir, final List<String> prefix, final String mainClass,
        final String... args) throws IOException {
        final List<String> cmd = new ArrayList<>(prefix);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--add-opens");
        cmd.add("java.base/jdk.internal.misc=ALL-UNNAMED");
        if (Runtime.version().feature() >= 22) {
            cmd.add("--enable-native-access=ALL-UNNAMED"); // a child may run --transport epoll
        }
        cmd.add("-Xmx192m");
        cmd.add("-Xss512k");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-cp");
        cmd.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        this.stderr = dir.resolve(name + ".err");
        final ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(stderr.toFile());
        this.process = pb.start();
        final Thread pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
                for (String l = r.readLine(); l != null; l = r.readLine()) {
                    lines.add(l);
                }
            } catch (final IOException e) {
                // the child died
            }
        }, name + "-stdout");
        pump.setDaemon(true);
        pump.start();
    }

    /** Waits for a line matching the pattern and returns the match, or fails with what the child printed. */
    Matcher await(final Pattern p, final long seconds) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() - deadline < 0) {
            final String l = lines.poll(100, TimeUnit.MILLISECONDS);
            if (l != null) {
                synchronized (seen) {
                    seen.add(l);
                }
                final Matcher m = p.matcher(l);
                if (m.find()) {
                    return m;
                }
            } else if (!process.isAlive() && lines.isEmpty()) {
                break;
            }
        }
        throw new AssertionError("no line matching " + p + " from the child; it printed " + seen + "; stderr: "
            + stderrText());
    }

    String stderrText() {
        try {
            return java.nio.file.Files.readString(stderr, StandardCharsets.UTF_8);
        } catch (final IOException e) {
            return "(" + e + ")";
        }
    }

    long pid() {
        return process.pid();
    }

    /** Waits for the child to exit by itself. */
    int waitFor(final long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            throw new AssertionError("the child still runs after " + seconds + " s; stderr: " + stderrText());
        }
        return process.exitValue();
    }

    /** SIGKILL, and wait until it is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
