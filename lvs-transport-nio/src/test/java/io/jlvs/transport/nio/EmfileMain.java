package io.jlvs.transport.nio;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A director for a child JVM started under a low {@code ulimit -n}: forwards a VIP to the backend port given as
 * the argument, prints {@code READY <vip port> <open fds>}, then answers each line on stdin with its counters and
 * health, and exits 0 when stdin closes.
 */
public final class EmfileMain {
    private EmfileMain() {
    }

    /**
     * Runs the director.
     *
     * @param args the backend port
     * @throws Exception on failure
     */
    public static void main(final String[] args) throws Exception {
        final int backend = Integer.parseInt(args[0]);
        final int vport = Backend.freePort();
        final LoadBalancer lb = LoadBalancer.builder().eventLoops(1).transport(new NioTransport())
            .service(VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", vport)).build(),
                RealServerConfig.builder("127.0.0.1", backend).build()).build().start();
        final String[] fds = new File("/proc/self/fd").list();
        System.out.println("READY " + vport + " " + (fds == null ? -1 : fds.length));
        final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            System.out.println("COUNTERS " + lb.counters() + " HEALTH " + lb.health() + " LIVE "
                + lb.liveConnections());
        }
        lb.close(Duration.ZERO);
        System.exit(0);
    }
}
