package io.jlvs.jmh.e2e;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where a JLVS front's time went, from a JFR recording: the methods on top of the stack in the CPU samples
 * ({@code jdk.ExecutionSample}, threads running Java code) by count (self), the methods anywhere on those stacks
 * (total), the samples per thread, and separately the top Java frames of the native samples
 * ({@code jdk.NativeMethodSample}: threads in native code, including system calls made through the Foreign Function
 * API and threads blocked in {@code epoll_wait}, so those are not all CPU). On JDK 25 and later the recording also has
 * {@code jdk.CPUTimeSample} (the CPU-time sampler, JEP 509, experimental, enabled by {@link JlvsFront}): samples
 * taken per CPU time a thread consumed, in Java or native code, so the one table of where CPU went including system
 * calls made through the Foreign Function API; it is summarised first when present. Reads the file with
 * {@link RecordingFile} of the JDK it runs on, so it is run by the JDK that wrote the recording. Stateless.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.jlvs.jmh.e2e.JfrSummary FILE.jfr [TOP]}.
 */
public final class JfrSummary {
    /** The CPU sample event: a thread running Java code. */
    static final String EXECUTION = "jdk.ExecutionSample";
    /** The native sample event: a thread in native code (or blocked in a system call). */
    static final String NATIVE = "jdk.NativeMethodSample";
    /** The CPU-time sample event of JDK 25+: per CPU time consumed, Java and native code. */
    static final String CPU_TIME = "jdk.CPUTimeSample";
    /** What the CPU-time sampler could not take. */
    static final String CPU_TIME_LOST = "jdk.CPUTimeSamplesLost";
    private static final Pattern HIDDEN_SUFFIX = Pattern.compile("[./]0x[0-9a-fA-F]+$");
    private static final Pattern HIDDEN = Pattern.compile("(.*[./])?0x[0-9a-fA-F]+");

    private JfrSummary() {
    }

    /** Counts of one kind of sample; filled by one thread, then read. */
    static final class Counts {
        private int samples;
        private long lost;
        private final Map<String, Integer> self = new HashMap<>();
        private final Map<String, Integer> total = new HashMap<>();
        private final Map<String, Integer> threads = new HashMap<>();

        /**
         * Counts one sample.
         *
         * @param thread the sampled thread's name
         * @param stack its frames, top first
         */
        void add(final String thread, final List<String> stack) {
            samples++;
            if (!stack.isEmpty()) {
                self.merge(stack.get(0), 1, Integer::sum);
            }
            final Set<String> seen = new HashSet<>();
            for (final String m : stack) {
                if (seen.add(m)) {
                    total.merge(m, 1, Integer::sum);
                }
            }
            threads.merge(thread, 1, Integer::sum);
        }

        int samples() {
            return samples;
        }

        /** {@return samples the sampler reported lost (jdk.CPUTimeSamplesLost), all threads} */
        long lost() {
            return lost;
        }

        Map<String, Integer> self() {
            return self;
        }

        Map<String, Integer> total() {
            return total;
        }

        Map<String, Integer> threads() {
            return threads;
        }
    }

    /**
     * A method as the tables show it: class without its package (and without the address of a hidden class),
     * then the method name.
     *
     * @param type the fully qualified class name
     * @param method the method name
     * @return for example {@code EpollLoop.run}
     */
    static String frameName(final String type, final String method) {
        final String t = HIDDEN_SUFFIX.matcher(type).replaceFirst("");
        final int dot = t.lastIndexOf('.');
        return (dot < 0 ? t : t.substring(dot + 1)) + "." + method;
    }

    /**
     * Whether a frame is call plumbing rather than a place time is spent: method-handle and lambda forms, the
     * Foreign Function API's downcall stubs, hidden classes.
     *
     * @param type the fully qualified class name
     * @return true for plumbing
     */
    static boolean plumbing(final String type) {
        return type.startsWith("java.lang.invoke.") || type.startsWith("jdk.internal.foreign.abi.")
            || HIDDEN.matcher(type).matches();
    }

    /**
     * The stack as the tables count it: plumbing frames on top are folded into the first frame below them, marked
     * {@code [native]} (a downcall into native code: for the epoll transport a system call), other plumbing frames
     * are left out.
     *
     * @param types the frames' class names, top first
     * @param methods the frames' method names, top first
     * @return the frame names, top first
     */
    static List<String> fold(final List<String> types, final List<String> methods) {
        final List<String> out = new ArrayList<>();
        boolean topPlumbing = false;
        for (int i = 0; i < types.size(); i++) {
            if (plumbing(types.get(i))) {
                topPlumbing |= out.isEmpty();
                continue;
            }
            final String name = frameName(types.get(i), methods.get(i));
            out.add(out.isEmpty() && topPlumbing ? name + " [native]" : name);
        }
        return out;
    }

    /**
     * The entries with the highest counts, highest first, ties by name.
     *
     * @param counts the counts
     * @param n how many at most
     * @return up to {@code n} entries
     */
    static List<Map.Entry<String, Integer>> top(final Map<String, Integer> counts, final int n) {
        final List<Map.Entry<String, Integer>> e = new ArrayList<>(counts.entrySet());
        e.sort((a, b) -> a.getValue().equals(b.getValue()) ? a.getKey().compareTo(b.getKey())
            : Integer.compare(b.getValue(), a.getValue()));
        return e.subList(0, Math.min(n, e.size()));
    }

    /**
     * Reads the samples of a recording.
     *
     * @param jfr the recording
     * @return the CPU samples, the native samples, then the CPU-time samples (none before JDK 25)
     * @throws IOException if the file cannot be read as a recording
     */
    static Counts[] read(final Path jfr) throws IOException {
        return read(jfr, Set.of());
    }

    /**
     * Reads the samples of a recording, leaving out those of some threads.
     *
     * @param jfr the recording
     * @param skipThreads names of threads whose samples are left out
     * @return the CPU samples, the native samples, then the CPU-time samples (none before JDK 25)
     * @throws IOException if the file cannot be read as a recording
     */
    static Counts[] read(final Path jfr, final Set<String> skipThreads) throws IOException {
        final Counts exec = new Counts();
        final Counts nat = new Counts();
        final Counts cpu = new Counts();
        try (RecordingFile f = new RecordingFile(jfr)) {
            while (f.hasMoreEvents()) {
                final RecordedEvent e = f.readEvent();
                final String type = e.getEventType().getName();
                if (type.equals(CPU_TIME_LOST)) {
                    cpu.lost += e.getInt("lostSamples");
                    continue;
                }
                final Counts into = type.equals(EXECUTION) ? exec : type.equals(NATIVE) ? nat
                    : type.equals(CPU_TIME) ? cpu : null;
                if (into == null) {
                    continue;
                }
                final RecordedThread t = e.getThread(e.hasField("sampledThread") ? "sampledThread" : "eventThread");
                final String thread = t == null ? "?" : t.getJavaName() != null ? t.getJavaName() : t.getOSName();
                if (skipThreads.contains(thread)) {
                    continue;
                }
                final List<String> types = new ArrayList<>();
                final List<String> methods = new ArrayList<>();
                final RecordedStackTrace st = e.getStackTrace();
                if (st != null) {
                    for (final RecordedFrame fr : st.getFrames()) {
                        final RecordedMethod m = fr.getMethod();
                        if (m != null) {
                            types.add(m.getType().getName());
                            methods.add(m.getName());
                        }
                    }
                }
                final List<String> stack = fold(types, methods);
                into.add(thread, stack);
            }
        }
        return new Counts[] {exec, nat, cpu};
    }

    /**
     * Renders the summary: when there are CPU-time samples, their top methods (self and total) and samples per
     * thread; then the same of the execution samples, and the native samples' top frames.
     *
     * @param title a heading line (front and row)
     * @param c the samples as {@link #read} returns them
     * @param n rows per table
     * @return plain text
     */
    static String render(final String title, final Counts[] c, final int n) {
        final StringBuilder sb = new StringBuilder(title).append('\n');
        sb.append(String.format(Locale.ROOT, "CPU samples (%s): %d; native samples (%s): %d; CPU-time samples "
            + "(%s): %s%n", EXECUTION, c[0].samples(), NATIVE, c[1].samples(), CPU_TIME, c[2].samples() == 0
            ? "none (JDK 25+)" : c[2].samples() + " (" + c[2].lost() + " lost)"));
        if (c[2].samples() > 0) {
            sb.append("\n== CPU time, Java and native code (").append(CPU_TIME).append(") ==\n");
            methods(sb, c[2], n);
        }
        sb.append("\n== Java code only (").append(EXECUTION).append(") ==\n");
        methods(sb, c[0], n);
        sb.append("\nNative samples by top Java frame (in native code or a system call; blocked waits included):\n");
        for (final Map.Entry<String, Integer> e : top(c[1].self(), n)) {
            sb.append(String.format(Locale.ROOT, "%7d %5.1f%%  %s%n", e.getValue(), pct(e.getValue(),
                c[1].samples()), e.getKey()));
        }
        return sb.toString();
    }

    private static void methods(final StringBuilder sb, final Counts exec, final int n) {
        sb.append("Top methods (self = on top of the stack, total = anywhere on it):\n");
        sb.append(String.format(Locale.ROOT, "%7s %6s %7s %6s  %s%n", "self", "self%", "total", "total%", "method"));
        for (final Map.Entry<String, Integer> e : top(exec.self(), n)) {
            final int total = exec.total().getOrDefault(e.getKey(), 0);
            sb.append(String.format(Locale.ROOT, "%7d %5.1f%% %7d %5.1f%%  %s%n", e.getValue(),
                pct(e.getValue(), exec.samples()), total, pct(total, exec.samples()), e.getKey()));
        }
        sb.append("\nTop methods by total:\n");
        for (final Map.Entry<String, Integer> e : top(exec.total(), n)) {
            sb.append(String.format(Locale.ROOT, "%7d %5.1f%%  %s%n", e.getValue(), pct(e.getValue(),
                exec.samples()), e.getKey()));
        }
        sb.append("\nSamples by thread:\n");
        for (final Map.Entry<String, Integer> e : top(exec.threads(), n)) {
            sb.append(String.format(Locale.ROOT, "%7d %5.1f%%  %s%n", e.getValue(), pct(e.getValue(),
                exec.samples()), e.getKey()));
        }
    }

    private static double pct(final int v, final int of) {
        return of == 0 ? 0 : v * 100.0 / of;
    }

    /**
     * Summarises a recording.
     *
     * @param title the heading line
     * @param jfr the recording
     * @param n rows per table
     * @return plain text
     * @throws IOException if the file cannot be read as a recording
     */
    static String summarize(final String title, final Path jfr, final int n) throws IOException {
        return render(title, read(jfr), n);
    }

    /**
     * Prints the summary of a recording.
     *
     * @param args the recording, then optionally the rows per table (default 15)
     * @throws IOException if the file cannot be read
     */
    public static void main(final String[] args) throws IOException {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: JfrSummary FILE.jfr [TOP]");
            System.exit(2);
            return;
        }
        System.out.print(summarize(args[0], Path.of(args[0]), args.length > 1 ? Integer.parseInt(args[1]) : 15));
    }
}
