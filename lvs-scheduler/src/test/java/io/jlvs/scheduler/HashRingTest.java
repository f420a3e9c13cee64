package io.jlvs.scheduler;

import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.net.Addresses;
import io.jlvs.core.sched.Flows;
import io.jlvs.core.sched.RandomSource;
import io.jlvs.core.service.VirtualService;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HashRingTest {
    /** The guide-table lookup against a plain scan for the first point at or after the key's hash. */
    @Test
    void shouldLocateTheFirstPointAtOrAfterTheKey() {
        final SplittableRandom rnd = new SplittableRandom(7);
        for (final int[] shape : new int[][] {{1, 1}, {2, 1}, {3, 1}, {5, 3}, {40, 16}, {300, 160}}) {
            final VirtualService service = new VirtualService(VirtualServiceConfig.builder(ServiceKey.tcp(
                "10.255.0.1", 80)).scheduler("rr").build(), Schedulers.registry(), System::nanoTime,
                RandomSource.THREAD_LOCAL);
            for (int i = 0; i < shape[0]; i++) {
                service.addServer(RealServerConfig.builder(Addresses.ipv4(0x0a000001 + i), 80).weight(1 + i % 3)
                    .build());
            }
            final HashRing ring = HashRing.build(service.servers(), shape[1]);
            for (int t = 0; t < 20_000; t++) {
                final long key = t < 4 ? new long[] {0, -1, Long.MIN_VALUE, Long.MAX_VALUE}[t] : rnd.nextLong();
                assertEquals(scan(ring.points, Flows.mix64(key) ^ Long.MIN_VALUE), ring.locate(key),
                    shape[0] + " servers, key " + key);
            }
        }
    }

    private static int scan(final long[] points, final long k) {
        for (int i = 0; i < points.length; i++) {
            if (points[i] >= k) {
                return i;
            }
        }
        return 0;
    }
}
