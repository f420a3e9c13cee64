package io.jlvs.jmh.e2e;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.kernel.KernelDataPath;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The {@code jlvs-kernel} front of the end-to-end benchmark: the same three services as {@link JlvsFront}, with
 * {@code --forward kernel}, so nftables DNAT forwards them and JLVS is only the control plane. {@link KernelDataPath}
 * attaches under the name {@code bench}: table {@code inet jlvs_bench} (one table for IPv4 and IPv6), whose nat chain
 * on the output hook ({@code nat_out}, priority -100) DNATs the loopback client's first packets (its prerouting chain
 * {@code nat_pre} serves clients from other hosts) and whose filter chains count each server's bytes; installing it
 * also deletes an {@code ip jlvs_bench} left by a JLVS from before IPv6 kernel services. Needs root (CAP_NET_ADMIN)
 * and nft; run the benchmark inside a network namespace ({@code ip netns exec NS lvs-jmh/bench.sh}) to keep the table
 * off the host. Ends, deleting its table, when stdin closes (or, if the JVM is stopped, from its shutdown hook).
 */
public final class KernelFront {
    private KernelFront() {
    }

    /**
     * Runs the front.
     *
     * @param args front base port, backend base port, then optionally the TCP and UDP port offsets as comma lists
     *     (default {@code 0,1} and {@code 2})
     * @throws Exception on failure (printed instead of the ready line)
     */
    public static void main(final String[] args) throws Exception {
        final int front = Integer.parseInt(args[0]);
        final int back = Integer.parseInt(args[1]);
        final LoadBalancer.Builder b = LoadBalancer.builder().eventLoops(1).drainTimeout(Duration.ofSeconds(1));
        final String tcp = args.length > 2 ? args[2] : "0,1";
        final String udp = args.length > 3 ? args[3] : "2";
        for (final String k : tcp.split(",")) {
            final int i = Integer.parseInt(k.trim());
            b.service(VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", front + i)).scheduler("rr")
                .option("forward", "kernel").build(), RealServerConfig.builder("127.0.0.1", back + i).build());
        }
        for (final String k : udp.split(",")) {
            final int i = Integer.parseInt(k.trim());
            b.service(VirtualServiceConfig.builder(ServiceKey.udp("127.0.0.1", front + i)).scheduler("rr")
                .option("forward", "kernel").build(), RealServerConfig.builder("127.0.0.1", back + i).build());
        }
        final LoadBalancer lb = b.build().start();
        final KernelDataPath kernel;
        try {
            kernel = KernelDataPath.attach(lb, "bench");
        } catch (final Exception e) {
            System.out.println("failed: " + e.getMessage());
            lb.close(Duration.ZERO);
            return;
        }
        System.out.println("ready");
        System.out.flush();
        final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        while (in.readLine() != null) {
            // runs until stdin closes
        }
        kernel.close();
        lb.close(Duration.ZERO);
    }
}
