package io.jlvs.core.service;

import io.jlvs.core.config.LvsException;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.sched.Flows;
import io.jlvs.core.sched.RandomSource;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VirtualServiceTest {
    private final List<String> log = new ArrayList<>();
    private long now = 1_000_000_000L;

    private VirtualService service(final String scheduler) {
        return new VirtualService(VirtualServiceConfig.builder(ServiceKey.tcp("10.0.0.1", 80)).scheduler(scheduler)
            .build(), TestSchedulers.registry(log, "wlc", "rr"), () -> now, RandomSource.THREAD_LOCAL);
    }

    private static RealServerConfig server(final String addr) {
        return RealServerConfig.builder(addr, 80).build();
    }

    @Test
    void shouldPutNewServerAtFrontLikeIpvs() {
        final VirtualService vs = service("wlc");
        vs.addServer(server("10.0.0.11"));
        vs.addServer(server("10.0.0.12"));
        vs.addServer(server("10.0.0.13"));
        final ServerList l = vs.servers();
        assertEquals("10.0.0.13:80", l.get(0).addressAndPort());
        assertEquals("10.0.0.12:80", l.get(1).addressAndPort());
        assertEquals("10.0.0.11:80", l.get(2).addressAndPort());
        assertEquals(List.of("wlc:init:0", "wlc:add:10.0.0.11:80", "wlc:add:10.0.0.12:80", "wlc:add:10.0.0.13:80"),
            log);
        assertEquals("10.0.0.13:80", vs.schedule(Flows.ofKey(1)).addressAndPort());
    }

    @Test
    void shouldKeepPlaceOnEditAndRunUpdateHook() {
        final VirtualService vs = service("wlc");
        vs.addServer(server("10.0.0.11"));
        vs.addServer(server("10.0.0.12"));
        vs.editServer(server("10.0.0.11").toBuilder().weight(5).build());
        assertEquals(5, vs.servers().get(1).weight());
        assertEquals("wlc:upd:10.0.0.11:80", log.get(log.size() - 1));
    }

    @Test
    void shouldRefuseDuplicateAndMissingServers() {
        final VirtualService vs = service("wlc");
        vs.addServer(server("10.0.0.11"));
        assertEquals("Destination already exists",
            assertThrows(LvsException.class, () -> vs.addServer(server("10.0.0.11"))).getMessage());
        assertEquals("No such destination",
            assertThrows(LvsException.class, () -> vs.editServer(server("10.0.0.12"))).getMessage());
        assertEquals("No such destination", assertThrows(LvsException.class,
            () -> vs.removeServer(InetAddress.getByName("10.0.0.12"), 80)).getMessage());
    }

    @Test
    void shouldMarkRemovedServerUnavailableAndReviveItWithCounters() throws Exception {
        final VirtualService vs = service("wlc");
        final RealServer a = vs.addServer(server("10.0.0.11"));
        vs.addServer(server("10.0.0.12"));
        a.bindConnection();
        a.connectionActivated();
        final RealServer removed = vs.removeServer(InetAddress.getByName("10.0.0.11"), 80);
        assertSame(a, removed);
        assertFalse(a.isAvailable());
        assertEquals("wlc:del:10.0.0.11:80@1", log.get(log.size() - 1));
        assertEquals(List.of(a), vs.trashedServers());
        now += TimeUnit.SECONDS.toNanos(500); // still has a connection: stays in the trash
        final RealServer back = vs.addServer(server("10.0.0.11").toBuilder().weight(3).build());
        assertSame(a, back);
        assertTrue(back.isAvailable());
        assertEquals(1, back.activeConns());
        assertEquals(3, back.weight());
        assertEquals(0, vs.servers().indexOf(back));
    }

    @Test
    void shouldForgetIdleTrashedServerAfterTrashPeriod() throws Exception {
        final VirtualService vs = service("wlc");
        final RealServer a = vs.addServer(server("10.0.0.11"));
        vs.removeServer(InetAddress.getByName("10.0.0.11"), 80);
        now += TimeUnit.SECONDS.toNanos(VirtualService.TRASH_SECONDS);
        final RealServer b = vs.addServer(server("10.0.0.11"));
        assertNotSame(a, b);
    }

    @Test
    void shouldKeepSchedulerStateOnEditWithSameSchedulerAndResetOnSwitch() {
        final VirtualService vs = service("wlc");
        vs.addServer(server("10.0.0.11"));
        final Object first = vs.scheduler();
        vs.edit(vs.config().toBuilder().persistent(60).build());
        assertSame(first, vs.scheduler());
        vs.edit(vs.config().toBuilder().scheduler("rr").build());
        assertNotSame(first, vs.scheduler());
        assertEquals("rr", vs.scheduler().name());
        assertEquals(List.of("wlc:init:0", "wlc:add:10.0.0.11:80", "rr:init:1", "wlc:done"), log);
        assertEquals("Scheduler or persistence engine not found", assertThrows(LvsException.class,
            () -> vs.edit(vs.config().toBuilder().scheduler("nope").build())).getMessage());
        assertEquals("rr", vs.config().scheduler()); // nothing changed
    }

    @Test
    void shouldCountLeaseAsActiveUntilClosed() {
        final VirtualService vs = service("wlc");
        final RealServer a = vs.addServer(server("10.0.0.11").toBuilder().upperThreshold(2).build());
        final Lease l1 = vs.acquire(Flows.ofKey(1));
        final Lease l2 = vs.acquire(Flows.ofKey(2));
        assertSame(a, l1.server());
        assertEquals(2, a.activeConns());
        assertTrue(a.isOverloaded());
        final NoServerAvailableException none = assertThrows(NoServerAvailableException.class,
            () -> vs.acquire(Flows.ofKey(3)));
        assertEquals("No eligible real server for service " + vs.key(), none.getMessage());
        assertEquals(java.util.Optional.empty(), vs.tryAcquire(Flows.ofKey(3)));
        assertEquals(2, a.activeConns()); // the refused attempts counted nothing
        assertEquals(2, vs.stats().conns());
        l1.close();
        l1.close(); // idempotent
        assertEquals(1, a.activeConns());
        assertFalse(a.isOverloaded()); // 1*4 < 2*3
        l2.close();
        assertEquals(0, a.activeConns());
        assertEquals(0, a.inactiveConns());
        assertEquals(2, vs.stats().conns());
    }

    @Test
    void shouldCloseLeaseOfTryWithResourcesAndOfferOptionalVariant() {
        final VirtualService vs = service("wlc");
        final RealServer a = vs.addServer(server("10.0.0.11"));
        try (Lease lease = vs.acquire(Flows.ofKey("user-42"))) {
            assertSame(a, lease.server());
            assertEquals(1, a.activeConns());
        }
        assertEquals(0, a.activeConns());
        final Lease viaOptional = vs.tryAcquire(Flows.ofKey("user-43")).orElseThrow();
        assertSame(a, viaOptional.server());
        assertEquals(1, a.activeConns());
        viaOptional.close();
        assertEquals(0, a.activeConns());
        assertEquals(2, vs.stats().conns());
        vs.removeServer(a.address(), a.port());
        assertThrows(NoServerAvailableException.class, () -> vs.acquire(Flows.ofKey("user-44")));
        assertTrue(vs.tryAcquire(Flows.ofKey("user-44")).isEmpty());
    }
}
