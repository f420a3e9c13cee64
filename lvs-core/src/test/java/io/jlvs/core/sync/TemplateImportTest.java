package io.jlvs.core.sync;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.conn.Connection;
import io.jlvs.core.conn.ConnectionTable;
import io.jlvs.core.conn.PersistenceTable;
import io.jlvs.core.conn.StateTimeouts;
import io.jlvs.core.conn.Template;
import io.jlvs.core.conn.TemplateKey;
import io.jlvs.core.net.Addresses;
import io.jlvs.core.sched.MutableFlow;
import io.jlvs.core.sched.RandomSource;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.ServiceTable;
import io.jlvs.core.service.TestSchedulers;
import io.jlvs.core.service.VirtualService;
import io.jlvs.core.stats.StatsCounters;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * Templates a backup imports decide placement as the director's own would (the scheduler, which picks the first
 * server, is not asked), refresh in place, keep the director's own decisions, and expire on
 * {@link PersistenceTable#expireImported} after their remaining time unless connections still use them.
 */
class TemplateImportTest {
    private static final long S = 1_000_000_000L;
    private long now = 100 * S;
    private final ServiceTable services = new ServiceTable(TestSchedulers.registry(new ArrayList<>(), "wlc"),
        () -> now, RandomSource.THREAD_LOCAL);
    private final PersistenceTable persistence = new PersistenceTable();
    private final ServiceKey key = ServiceKey.tcp("10.255.0.1", 80);
    private final int vip = Addresses.fold(Addresses.parseLiteral("10.255.0.1"));

    private VirtualService service() {
        services.addService(VirtualServiceConfig.builder(key).persistent(300).build());
        final VirtualService s = services.service(key);
        s.addServer(RealServerConfig.builder("10.0.0.1", 80).build());
        s.addServer(RealServerConfig.builder("10.0.0.2", 80).build());
        return s;
    }

    private static RealServer server(final VirtualService s, final String a) {
        return s.members().get(s.members().indexOf(Addresses.parseLiteral(a), 80));
    }

    private TemplateKey tkey(final String client) {
        return new TemplateKey(Protocol.TCP, Addresses.parseLiteral(client).getAddress(),
            Addresses.parseLiteral("10.255.0.1").getAddress(), 80);
    }

    private Connection connect(final ConnectionTable t, final VirtualService s, final String client, final int port) {
        final int c = Addresses.fold(Addresses.parseLiteral(client));
        final MutableFlow f = new MutableFlow().setIpv4(Protocol.TCP, c, port, vip, 80);
        return t.open(s, f, Protocol.TCP, c, port, vip, 80, now);
    }

    @Test
    void anImportedTemplateShouldPlaceItsNetworkAndExpireWhenDue() {
        final VirtualService s = service();
        final ConnectionTable loop = new ConnectionTable(new StateTimeouts(), persistence, new StatsCounters(2), 0,
            16, now);
        final RealServer first = connect(loop, s, "192.0.2.9", 1000).server(); // what the scheduler picks
        final RealServer other = first == server(s, "10.0.0.1") ? server(s, "10.0.0.2") : server(s, "10.0.0.1");
        final Template t = persistence.importTemplate(tkey("192.0.2.1"), s, other, 10 * S, true, now);
        assertSame(other, t.server());
        assertEquals(1, other.persistConns());
        assertEquals(10 * S, PersistenceTable.remainingNs(t, now));
        assertEquals(List.of(t), persistence.importedTemplates());

        final Connection c = connect(loop, s, "192.0.2.1", 2000);
        assertSame(other, c.server(), "the synced template decides, not the scheduler");
        assertEquals(1, t.controlledConnections());

        // the same record again refreshes it in place
        now += 5 * S;
        assertSame(t, persistence.importTemplate(tkey("192.0.2.1"), s, other, 10 * S, true, now));
        assertEquals(1, other.persistConns());

        // due while a connection uses it: re-armed for 60 s, not removed
        now += 11 * S;
        assertEquals(0, persistence.expireImported(now));
        assertEquals(Template.REARM_NS, PersistenceTable.remainingNs(t, now));
        loop.remove(c);
        now += 61 * S;
        assertEquals(1, persistence.expireImported(now));
        assertEquals(0, other.persistConns());
        assertEquals(List.of(), persistence.importedTemplates());
        assertSame(first, connect(loop, s, "192.0.2.1", 2001).server(), "expired: the scheduler decides again");
    }

    @Test
    void theDirectorsOwnTemplateShouldWinOverAnImportedOne() {
        final VirtualService s = service();
        final ConnectionTable loop = new ConnectionTable(new StateTimeouts(), persistence, new StatsCounters(2), 0,
            16, now);
        final RealServer own = connect(loop, s, "192.0.2.1", 1000).server();
        final RealServer other = own == server(s, "10.0.0.1") ? server(s, "10.0.0.2") : server(s, "10.0.0.1");
        assertNull(persistence.importTemplate(tkey("192.0.2.1"), s, other, 10 * S, false, now));
        assertSame(own, connect(loop, s, "192.0.2.1", 1001).server());
        assertEquals(0, other.persistConns());
    }

    @Test
    void anotherChoiceShouldReplaceAnIdleImportedTemplate() {
        final VirtualService s = service();
        final RealServer a = server(s, "10.0.0.1");
        final RealServer b = server(s, "10.0.0.2");
        persistence.importTemplate(tkey("192.0.2.1"), s, a, 10 * S, false, now);
        final Template t = persistence.importTemplate(tkey("192.0.2.1"), s, b, 20 * S, false, now);
        assertSame(b, t.server());
        assertEquals(0, a.persistConns());
        assertEquals(1, b.persistConns());
        assertEquals(1, persistence.size());
    }
}
