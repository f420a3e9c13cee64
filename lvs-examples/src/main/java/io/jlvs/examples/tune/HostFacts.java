package io.jlvs.examples.tune;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code jlvs tune} reads from a {@code /proc} tree: the sysctls, this process's descriptor limit, memory and
 * the page size. Every value is read, parsed and checked for its shape (how many integers); a file that is missing
 * or holds anything else is kept as a {@link Reading} with the reason, never replaced by a guess.
 *
 * <p>Immutable once read.
 */
final class HostFacts {
    /** Descriptor limit of this process (soft, hard) from {@code self/limits}. */
    static final String NOFILE = "RLIMIT_NOFILE";
    /** {@code MemTotal} in bytes. */
    static final String MEM_TOTAL = "MemTotal";
    /** {@code MemAvailable} in bytes. */
    static final String MEM_AVAILABLE = "MemAvailable";
    /** The kernel's page size in bytes (the unit of {@code tcp_mem}). */
    static final String PAGE_SIZE = "page size";
    /** Present only while the conntrack module is loaded. */
    static final String CONNTRACK_MAX = "net.netfilter.nf_conntrack_max";
    /** Present only while the conntrack module is loaded. */
    static final String CONNTRACK_COUNT = "net.netfilter.nf_conntrack_count";

    /** The sysctls read, with how many integers each holds. */
    private static final Object[][] SYSCTLS = {
        {"fs.nr_open", 1}, {"fs.file-max", 1}, {"fs.file-nr", 3}, {"net.core.somaxconn", 1},
        {"net.ipv4.tcp_max_syn_backlog", 1}, {"net.core.netdev_max_backlog", 1},
        {"net.ipv4.ip_local_port_range", 2}, {"net.ipv4.tcp_mem", 3}, {"net.ipv4.tcp_rmem", 3},
        {"net.ipv4.tcp_wmem", 3}, {"net.core.rmem_max", 1}, {"net.core.wmem_max", 1},
        {"net.ipv4.tcp_tw_reuse", 1}, {"net.ipv4.tcp_fin_timeout", 1},
    };

    private final Path root;
    private final Map<String, Reading> readings;
    private final boolean conntrack;

    private HostFacts(final Path root, final Map<String, Reading> readings, final boolean conntrack) {
        this.root = root;
        this.readings = readings;
        this.conntrack = conntrack;
    }

    /**
     * One value: its integers, or why there are none.
     *
     * @param setting the setting's name
     * @param path the file it comes from
     * @param values the integers (empty when {@code error} is set); {@link Long#MAX_VALUE} stands for
     *     {@code unlimited}
     * @param error null, or what was wrong (names the file and what was expected)
     */
    record Reading(String setting, Path path, long[] values, String error) {
        boolean ok() {
            return error == null;
        }

        long get(final int i) {
            if (error != null) {
                throw new IllegalStateException(error);
            }
            return values[i];
        }

        String text() {
            if (error != null) {
                return "unreadable";
            }
            final StringBuilder sb = new StringBuilder();
            for (final long v : values) {
                sb.append(sb.length() == 0 ? "" : " ").append(v == Long.MAX_VALUE ? "unlimited" : Long.toString(v));
            }
            return sb.toString();
        }

        @Override
        public boolean equals(final Object o) {
            return o instanceof Reading r && r.setting.equals(setting) && r.path.equals(path)
                && Arrays.equals(r.values, values) && java.util.Objects.equals(r.error, error);
        }

        @Override
        public int hashCode() {
            return setting.hashCode() * 31 + Arrays.hashCode(values);
        }

        @Override
        public String toString() {
            return setting + "=" + (error != null ? error : text());
        }
    }

    /**
     * Reads a {@code /proc} tree.
     *
     * @param procRoot the directory that stands for {@code /proc} (a fake tree in tests)
     * @return what was read
     */
    static HostFacts read(final Path procRoot) {
        final Map<String, Reading> m = new LinkedHashMap<>();
        m.put(NOFILE, limits(procRoot.resolve("self/limits")));
        for (final Object[] s : SYSCTLS) {
            final String name = (String) s[0];
            m.put(name, sysctl(procRoot, name, (Integer) s[1]));
        }
        final Path ct = sysctlPath(procRoot, CONNTRACK_MAX);
        final boolean conntrack = Files.exists(ct);
        if (conntrack) {
            m.put(CONNTRACK_MAX, sysctl(procRoot, CONNTRACK_MAX, 1));
            m.put(CONNTRACK_COUNT, sysctl(procRoot, CONNTRACK_COUNT, 1));
        }
        final Path meminfo = procRoot.resolve("meminfo");
        m.put(MEM_TOTAL, kbField(meminfo, MEM_TOTAL, MEM_TOTAL + ":"));
        m.put(MEM_AVAILABLE, kbField(meminfo, MEM_AVAILABLE, MEM_AVAILABLE + ":"));
        m.put(PAGE_SIZE, kbField(procRoot.resolve("self/smaps"), PAGE_SIZE, "KernelPageSize:"));
        return new HostFacts(procRoot, m, conntrack);
    }

    static Path sysctlPath(final Path procRoot, final String name) {
        return procRoot.resolve("sys").resolve(name.replace('.', '/'));
    }

    /** The tree read. */
    Path root() {
        return root;
    }

    /** Whether {@code nf_conntrack} is loaded (its sysctls exist). */
    boolean conntrack() {
        return conntrack;
    }

    /** A reading by setting name; never null for the names this class reads. */
    Reading get(final String setting) {
        final Reading r = readings.get(setting);
        if (r == null) {
            throw new IllegalArgumentException("not read: " + setting);
        }
        return r;
    }

    /** Every reading that failed. */
    List<Reading> problems() {
        final List<Reading> out = new ArrayList<>();
        for (final Reading r : readings.values()) {
            if (!r.ok()) {
                out.add(r);
            }
        }
        return out;
    }

    private static Reading sysctl(final Path procRoot, final String name, final int count) {
        final Path p = sysctlPath(procRoot, name);
        final String text;
        try {
            text = readWhole(p);
        } catch (final NoSuchFileException e) {
            return new Reading(name, p, new long[0], p + ": no such file");
        } catch (final IOException e) {
            return new Reading(name, p, new long[0], p + ": " + e.getMessage());
        }
        return numbers(name, p, text, count);
    }

    /**
     * Reads a file in one call: a sysctl file gives its whole value to the first read and EOF to a read at an offset
     * ({@code Files.readString} first reads one byte of a file whose size is 0, and would see a truncated value).
     */
    static String readWhole(final Path p) throws IOException {
        final StringBuilder sb = new StringBuilder();
        try (BufferedReader r = Files.newBufferedReader(p, StandardCharsets.ISO_8859_1)) {
            final char[] buf = new char[8192];
            for (int n = r.read(buf); n >= 0; n = r.read(buf)) {
                sb.append(buf, 0, n);
            }
        }
        return sb.toString();
    }

    private static Reading numbers(final String name, final Path p, final String text, final int count) {
        final String t = text.trim();
        final String[] tokens = t.isEmpty() ? new String[0] : t.split("\\s+");
        final long[] v = new long[tokens.length];
        boolean good = tokens.length == count;
        for (int i = 0; good && i < tokens.length; i++) {
            v[i] = parse(tokens[i]);
            good = v[i] >= 0;
        }
        if (!good) {
            return new Reading(name, p, new long[0], p + ": expected " + count + (count == 1 ? " integer" : " integers")
                + ", found '" + shorten(t) + "'");
        }
        return new Reading(name, p, v, null);
    }

    /** A non-negative decimal integer, {@code unlimited} as {@link Long#MAX_VALUE}; -1 if it is neither. */
    private static long parse(final String token) {
        if (token.equals("unlimited")) {
            return Long.MAX_VALUE;
        }
        if (token.isEmpty() || token.length() > 19 || !token.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        try {
            return Long.parseLong(token);
        } catch (final NumberFormatException e) {
            return -1; // above Long.MAX_VALUE
        }
    }

    private static String shorten(final String s) {
        final String oneLine = s.replaceAll("\\s+", " ");
        return oneLine.length() <= 60 ? oneLine : oneLine.substring(0, 57) + "...";
    }

    private static Reading limits(final Path p) {
        final String text;
        try {
            text = readWhole(p);
        } catch (final NoSuchFileException e) {
            return new Reading(NOFILE, p, new long[0], p + ": no such file");
        } catch (final IOException e) {
            return new Reading(NOFILE, p, new long[0], p + ": " + e.getMessage());
        }
        for (final String line : text.split("\n")) {
            if (line.startsWith("Max open files")) {
                final String rest = line.substring("Max open files".length()).trim();
                final String[] t = rest.split("\\s+");
                if (t.length == 3 && t[2].equals("files") && parse(t[0]) >= 0 && parse(t[1]) >= 0) {
                    return new Reading(NOFILE, p, new long[] {parse(t[0]), parse(t[1])}, null);
                }
                return new Reading(NOFILE, p, new long[0], p + ": expected 'Max open files SOFT HARD files', found '"
                    + shorten(line) + "'");
            }
        }
        return new Reading(NOFILE, p, new long[0], p + ": no 'Max open files' line");
    }

    /** A {@code NAME: N kB} line, as bytes. */
    private static Reading kbField(final Path p, final String name, final String prefix) {
        try (BufferedReader r = Files.newBufferedReader(p, StandardCharsets.ISO_8859_1)) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.startsWith(prefix)) {
                    final String[] t = line.substring(prefix.length()).trim().split("\\s+");
                    final long v = t.length == 2 && t[1].equals("kB") ? parse(t[0]) : -1;
                    if (v < 0 || v == Long.MAX_VALUE) {
                        return new Reading(name, p, new long[0], p + ": expected '" + prefix + " N kB', found '"
                            + shorten(line) + "'");
                    }
                    return new Reading(name, p, new long[] {v * 1024}, null);
                }
            }
        } catch (final NoSuchFileException e) {
            return new Reading(name, p, new long[0], p + ": no such file");
        } catch (final IOException e) {
            return new Reading(name, p, new long[0], p + ": " + e.getMessage());
        }
        return new Reading(name, p, new long[0], p + ": no '" + prefix + "' line");
    }
}
