package io.jlvs.core;

import io.jlvs.core.net.Protocol;

import io.jlvs.core.listing.ConnectionSnapshot;
import io.jlvs.core.transport.DirectorRuntime;
import io.jlvs.core.transport.FlowImport;
import io.jlvs.core.transport.FlowImportResult;
import io.jlvs.core.transport.Transport;
import io.jlvs.core.transport.TransportEngine;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A transport without flow import: {@link LoadBalancer#importFlows} takes nothing and counts every flow. */
class ImportFlowsDefaultTest {
    /** An engine that keeps every default: no flow import. */
    private static final class Plain implements TransportEngine {
        @Override
        public void close(final long drainNanos) {
        }

        @Override
        public List<ConnectionSnapshot> connections() {
            return List.of();
        }

        @Override
        public int connectionTableSize() {
            return 0;
        }

        @Override
        public int liveConnections() {
            return 0;
        }

        @Override
        public List<InetSocketAddress> listening() {
            return List.of();
        }

        @Override
        public Map<String, Long> counters() {
            return Map.of();
        }
    }

    private static FlowImport flow(final int port) {
        return new FlowImport(Protocol.UDP, new InetSocketAddress("127.0.0.2", port),
            new InetSocketAddress("127.0.0.1", 53), new InetSocketAddress("127.0.0.3", 53), 1000);
    }

    @Test
    void shouldCountEveryFlowAsUnsupported() throws Exception {
        final Transport t = new Transport() {
            @Override
            public String name() {
                return "plain";
            }

            @Override
            public TransportEngine start(final DirectorRuntime runtime) {
                return new Plain();
            }
        };
        final LoadBalancer lb = LoadBalancer.builder().transport(t)
            .schedulerRegistry(io.jlvs.core.service.TestSchedulers.registry(new java.util.ArrayList<>(), "rr"))
            .rules("-A -u 127.0.0.1:53 -s rr\n-a -u 127.0.0.1:53 -r 127.0.0.3:53 -m\n").build();
        final IllegalStateException before = assertThrows(IllegalStateException.class,
            () -> lb.importFlows(List.of(flow(1000))));
        assertTrue(before.getMessage().contains("not running"), before.getMessage());
        lb.start();
        assertEquals(FlowImportResult.unsupported(2), lb.importFlows(List.of(flow(1000), flow(1001))));
        assertEquals(new FlowImportResult(0, 0, 0, 0, 0, 3), lb.importFlows(List.of(flow(1), flow(2), flow(3))));
        assertEquals(5, lb.flowImportsUnsupported());
        lb.close();
        assertThrows(IllegalStateException.class, () -> lb.importFlows(List.of(flow(1000))));
    }

    @Test
    void aFlowImportShouldNameWhatIsWrong() {
        final IllegalArgumentException neg = assertThrows(IllegalArgumentException.class, () -> new FlowImport(
            Protocol.UDP, new InetSocketAddress("127.0.0.2", 1), new InetSocketAddress("127.0.0.1", 53),
            new InetSocketAddress("127.0.0.3", 53), -1));
        assertEquals("remainingMillis: -1 (expected: >= 0)", neg.getMessage());
        final IllegalArgumentException unresolved = assertThrows(IllegalArgumentException.class, () -> new FlowImport(
            Protocol.UDP, InetSocketAddress.createUnresolved("client.example", 1),
            new InetSocketAddress("127.0.0.1", 53), new InetSocketAddress("127.0.0.3", 53), 1));
        assertTrue(unresolved.getMessage().startsWith("client: "), unresolved.getMessage());
    }
}
