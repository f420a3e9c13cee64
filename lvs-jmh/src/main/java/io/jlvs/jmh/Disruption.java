package io.jlvs.jmh;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.net.Addresses;
import io.jlvs.core.sched.Flow;
import io.jlvs.core.sched.MutableFlow;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.VirtualService;
import io.jlvs.scheduler.Schedulers;

/**
 * How many keys move when one of 10 servers is removed, over 1,000,000 keys, for {@code sh}, {@code mh},
 * {@code ring} and {@code rendezvous}: the removed server's tenth must move; an ideal scheme moves nothing else.
 * Run with {@code java -cp lvs-jmh/target/benchmarks.jar io.jlvs.jmh.Disruption}.
 */
public final class Disruption {
    private Disruption() {
    }

    /**
     * Prints one line per scheduler.
     *
     * @param args key count (default 1,000,000)
     */
    public static void main(final String[] args) {
        final int keys = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        for (final String name : new String[] {"sh", "mh", "ring", "rendezvous"}) {
            final VirtualService svc = new VirtualService(VirtualServiceConfig.builder(ServiceKey.tcp("10.255.0.1",
                80)).scheduler(name).build(), Schedulers.create(name));
            for (int i = 1; i <= 10; i++) {
                svc.addServer(RealServerConfig.builder("10.0.0." + i, 80).build());
            }
            final RealServer[] before = new RealServer[keys];
            final MutableFlow flow = new MutableFlow();
            for (int k = 0; k < keys; k++) {
                before[k] = svc.schedule(flow(flow, k));
            }
            final RealServer removed = svc.servers().get(4);
            svc.removeServer(removed.address(), removed.port());
            int moved = 0;
            int hadRemoved = 0;
            for (int k = 0; k < keys; k++) {
                final RealServer now = svc.schedule(flow(flow, k));
                if (before[k] == removed) {
                    hadRemoved++;
                } else if (now != before[k]) {
                    moved++;
                }
            }
            System.out.printf("%-10s keys on the removed server: %5.2f %%  other keys moved: %6.2f %%  total moved: "
                + "%6.2f %%%n", name, 100.0 * hadRemoved / keys, 100.0 * moved / keys,
                100.0 * (moved + hadRemoved) / keys);
        }
    }

    private static Flow flow(final MutableFlow f, final int k) {
        // distinct client addresses (what sh and mh hash) and a key derived from them (what ring and rendezvous
        // hash)
        return f.setIpv4(Protocol.TCP, 0x0b000000 + k * 7919, 40000, Addresses.fold(Addresses.parseLiteral(
            "10.255.0.1")), 80);
    }
}
