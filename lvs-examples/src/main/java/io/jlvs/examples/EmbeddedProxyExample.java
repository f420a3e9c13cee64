package io.jlvs.examples;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;

import java.io.IOException;
import java.time.Duration;

/**
 * Sample: an application fronting its own pool of backends with the builder API: weighted round robin over three
 * servers, TCP health checks, and sticky clients (persistence by /24 for ten minutes).
 *
 * <p>Not thread-safe (a sample).
 */
public final class EmbeddedProxyExample {
    private EmbeddedProxyExample() {
    }

    /**
     * Starts a director on 127.0.0.1:{@code port} in front of backends on 127.0.0.1.
     *
     * @param port the virtual port
     * @param backendPorts the backends' ports, weights 1, 2, 3, ...
     * @return the running director; close it to drain
     * @throws IOException if the port cannot be bound
     */
    public static LoadBalancer start(final int port, final int... backendPorts) throws IOException {
        final ServiceKey key = ServiceKey.tcp("127.0.0.1", port);
        final LoadBalancer.Builder b = LoadBalancer.builder()
            .eventLoops(2)
            .connectTimeout(Duration.ofSeconds(2))
            .drainTimeout(Duration.ofSeconds(5))
            .service(VirtualServiceConfig.builder(key)
                .scheduler("wrr")
                .persistent(600).prefixLength(24)
                .option("check", "tcp").option("check-interval", "1000")
                .build());
        for (int i = 0; i < backendPorts.length; i++) {
            b.server(key, RealServerConfig.builder("127.0.0.1", backendPorts[i]).weight(i + 1).build());
        }
        return b.build().start();
    }
}
