package io.jlvs.jmh.e2e;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * JLVS as a front in a process of its own: TCP services on {@code front}, {@code front+1} forwarding to the
 * backend's source and request/response ports, and UDP {@code front+2} to its echo; one real server each (rr).
 * Prints {@code ready}; on the line {@code heap} prints the heap in use after a full collection.
 */
public final class JlvsFront {
    private JlvsFront() {
    }

    /**
     * Runs the front.
     *
     * @param args front base port, backend base port, event loops, optional buffer size
     * @throws Exception on failure
     */
    public static void main(final String[] args) throws Exception {
        final int front = Integer.parseInt(args[0]);
        final int back = Integer.parseInt(args[1]);
        final int loops = Integer.parseInt(args[2]);
        final LoadBalancer.Builder b = LoadBalancer.builder().eventLoops(loops).drainTimeout(Duration.ofSeconds(1));
        b.options().maxPooledBuffers(64);
        if (args.length > 3) {
            b.bufferSize(Integer.parseInt(args[3]));
        }
        for (int i = 0; i < 2; i++) {
            b.service(VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", front + i)).scheduler("rr").build(),
                RealServerConfig.builder("127.0.0.1", back + i).build());
        }
        b.service(VirtualServiceConfig.builder(ServiceKey.udp("127.0.0.1", front + 2)).scheduler("rr").build(),
            RealServerConfig.builder("127.0.0.1", back + 2).build());
        b.timeouts(0, 0, 30);
        final LoadBalancer lb = b.build().start();
        System.out.println("ready");
        System.out.flush();
        final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        for (String l = in.readLine(); l != null; l = in.readLine()) {
            if (l.equals("heap")) {
                long best = Long.MAX_VALUE;
                for (int i = 0; i < 5; i++) {
                    System.gc();
                    Thread.sleep(100);
                    best = Math.min(best, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
                }
                System.out.println("heap " + best + " live " + lb.liveConnections());
                System.out.flush();
            }
        }
        lb.close(Duration.ZERO);
    }
}
