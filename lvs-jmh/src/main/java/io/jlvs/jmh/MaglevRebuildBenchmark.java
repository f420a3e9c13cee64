package io.jlvs.jmh;

import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.net.Addresses;
import io.jlvs.core.sched.Scheduler;
import io.jlvs.core.sched.SchedulerContext;
import io.jlvs.core.sched.ServerListView;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.ServerList;
import io.jlvs.scheduler.Schedulers;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/** The {@code mh} table rebuild (what every add, remove and weight change costs) at 10, 100 and 1,000 servers. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED")
@State(Scope.Benchmark)
public class MaglevRebuildBenchmark {
    @Param({"10", "100", "1000"})
    public int servers;

    Scheduler mh;
    ServerList list;
    RealServer first;

    @Setup
    public void setUp() {
        final RealServer[] s = new RealServer[servers];
        for (int i = 0; i < servers; i++) {
            s[i] = new RealServer(RealServerConfig.builder(Addresses.ipv4(0x0a000000 + i + 1), 80).weight(1 + i % 4)
                .build());
        }
        list = ServerList.of(s);
        first = s[0];
        mh = Schedulers.create("mh", SchedulerContext.defaults());
        mh.init(list);
    }

    @Benchmark
    public ServerListView rebuild() {
        mh.onServerUpdated(list, first);
        return mh.servers();
    }
}
