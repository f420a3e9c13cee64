package io.jlvs.jmh;

import io.jlvs.core.config.DirectorConfig;
import io.jlvs.core.config.Extensions;
import io.jlvs.core.rules.RulesParser;
import io.jlvs.core.stats.RateEstimator;
import io.jlvs.core.stats.StatsCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Rules parsing of a 10,000-line file (100 services of 99 servers), the rate estimator step, and the striped
 * statistics counter beside a single shared AtomicLong (2 threads).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED")
@State(Scope.Benchmark)
public class MiscBenchmark {
    String rules;
    final RulesParser parser = RulesParser.withExtensions(Extensions.transport());
    final RateEstimator estimator = new RateEstimator();
    final StatsCounters striped = new StatsCounters(2);
    final AtomicLong shared = new AtomicLong();
    long counter;

    @Setup
    public void setUp() {
        final StringBuilder sb = new StringBuilder();
        for (int s = 0; s < 100; s++) {
            sb.append("-A -t 10.0.").append(s).append(".1:80 -s wlc -p 300\n");
            for (int r = 0; r < 99; r++) {
                sb.append("-a -t 10.0.").append(s).append(".1:80 -r 192.168.").append(s).append('.').append(r + 2)
                    .append(":8080 -m -w ").append(1 + r % 10).append('\n');
            }
        }
        rules = sb.toString();
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public DirectorConfig parseTenThousandLines() {
        return parser.load(rules, DirectorConfig.EMPTY, n -> true).config();
    }

    @Benchmark
    public long estimatorStep() {
        counter += 1000;
        estimator.update(counter, counter * 3, counter * 3, counter * 1000, counter * 2000);
        return estimator.cps();
    }

    /** Per thread: its stripe. */
    @State(Scope.Thread)
    public static class Stripe {
        static final AtomicLong IDS = new AtomicLong();
        final int id = (int) IDS.getAndIncrement();
    }

    @Benchmark
    @Threads(2)
    public void stripedCounters(final Stripe s) {
        striped.addIn(s.id, 1, 1500);
    }

    @Benchmark
    @Threads(2)
    public void sharedAtomicBaseline() {
        shared.addAndGet(1500);
    }
}
