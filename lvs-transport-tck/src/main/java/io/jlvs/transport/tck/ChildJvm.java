package io.jlvs.transport.tck;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM on the test's class path, optionally with a low file descriptor limit ({@code ulimit -n} through
 * bash, which sets the hard limit too, so the JVM cannot raise it), that speaks a line protocol: the test writes
 * commands to its standard input and waits for answers on its standard output. Its standard error is kept for
 * failure messages. A child whose standard input closes exits, so a dying test leaves no process behind.
 *
 * <p>Thread-safe for one test thread: the reader threads own the streams they read; lines cross through a queue.
 */
final class ChildJvm implements AutoCloseable {
    private static final long WAIT_NS = TimeUnit.SECONDS.toNanos(30);

    private final Process process;
    private final Writer stdin;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuffer stderr = new StringBuffer();
    private final StringBuffer stdout = new StringBuffer();
    private final Thread outReader;
    private final Thread errReader;

    private ChildJvm(final Process process) {
        this.process = process;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        outReader = reader(new BufferedReader(new InputStreamReader(process.getInputStream(),
            StandardCharsets.UTF_8)), line -> {
                stdout.append(line).append('\n');
                lines.add(line);
            }, "tck-child-stdout");
        errReader = reader(new BufferedReader(new InputStreamReader(process.getErrorStream(),
            StandardCharsets.UTF_8)), line -> {
                if (stderr.length() < 64 * 1024) {
                    stderr.append(line).append('\n');
                }
            }, "tck-child-stderr");
    }

    private static Thread reader(final BufferedReader r, final java.util.function.Consumer<String> sink,
        final String name) {
        final Thread t = new Thread(() -> {
            try (r) {
                for (String l = r.readLine(); l != null; l = r.readLine()) {
                    sink.accept(l);
                }
            } catch (final IOException ignored) {
                // the child is gone
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** {@return null if a child JVM with a file descriptor limit can be started here, else why not} */
    static String unavailable() {
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            return "child JVMs with a low RLIMIT_NOFILE are set up for Linux only";
        }
        if (!Files.isExecutable(Path.of("/bin/bash"))) {
            return "no /bin/bash to set ulimit -n for the child JVM";
        }
        return null;
    }

    /**
     * Starts {@code mainClass} with the given arguments in a JVM like this one.
     *
     * @param fdLimit the child's RLIMIT_NOFILE (soft and hard), 0 for this process's
     */
    static ChildJvm start(final Class<?> mainClass, final int fdLimit, final String... args) throws IOException {
        final List<String> cmd = new ArrayList<>();
        if (fdLimit > 0) {
            cmd.add("/bin/bash");
            cmd.add("-c");
            cmd.add("ulimit -n " + fdLimit + " && exec \"$@\"");
            cmd.add("jlvs-tck-child");
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (final String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // what the transport's tests need to run (module openings, native access), nothing of the test JVM's
            // agents or heap
            if (a.startsWith("--add-opens") || a.startsWith("--add-exports") || a.startsWith("--add-modules")
                || a.startsWith("--enable-native-access") || a.startsWith("--enable-preview")
                || a.startsWith("-Djava.library.path")) {
                cmd.add(a);
            }
        }
        cmd.add("-Xmx256m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add(mainClass.getName());
        cmd.addAll(List.of(args));
        return new ChildJvm(new ProcessBuilder(cmd).start());
    }

    private static String classPath() {
        // surefire may run tests from a manifest-only jar; it then publishes the real class path here
        final String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isEmpty() ? surefire : System.getProperty("java.class.path");
    }

    /** Sends one command line. */
    void send(final String command) throws IOException {
        stdin.write(command + "\n");
        stdin.flush();
    }

    /**
     * Waits for the next output line that starts with {@code prefix} (up to 30 s).
     *
     * @return the line
     * @throws AssertionError naming what was expected, with the child's output, if it does not come
     */
    String expect(final String prefix) throws InterruptedException {
        final long deadline = System.nanoTime() + WAIT_NS;
        while (true) {
            final long left = deadline - System.nanoTime();
            final String l = lines.poll(Math.max(0, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200))),
                TimeUnit.NANOSECONDS);
            if (l != null && l.startsWith(prefix)) {
                return l;
            }
            if (l == null && !process.isAlive() && lines.isEmpty()) {
                throw new AssertionError("child JVM exited (" + process.exitValue() + ") before printing '" + prefix
                    + "'" + diagnostics());
            }
            if (left <= 0) {
                throw new AssertionError("child JVM printed no '" + prefix + "' within 30 s" + diagnostics());
            }
        }
    }

    /** Sends a command and waits for its answer line. */
    String ask(final String command, final String answerPrefix) throws IOException, InterruptedException {
        send(command);
        return expect(answerPrefix);
    }

    String diagnostics() {
        return "\n--- child stdout ---\n" + stdout + "--- child stderr ---\n" + stderr;
    }

    /**
     * Waits for the child to exit by itself.
     *
     * @return its exit code
     * @throws AssertionError if it is still running after 30 s
     */
    int awaitExit() throws InterruptedException {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("child JVM still running 30 s after it was told to exit" + diagnostics());
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        try {
            stdin.close(); // the child exits at the end of its input
        } catch (final IOException ignored) {
            // already gone
        }
        try {
            stop();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        if (process.isAlive() || outReader.isAlive() || errReader.isAlive()) {
            throw new IllegalStateException("child JVM or its readers still running 30 s after close");
        }
    }

    private void stop() throws InterruptedException {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        outReader.join(10_000);
        errReader.join(10_000);
    }
}
