package io.jlvs.kernel;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A network namespace a test made (loopback up, test addresses on {@code lo} inside it only), and {@link NsDirector}
 * processes run in it. Deleting it removes every address, table and conntrack entry made inside.
 */
final class Netns implements AutoCloseable {
    final String name;
    private final List<Child> children = new ArrayList<>();

    private Netns(final String name) {
        this.name = name;
    }

    /** Skips the test (with the reason) unless root with nft, conntrack and ip. */
    static void assumeUsable() throws Exception {
        final Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        assumeTrue(Integer.valueOf(0).equals(uid), "kernel tests need root (network namespaces, nftables): skipped");
        for (final String p : new String[] {"/usr/sbin/nft", "/usr/sbin/conntrack", "/usr/sbin/ip"}) {
            assumeTrue(new File(p).canExecute() || onPath(p.substring(p.lastIndexOf('/') + 1)),
                p + " is missing (apt-get install nftables conntrack iproute2): skipped");
        }
    }

    private static boolean onPath(final String program) {
        for (final String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (new File(dir, program).canExecute()) {
                return true;
            }
        }
        return false;
    }

    static Netns create(final String tag, final String... loopbackAddresses) throws Exception {
        final Netns n = new Netns("jlvs-" + tag + "-" + ProcessHandle.current().pid());
        run("ip", "netns", "del", n.name); // a leftover of a killed run
        sh("ip", "netns", "add", n.name);
        n.exec("ip", "link", "set", "lo", "up");
        for (final String a : loopbackAddresses) {
            if (a.indexOf(':') >= 0) { // IPv6: no duplicate address detection, so the address is usable at once
                n.exec("ip", "-6", "addr", "add", a + "/128", "dev", "lo", "nodad");
            } else {
                n.exec("ip", "addr", "add", a + "/32", "dev", "lo");
            }
        }
        return n;
    }

    String exec(final String... command) throws Exception {
        final List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", name));
        c.addAll(List.of(command));
        return sh(c.toArray(new String[0]));
    }

    static String sh(final String... command) throws Exception {
        final Exec.Result r = Exec.run(List.of(command), null);
        if (r.exit() != 0) {
            throw new IOException(String.join(" ", command) + ": exit " + r.exit() + ": " + r.err());
        }
        return r.out();
    }

    private static void run(final String... command) throws IOException {
        Exec.run(List.of(command), null);
    }

    /** The tables in the namespace, one {@code family name} a line. */
    String tables() throws Exception {
        return exec("nft", "list", "tables");
    }

    Child start() throws IOException {
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final Path err = Files.createTempFile("nsdirector", ".err");
        final Process p = new ProcessBuilder("ip", "netns", "exec", name, java,
            "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED", "-XX:TieredStopAtLevel=1",
            "-cp", System.getProperty("java.class.path"), NsDirector.class.getName())
            .redirectError(err.toFile()).start();
        final Child c = new Child(p, err);
        children.add(c);
        return c;
    }

    @Override
    public void close() throws IOException {
        for (final Child c : children) {
            c.process.destroyForcibly();
            try {
                c.process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        run("ip", "netns", "del", name);
    }

    /** A running {@link NsDirector}. */
    static final class Child {
        final Process process;
        private final Path err;
        private final PrintStream in;
        private final BufferedReader out;

        Child(final Process p, final Path err) {
            this.process = p;
            this.err = err;
            this.in = new PrintStream(p.getOutputStream(), true, StandardCharsets.UTF_8);
            this.out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        }

        /** Sends a command; returns its answer lines; fails the test on ERR. */
        String cmd(final String command) throws IOException {
            final String r = ask(command);
            if (r.startsWith("ERR ")) {
                throw new AssertionError(command + " -> " + r + "\nstderr: " + Files.readString(err));
            }
            return r;
        }

        /** Sends a command; returns its answer lines, or the ERR line. */
        String ask(final String command) throws IOException {
            in.println(command);
            final StringBuilder sb = new StringBuilder();
            for (String line = out.readLine(); ; line = out.readLine()) {
                if (line == null) {
                    throw new AssertionError(command + ": the process ended\nstderr: " + Files.readString(err));
                }
                if (line.equals("OK")) {
                    return sb.toString();
                }
                if (line.startsWith("ERR ")) {
                    return line;
                }
                sb.append(sb.length() == 0 ? "" : "\n").append(line);
            }
        }
    }
}
