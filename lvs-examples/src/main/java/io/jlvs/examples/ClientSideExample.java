package io.jlvs.examples;

import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.sched.Flows;
import io.jlvs.core.service.Lease;
import io.jlvs.core.service.VirtualService;
import io.jlvs.scheduler.Schedulers;

import java.util.ArrayList;
import java.util.List;

/**
 * Sample: balancing an application's own connections with no proxy. The pool is a {@link VirtualService} with a
 * scheduler of its own; each call takes a {@link Lease} that counts as an active connection of the chosen server
 * until it is closed, so least-connection scheduling sees the application's real load.
 *
 * <p>Not thread-safe (a sample); the pool itself is thread-safe.
 */
public final class ClientSideExample {
    private final VirtualService pool;

    /**
     * A pool of database replicas balanced by weighted least connection.
     *
     * @param replicas {@code address:port} of each replica, numeric
     */
    public ClientSideExample(final String... replicas) {
        pool = new VirtualService(VirtualServiceConfig.builder(ServiceKey.tcp("0.0.0.0", 5432)).scheduler("wlc")
            .build(), Schedulers.create("wlc"));
        for (final String r : replicas) {
            final int colon = r.lastIndexOf(':');
            pool.addServer(RealServerConfig.builder(r.substring(0, colon), Integer.parseInt(r.substring(colon + 1)))
                .build());
        }
    }

    /**
     * Runs queries: each holds a lease while it runs.
     *
     * @param concurrent how many run at once
     * @return the replica each query used
     * @throws io.jlvs.core.service.NoServerAvailableException when no replica is eligible (leases taken so far
     *     are closed first)
     */
    public List<String> runQueries(final int concurrent) {
        final List<Lease> running = new ArrayList<>();
        final List<String> used = new ArrayList<>();
        try {
            for (int i = 0; i < concurrent; i++) {
                final Lease l = pool.acquire(Flows.ofKey("query-" + i));
                used.add(l.server().addressAndPort());
                running.add(l); // a real application connects to l.server().socketAddress() here
            }
        } finally {
            for (final Lease l : running) {
                l.close();
            }
        }
        return used;
    }

    /**
     * The pool.
     *
     * @return the pool
     */
    public VirtualService pool() {
        return pool;
    }
}
