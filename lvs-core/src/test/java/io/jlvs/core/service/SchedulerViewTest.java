package io.jlvs.core.service;

import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.sched.Explanation;
import io.jlvs.core.sched.Flow;
import io.jlvs.core.sched.Flows;
import io.jlvs.core.sched.Scheduler;
import io.jlvs.core.sched.ServerListView;
import io.jlvs.core.sched.ServerView;
import io.jlvs.core.sched.WeightScaling;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Schedulers see a service's servers through the read-only {@link ServerView}: what a service hands a scheduler are
 * its own {@link RealServer}s, a pick comes back as that same server, and a scheduler that returns anything else is
 * named in the error instead of corrupting the service's accounting.
 */
class SchedulerViewTest {
    /** Picks the view at a fixed index of the list it was last given, or a fixed foreign view. */
    private static final class Fixed implements Scheduler {
        private final ServerView foreign;
        private volatile ServerListView servers = ServerListView.EMPTY;

        Fixed(final ServerView foreign) {
            this.foreign = foreign;
        }

        @Override
        public String name() {
            return "fixed";
        }

        @Override
        public void init(final ServerListView list) {
            servers = list;
        }

        @Override
        public ServerView schedule(final Flow flow) {
            return foreign != null ? foreign : servers.size() == 0 ? null : servers.get(servers.size() - 1);
        }

        @Override
        public void onServerAdded(final ServerListView list, final ServerView server) {
            servers = list;
        }

        @Override
        public void onServerRemoved(final ServerListView list, final ServerView server, final int formerIndex) {
            servers = list;
        }

        @Override
        public void onServerUpdated(final ServerListView list, final ServerView server) {
            servers = list;
        }

        @Override
        public ServerListView servers() {
            return servers;
        }
    }

    private static VirtualService service(final Scheduler s) {
        final VirtualService svc = new VirtualService(VirtualServiceConfig.builder(ServiceKey.tcp("10.0.0.1", 80))
            .scheduler("fixed").build(), s);
        svc.addServer(RealServerConfig.builder("10.0.1.1", 80).weight(2).build());
        svc.addServer(RealServerConfig.builder("10.0.1.2", 80).weight(0).build());
        return svc;
    }

    @Test
    void theSchedulerSeesTheServicesOwnServersAndItsPickIsThatServer() {
        final Fixed fixed = new Fixed(null);
        final VirtualService svc = service(fixed);
        final ServerListView seen = fixed.servers();
        assertEquals(2, seen.size());
        for (int i = 0; i < seen.size(); i++) {
            assertSame(svc.members().get(i), seen.get(i), "index " + i);
            assertEquals(i, seen.indexOf(svc.members().get(i)));
        }
        final RealServer first = svc.members().get(1); // added first: last in IPVS order
        assertSame(first, svc.schedule(Flows.ofKey(1)));
        assertEquals(2, first.configuredWeight());
        assertTrue(first instanceof WeightScaling, "slow start may scale a real server's weight");

        final Explanation e = fixed.explain(Flows.ofKey(1));
        assertSame(first, e.chosen());
        assertEquals(List.of(Explanation.Status.WEIGHT_ZERO, Explanation.Status.CANDIDATE),
            e.servers().stream().map(Explanation.ServerNote::status).toList());
    }

    @Test
    void aPickThatIsNotOneOfTheServicesServersIsRefusedByName() {
        final ServerView stranger = (ServerView) Proxy.newProxyInstance(ServerView.class.getClassLoader(),
            new Class<?>[] {ServerView.class}, (proxy, method, args) -> {
                if (method.getName().equals("toString")) {
                    return "stranger";
                }
                throw new UnsupportedOperationException(method.getName());
            });
        final VirtualService svc = service(new Fixed(stranger));
        final IllegalStateException e = assertThrows(IllegalStateException.class,
            () -> svc.schedule(Flows.ofKey(1)));
        assertEquals("scheduler fixed: picked stranger (expected: one of the servers of the list it was given, "
            + "or null)", e.getMessage());
        assertEquals(0, svc.members().get(0).inactiveConns() + svc.members().get(1).inactiveConns(),
            "nothing was counted");
        assertThrows(IllegalStateException.class, () -> svc.tryAcquire(Flows.ofKey(1)));
        assertEquals(0, svc.members().get(1).activeConns(), "a refused pick binds nothing");
    }

    @Test
    void theEmptyListNamesTheBadIndex() {
        assertEquals(0, ServerListView.EMPTY.size());
        assertEquals(-1, ServerListView.EMPTY.indexOf(RealServer.of("10.0.0.1", 80, 1)));
        final IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
            () -> ServerListView.EMPTY.get(0));
        assertEquals("index: 0 (expected: none, the list is empty)", e.getMessage());
    }
}
