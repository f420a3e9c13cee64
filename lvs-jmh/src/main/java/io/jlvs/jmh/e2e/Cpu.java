package io.jlvs.jmh.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CPU accounting of a front from {@code /proc/PID/stat}: user plus system time ({@code utime + stime}, fields 14
 * and 15, in clock ticks) of its processes and all their descendants (nginx's workers), sampled at the start and
 * the end of the measured interval and expressed as a percentage of one core, and as seconds (for the CPU per
 * operation). A tick is 1/{@code CLK_TCK} s (10 ms at 100 Hz), so an interval's CPU is exact to a tick at each
 * end. Time of processes that exit inside the interval is not counted. Stateless.
 */
final class Cpu {
    private Cpu() {
    }

    /**
     * Reads {@code utime + stime} from one {@code /proc/PID/stat} line. The command name (field 2) is in parentheses
     * and may hold spaces and parentheses, so the fields are counted from the last {@code ')'}.
     *
     * @param stat the line
     * @return user plus system clock ticks
     * @throws IllegalArgumentException if the line is not a stat line
     */
    static long ticks(final String stat) {
        final int close = stat.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("not a /proc/PID/stat line (no ')'): " + stat);
        }
        final String[] f = stat.substring(close + 1).trim().split("\\s+");
        // f[0] is field 3 (state): utime is field 14, stime field 15
        if (f.length < 13) {
            throw new IllegalArgumentException("not a /proc/PID/stat line (" + (f.length + 2) + " fields): " + stat);
        }
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /**
     * The processes to account for a front: each process given and its live descendants.
     *
     * @param roots the front's processes
     * @return their pids and their descendants' pids
     */
    static List<Long> tree(final List<ProcessHandle> roots) {
        final List<Long> pids = new ArrayList<>();
        for (final ProcessHandle p : roots) {
            pids.add(p.pid());
            p.descendants().forEach(d -> pids.add(d.pid()));
        }
        return pids;
    }

    /**
     * Sums {@code utime + stime} over processes; a process that has gone counts nothing.
     *
     * @param pids the processes
     * @return clock ticks
     * @throws IOException if a stat file exists but cannot be read
     */
    static long sample(final List<Long> pids) throws IOException {
        long sum = 0;
        for (final long pid : pids) {
            try {
                sum += ticks(Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII));
            } catch (final NoSuchFileException gone) {
                // exited: nothing more to count
            }
        }
        return sum;
    }

    /**
     * CPU time over an interval as a percentage of one core.
     *
     * @param ticksBefore ticks at the start
     * @param ticksAfter ticks at the end
     * @param nanos the interval's wall time
     * @param clockTicksPerSecond {@code getconf CLK_TCK}
     * @return the percentage (100 = one core busy all the time)
     * @throws IllegalArgumentException if the interval is not positive or the ticks go backwards
     */
    static double percentOfCore(final long ticksBefore, final long ticksAfter, final long nanos,
        final long clockTicksPerSecond) {
        if (nanos <= 0 || clockTicksPerSecond <= 0) {
            throw new IllegalArgumentException("interval " + nanos + " ns and " + clockTicksPerSecond
                + " ticks/s must be positive");
        }
        if (ticksAfter < ticksBefore) {
            throw new IllegalArgumentException("CPU ticks went backwards: " + ticksBefore + " -> " + ticksAfter);
        }
        return (ticksAfter - ticksBefore) * 100.0 * 1e9 / clockTicksPerSecond / nanos;
    }

    /**
     * CPU time over an interval in seconds: what the front spent, to divide by the operations counted in the same
     * interval.
     *
     * @param ticksBefore ticks at the start
     * @param ticksAfter ticks at the end
     * @param clockTicksPerSecond {@code getconf CLK_TCK}
     * @return the seconds of CPU (user plus system)
     * @throws IllegalArgumentException if the clock rate is not positive or the ticks go backwards
     */
    static double seconds(final long ticksBefore, final long ticksAfter, final long clockTicksPerSecond) {
        if (clockTicksPerSecond <= 0) {
            throw new IllegalArgumentException(clockTicksPerSecond + " ticks/s must be positive");
        }
        if (ticksAfter < ticksBefore) {
            throw new IllegalArgumentException("CPU ticks went backwards: " + ticksBefore + " -> " + ticksAfter);
        }
        return (ticksAfter - ticksBefore) / (double) clockTicksPerSecond;
    }

    /**
     * The kernel's clock ticks per second ({@code getconf CLK_TCK}), 100 if it cannot be asked.
     *
     * @return ticks per second
     */
    static long clockTicksPerSecond() {
        try {
            final Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            p.waitFor();
            return Long.parseLong(out);
        } catch (final IOException | NumberFormatException e) {
            return 100;
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }
}
