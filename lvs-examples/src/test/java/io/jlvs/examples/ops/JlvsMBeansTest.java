package io.jlvs.examples.ops;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.listing.ServerSnapshot;
import io.jlvs.transport.nio.NioTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JlvsMBeansTest {
    private final MBeanServer mbs = ManagementFactory.getPlatformMBeanServer();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    @Test
    void shouldShowServicesAndServersAndChangeWeightsThroughThePlatformMBeanServer() throws Exception {
        final OpsFixture.Echo e1 = new OpsFixture.Echo();
        closeables.add(e1);
        final ServiceKey key = ServiceKey.tcp("127.0.0.1", OpsFixture.deadPort());
        final LoadBalancer lb = LoadBalancer.builder().eventLoops(1).transport(new NioTransport())
            .service(VirtualServiceConfig.builder(key).scheduler("wlc").build(),
                RealServerConfig.builder("127.0.0.1", e1.port()).weight(5).build()).build();
        closeables.add(() -> lb.close(Duration.ZERO));
        lb.start();
        final JlvsMBeans jmx = JlvsMBeans.register(lb, mbs);
        closeables.add(jmx);
        for (int i = 0; i < 3; i++) {
            assertEquals("abc\n", OpsFixture.roundTrip(key.port(), "abc\n"));
        }
        OpsFixture.waitFor("connections to end", () -> lb.liveConnections() == 0);

        final String server = "127.0.0.1:" + e1.port();
        final ObjectName sn = new ObjectName("io.jlvs:type=VirtualService,name=\"" + key + "\"");
        final ObjectName rn = new ObjectName("io.jlvs:type=RealServer,service=\"" + key + "\",name=\"" + server
            + "\"");
        assertEquals(sn, JlvsMBeans.serviceName(key));
        assertEquals(rn, JlvsMBeans.serverName(key, server));
        assertTrue(mbs.isRegistered(sn));
        assertTrue(mbs.isRegistered(rn));
        assertEquals(key.toString(), mbs.getAttribute(sn, "Service"));
        assertEquals("wlc", mbs.getAttribute(sn, "Scheduler"));
        assertEquals(3L, mbs.getAttribute(sn, "Connections"));
        assertEquals(12L, mbs.getAttribute(sn, "InBytes"));
        assertEquals(12L, mbs.getAttribute(sn, "OutBytes"));
        assertEquals(1, mbs.getAttribute(sn, "ServersUp"));

        final ServerSnapshot d = lb.snapshot().services().get(0).servers().get(0);
        assertEquals(d.weight(), mbs.getAttribute(rn, "Weight"));
        assertEquals(d.activeConns(), mbs.getAttribute(rn, "ActiveConnections"));
        assertEquals(d.inactiveConns(), mbs.getAttribute(rn, "InactiveConnections"));
        assertEquals(d.stats().conns(), mbs.getAttribute(rn, "Connections"));
        assertEquals("up", mbs.getAttribute(rn, "State"));
        assertEquals(Boolean.TRUE, mbs.getAttribute(rn, "Up"));
        assertEquals(0L, mbs.getAttribute(rn, "ConnectFailures"));
        assertEquals("none", mbs.getAttribute(rn, "LastCheck"));
        final io.jlvs.core.service.RealServer live = lb.services().service(key).members().get(0);
        assertEquals(3, live.connectLatency().count());
        assertEquals(live.connectLatency().meanNanos() / 1e6, mbs.getAttribute(rn, "ConnectLatencyMeanMillis"));
        assertEquals(live.connectLatency().maxNanos() / 1e6, mbs.getAttribute(rn, "ConnectLatencyMaxMillis"));

        // operations, as jconsole invokes them
        mbs.invoke(rn, "changeWeight", new Object[] {2}, new String[] {"int"});
        assertEquals(2, lb.snapshot().services().get(0).servers().get(0).weight());
        final String listing = lb.list(io.jlvs.core.listing.ListFormat.DEFAULT);
        assertTrue(java.util.regex.Pattern.compile("-> " + server + "\\s+Masq\\s+2\\s").matcher(listing).find(),
            listing);
        final RealServerMXBean proxy = JMX.newMXBeanProxy(mbs, rn, RealServerMXBean.class);
        proxy.drain();
        assertEquals(0, lb.snapshot().services().get(0).servers().get(0).weight());
        assertEquals("draining", proxy.getState());
        assertEquals(0, proxy.getConfiguredWeight());
        final RuntimeMBeanException bad = assertThrows(RuntimeMBeanException.class,
            () -> mbs.invoke(rn, "changeWeight", new Object[] {70000}, new String[] {"int"}));
        assertInstanceOf(IllegalArgumentException.class, bad.getCause());
        assertTrue(bad.getCause().getMessage().contains("weight: 70000 (expected: 0..65535)"));
        assertEquals(0, lb.snapshot().services().get(0).servers().get(0).weight()); // nothing lost

        // runtime changes: beans follow
        lb.addServer(key, RealServerConfig.builder("127.0.0.1", 9002).weight(4).build());
        final ObjectName added = JlvsMBeans.serverName(key, "127.0.0.1:9002");
        assertTrue(mbs.isRegistered(added));
        assertEquals(4, mbs.getAttribute(added, "Weight"));
        lb.deleteServer(key, InetAddress.getByName("127.0.0.1"), 9002);
        assertFalse(mbs.isRegistered(added));
        final ServiceKey key2 = ServiceKey.tcp("127.0.0.1", OpsFixture.deadPort());
        lb.addService(VirtualServiceConfig.builder(key2).build());
        assertTrue(mbs.isRegistered(JlvsMBeans.serviceName(key2)));
        lb.deleteService(key2);
        assertFalse(mbs.isRegistered(JlvsMBeans.serviceName(key2)));

        jmx.close();
        final Set<ObjectName> left = mbs.queryNames(new ObjectName("io.jlvs:*"), null);
        assertTrue(left.isEmpty(), left.toString());
    }
}
