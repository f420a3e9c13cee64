package io.jlvs.jmh;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.net.Addresses;
import io.jlvs.core.sched.Flow;
import io.jlvs.core.sched.Flows;
import io.jlvs.core.sched.SchedulerContext;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.VirtualService;
import io.jlvs.scheduler.Schedulers;
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

/**
 * One pick of every scheduler over 10, 100 and 1,000 servers (weights 1..8, a few connections each), with 1 and 2
 * threads, beside the baseline ({@link SchedulerBaselineBenchmark}: a bare atomic counter modulo n, run in the same
 * JMH invocation with {@code -e none Scheduler}). Flows rotate over 4,096 client addresses.
 * Run with {@code -prof gc} for the allocation figures.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED")
@State(Scope.Benchmark)
public class SchedulerBenchmark {
    @Param({"rr", "wrr", "lc", "wlc", "sed", "nq", "dh", "sh", "lblc", "lblcr", "mh", "fo", "ovf", "twos", "swrr",
        "p2c", "peak-ewma", "ring", "rendezvous", "bounded"})
    public String scheduler;

    @Param({"10", "100", "1000"})
    public int servers;

    VirtualService service;
    RealServer[] list;
    Flow[] flows;

    @Setup(Level.Trial)
    public void setUp() {
        service = new VirtualService(VirtualServiceConfig.builder(ServiceKey.tcp("10.255.0.1", 80))
            .scheduler(scheduler).build(), Schedulers.create(scheduler, SchedulerContext.defaults()));
        list = new RealServer[servers];
        for (int i = 0; i < servers; i++) {
            list[i] = service.addServer(RealServerConfig.builder(Addresses.ipv4(0x0a000000 + i + 1), 80)
                .weight(1 + i % 8).build());
            for (int c = 0; c < i % 5; c++) {
                list[i].bindConnection();
            }
        }
        flows = new Flow[4096];
        for (int i = 0; i < flows.length; i++) {
            flows[i] = Flows.of(Protocol.TCP, Addresses.ipv4(0xc0a80000 + i), 1024 + i, Addresses.ipv4(0x0aff0001),
                80);
        }
    }

    /** Per thread: which flow is next. */
    @State(Scope.Thread)
    public static class Cursor {
        int i;
    }

    @Benchmark
    @Threads(1)
    public Object pick1(final Cursor c) {
        return service.schedule(flows[c.i++ & 4095]);
    }

    @Benchmark
    @Threads(2)
    public Object pick2(final Cursor c) {
        return service.schedule(flows[c.i++ & 4095]);
    }
}
