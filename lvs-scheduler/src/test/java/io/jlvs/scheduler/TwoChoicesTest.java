package io.jlvs.scheduler;

import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.net.Addresses;
import io.jlvs.core.sched.Flow;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.ServerList;
import io.jlvs.core.service.VirtualService;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TwoChoicesTest {
    @Test
    void shouldWalkWeightsWithInclusiveRandomsAndKeepChoiceOneOnTie() {
        final Fixture f = new Fixture("twos");
        f.add("A", 2);
        f.add("B", 1);
        f.add("C", 3); // list C(3) B(1) A(2), total 6, randoms in [0, 6]
        f.randoms.add(0);
        f.randoms.add(6);
        assertEquals("C", f.picks(1)); // r1 = 0 -> C; r2 = 6 -> A; equal load keeps choice 1
        Fixture.load(f.server("C"), 1, 0);
        f.randoms.add(3);
        f.randoms.add(5);
        assertEquals("A", f.picks(1)); // r1 3 -> C (3-3=0), r2 5 -> A; C 256*2 > A 0*3
        f.randoms.add(4);
        f.randoms.add(4);
        assertEquals("B", f.picks(1));
    }

    @Test
    void shouldSkipExcludedAndFailWhenEmpty() {
        final Fixture f = new Fixture("twos");
        assertEquals("-", f.picks(1));
        f.add("A", 0);
        f.add("B", 1);
        f.randoms.add(1);
        f.randoms.add(0);
        assertEquals("B", f.picks(1));
    }

    /**
     * The guide-table lookup against the kernel's subtracting walk, for every draw in [0, total]: with equal loads
     * the first choice wins, so the pick is the server the walk stops at for r1.
     */
    @Test
    void shouldStopWhereTheKernelWalkStopsForEveryDraw() {
        final SplittableRandom rnd = new SplittableRandom(42);
        final int[] draw = new int[1];
        for (int round = 0; round < 60; round++) {
            final VirtualService service = new VirtualService(VirtualServiceConfig.builder(ServiceKey.tcp("10.255.0.1",
                80)).scheduler("twos").build(), Schedulers.registry(), System::nanoTime, bound -> {
                    if (draw[0] >= bound) {
                        throw new AssertionError(draw[0] + " outside [0, " + bound + ")");
                    }
                    return draw[0];
                });
            final int n = 1 + rnd.nextInt(round < 30 ? 8 : 300);
            for (int i = 0; i < n; i++) {
                final int kind = rnd.nextInt(10);
                final int w = kind == 0 ? 0 : kind == 1 ? 1 + rnd.nextInt(5000) : rnd.nextInt(12);
                service.addServer(RealServerConfig.builder(Addresses.ipv4(0x0a000001 + i), 80).weight(w).build());
            }
            final ServerList list = service.servers();
            int total = 0;
            for (int i = 0; i < list.size(); i++) {
                total += list.get(i).weight();
            }
            final Flow flow = Fixture.client("192.168.0.1", 40000);
            for (int r = 0; r <= total; r++) {
                draw[0] = r;
                assertEquals(kernelWalk(list, r), service.schedule(flow), "round " + round + ", draw " + r);
            }
        }
    }

    private static RealServer kernelWalk(final ServerList list, final int r) {
        int left = r;
        for (int i = 0; i < list.size(); i++) {
            final RealServer d = list.get(i);
            if (d.weight() > 0) {
                left -= d.weight();
                if (left <= 0) {
                    return d;
                }
            }
        }
        return null;
    }
}
