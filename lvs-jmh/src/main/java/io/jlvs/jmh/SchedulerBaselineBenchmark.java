package io.jlvs.jmh;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The baseline of {@link SchedulerBenchmark}: a bare atomic counter modulo n over the same server counts. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED")
@State(Scope.Benchmark)
public class SchedulerBaselineBenchmark {
    @Param({"10", "100", "1000"})
    public int servers;

    final AtomicInteger counter = new AtomicInteger();
    Object[] list;

    @Setup(Level.Trial)
    public void setUp() {
        list = new Object[servers];
        for (int i = 0; i < servers; i++) {
            list[i] = new Object();
        }
    }

    @Benchmark
    @Threads(1)
    public Object baseline1() {
        return list[(counter.getAndIncrement() & Integer.MAX_VALUE) % servers];
    }

    @Benchmark
    @Threads(2)
    public Object baseline2() {
        return list[(counter.getAndIncrement() & Integer.MAX_VALUE) % servers];
    }
}
