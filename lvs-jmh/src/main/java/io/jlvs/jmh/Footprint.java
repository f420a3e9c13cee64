package io.jlvs.jmh;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.conn.ConnectionTable;
import io.jlvs.core.conn.PersistenceTable;
import io.jlvs.core.conn.StateTimeouts;
import io.jlvs.core.sched.MutableFlow;
import io.jlvs.core.service.VirtualService;
import io.jlvs.scheduler.Schedulers;

import java.lang.management.ManagementFactory;

/**
 * The connection table's own memory per IPv4 entry (entry plus index) with 1,000,000 entries: heap in use after a
 * full collection, before and after filling a table, divided by the entry count. Run with
 * {@code java -cp lvs-jmh/target/benchmarks.jar io.jlvs.jmh.Footprint}.
 */
public final class Footprint {
    private Footprint() {
    }

    static long usedAfterGc() throws InterruptedException {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(100);
            best = Math.min(best, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return best;
    }

    /**
     * Prints the figure.
     *
     * @param args entry count (default 1,000,000)
     * @throws InterruptedException if interrupted
     */
    public static void main(final String[] args) throws InterruptedException {
        final int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        final VirtualService service = new VirtualService(VirtualServiceConfig.builder(ServiceKey.udp("10.255.0.1",
            53)).scheduler("rr").build(), Schedulers.create("rr"));
        for (int i = 1; i <= 8; i++) {
            service.addServer(RealServerConfig.builder("10.0.0." + i, 53).build());
        }
        final MutableFlow flow = new MutableFlow();
        final StateTimeouts timeouts = new StateTimeouts();
        final PersistenceTable persistence = new PersistenceTable();
        final long before = usedAfterGc();
        final ConnectionTable table = new ConnectionTable(timeouts, persistence, null, 0, 16, 0);
        for (int i = 0; i < n; i++) {
            final int ca = 0xc0000000 | (i >>> 4);
            final int cp = 1024 + (i & 15);
            flow.setIpv4(Protocol.UDP, ca, cp, 0x0aff0001, 53);
            table.open(service, flow, Protocol.UDP, ca, cp, 0x0aff0001, 53, 1);
        }
        final long after = usedAfterGc();
        System.out.printf("connection table: %d IPv4 entries, %d index buckets, %.1f bytes per entry (entry + index)%n",
            table.size(), table.capacity(), (after - before) / (double) n);
        if (table.size() != n) {
            throw new IllegalStateException("table holds " + table.size());
        }
    }
}
