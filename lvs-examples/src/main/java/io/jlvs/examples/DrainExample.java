package io.jlvs.examples;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.VirtualService;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Sample: taking a server out for maintenance without cutting anyone off. Weight 0 stops new connections (live ones
 * continue); once its active connections are gone (or a deadline passes) the server is removed.
 *
 * <p>Not thread-safe (a sample).
 */
public final class DrainExample {
    private DrainExample() {
    }

    /**
     * Drains and removes a server.
     *
     * @param lb the director
     * @param key the service
     * @param address the server's address literal
     * @param port the server's port
     * @param deadline how long to wait for its connections to end
     * @return the active connections it still had when it was removed
     * @throws java.io.IOException never for numeric addresses
     */
    public static int drainAndRemove(final LoadBalancer lb, final ServiceKey key, final String address,
        final int port, final Duration deadline) throws java.io.IOException {
        lb.weight(key, address, port, 0);
        final VirtualService svc = lb.services().service(key);
        final InetAddress a = InetAddress.getByName(address);
        final RealServer server = svc.members().get(svc.members().indexOf(a, port));
        final long end = System.nanoTime() + deadline.toNanos();
        while (server.activeConns() > 0 && System.nanoTime() - end < 0) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        final int left = server.activeConns();
        lb.deleteServer(key, a, port);
        return left;
    }
}
