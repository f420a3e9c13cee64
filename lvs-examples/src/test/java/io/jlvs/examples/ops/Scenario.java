package io.jlvs.examples.ops;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.listing.ServerState;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.VirtualService;
import io.jlvs.transport.nio.NioTransport;

import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A running director whose servers are in every state: service A (wlc, tcp checks) has an up server, a drained
 * one and a dead one (down); service B has a server at its upper threshold (overloaded, one held connection);
 * service C (tcp checks, on-down inhibit) has an up server and a dead one (inhibited).
 */
final class Scenario implements AutoCloseable {
    final List<AutoCloseable> closeables = new ArrayList<>();
    final OpsFixture.Echo e1;
    final OpsFixture.Echo e2;
    final OpsFixture.Echo e3;
    final int deadA;
    final int deadC;
    final ServiceKey a;
    final ServiceKey b;
    final ServiceKey c;
    final LoadBalancer lb;
    final Socket held;

    Scenario() throws Exception {
        e1 = closing(new OpsFixture.Echo());
        e2 = closing(new OpsFixture.Echo());
        e3 = closing(new OpsFixture.Echo());
        deadA = OpsFixture.deadPort();
        deadC = OpsFixture.deadPort();
        a = ServiceKey.tcp("127.0.0.1", OpsFixture.deadPort());
        b = ServiceKey.tcp("127.0.0.1", OpsFixture.deadPort());
        c = ServiceKey.tcp("127.0.0.1", OpsFixture.deadPort());
        lb = LoadBalancer.builder().eventLoops(2).transport(new NioTransport())
            .service(VirtualServiceConfig.builder(a).scheduler("wlc").option("check", "tcp")
                    .option("check-interval", "100").option("fall", "1").build(),
                RealServerConfig.builder("127.0.0.1", deadA).build(),
                RealServerConfig.builder("127.0.0.1", e2.port()).weight(1).build(),
                RealServerConfig.builder("127.0.0.1", e1.port()).weight(3).build())
            .service(VirtualServiceConfig.builder(b).scheduler("rr").build(),
                RealServerConfig.builder("127.0.0.1", e3.port()).upperThreshold(1).build())
            .service(VirtualServiceConfig.builder(c).scheduler("rr").option("check", "tcp")
                    .option("check-interval", "100").option("fall", "1").option("on-down", "inhibit").build(),
                RealServerConfig.builder("127.0.0.1", deadC).build(),
                RealServerConfig.builder("127.0.0.1", e2.port()).build())
            .build();
        closeables.add(() -> lb.close(Duration.ZERO));
        lb.start();
        OpsFixture.waitFor("dead servers down and inhibited, every checked server checked", () ->
            state(a, deadA) == ServerState.DOWN && state(c, deadC) == ServerState.INHIBITED
            && server(a, e1.port()).lastCheck() != null && server(a, e2.port()).lastCheck() != null
            && server(c, e2.port()).lastCheck() != null);
        for (int i = 0; i < 8; i++) {
            final String msg = "request " + i + "\n";
            if (!OpsFixture.roundTrip(a.port(), msg).equals(msg)) {
                throw new AssertionError("no echo through " + a);
            }
        }
        OpsFixture.roundTrip(c.port(), "to c\n");
        lb.weight(a, "127.0.0.1", e2.port(), 0);
        held = closing(OpsFixture.held(b.port()));
        OpsFixture.waitFor("overloaded and drained", () -> state(b, e3.port()) == ServerState.OVERLOADED
            && state(a, e2.port()) == ServerState.DRAINING && state(a, e1.port()) == ServerState.UP);
        OpsFixture.waitFor("short connections to end", () -> lb.liveConnections() == 1);
    }

    private <T extends AutoCloseable> T closing(final T t) {
        closeables.add(t);
        return t;
    }

    ServerState state(final ServiceKey key, final int port) {
        final VirtualService s = lb.services().service(key);
        final RealServer r = server(key, port);
        return r == null ? null : ServerState.of(s, r);
    }

    RealServer server(final ServiceKey key, final int port) {
        final VirtualService s = lb.services().service(key);
        for (int i = 0; i < s.members().size(); i++) {
            if (s.members().get(i).port() == port) {
                return s.members().get(i);
            }
        }
        return null;
    }

    @Override
    public void close() throws java.io.IOException {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            try {
                closeables.get(i).close();
            } catch (final java.io.IOException | RuntimeException e) {
                throw e;
            } catch (final Exception e) {
                throw new java.io.IOException(e);
            }
        }
    }
}
