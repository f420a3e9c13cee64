package io.jlvs.jmh;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.conn.Connection;
import io.jlvs.core.conn.ConnectionTable;
import io.jlvs.core.conn.PersistenceTable;
import io.jlvs.core.conn.StateTimeouts;
import io.jlvs.core.sched.MutableFlow;
import io.jlvs.core.service.VirtualService;
import io.jlvs.scheduler.Schedulers;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The connection table's operations on a table of 1,000,000 IPv4 UDP flows: lookup, insert plus remove, activity
 * (the per-datagram count-and-re-arm), and expiry; beside a {@link ConcurrentHashMap} keyed by a boxed 64-bit flow
 * key (what a straightforward Java table would use) measured in the same run.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx4g"})
@State(Scope.Benchmark)
public class ConnectionTableBenchmark {
    static final int N = 1_000_000;
    static final int VIP = 0x0aff0001;

    ConnectionTable table;
    VirtualService service;
    final MutableFlow flow = new MutableFlow();
    Connection[] entries;
    ConcurrentHashMap<Long, Object> chm;
    int next;
    long now = 1_000_000_000L;
    int churn = N;

    @Setup(Level.Trial)
    public void setUp() {
        service = new VirtualService(VirtualServiceConfig.builder(ServiceKey.udp("10.255.0.1", 53)).scheduler("rr")
            .build(), Schedulers.create("rr"));
        for (int i = 1; i <= 8; i++) {
            service.addServer(RealServerConfig.builder("10.0.0." + i, 53).build());
        }
        table = new ConnectionTable(new StateTimeouts(), new PersistenceTable(), null, 1, N, now);
        entries = new Connection[N];
        chm = new ConcurrentHashMap<>(N * 2);
        for (int i = 0; i < N; i++) {
            entries[i] = open(client(i), port(i));
            chm.put(key(client(i), port(i)), entries[i]);
        }
    }

    static int client(final int i) {
        return 0xc0000000 | (i >>> 4);
    }

    static int port(final int i) {
        return 1024 + (i & 15);
    }

    static long key(final int addr, final int port) {
        return (addr & 0xffffffffL) << 16 | port;
    }

    Connection open(final int ca, final int cp) {
        flow.setIpv4(Protocol.UDP, ca, cp, VIP, 53);
        return table.open(service, flow, Protocol.UDP, ca, cp, VIP, 53, now);
    }

    @Benchmark
    public Connection lookup() {
        final int i = next++ % N;
        return table.lookup(Protocol.UDP, client(i), port(i), VIP, 53);
    }

    @Benchmark
    public Object lookupBaselineChm() {
        final int i = next++ % N;
        return chm.get(key(client(i), port(i)));
    }

    @Benchmark
    public Connection insertAndRemove() {
        final int i = churn++;
        final Connection c = open(client(i), port(i));
        table.remove(c);
        return c;
    }

    @Benchmark
    public Object insertAndRemoveBaselineChm() {
        final int i = churn++;
        final Long k = key(client(i), port(i));
        chm.put(k, entries[i % N]);
        return chm.remove(k);
    }

    @Benchmark
    public Connection activity() {
        final Connection c = entries[next++ % N];
        table.countIn(c, 64, ++now);
        return c;
    }

    /** Expires one entry and opens a replacement, so the table stays at a million. */
    @Benchmark
    public int expireOne() {
        now += 1_000_000L;
        final int expired = table.expire(now + TimeUnit.SECONDS.toNanos(300), 1);
        final int i = churn++;
        open(client(i), port(i));
        return expired;
    }
}
