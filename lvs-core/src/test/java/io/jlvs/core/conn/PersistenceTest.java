package io.jlvs.core.conn;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.listing.ConnectionSnapshot;
import io.jlvs.core.service.RealServer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** IPVS.md 3.7, rule by rule, with a first-eligible scheduler: without persistence every pick would be B (newest). */
class PersistenceTest {
    private ConnFixture fixture(final int seconds, final int prefix) {
        final ConnFixture f = new ConnFixture(Protocol.TCP, 80, ConnFixture.persistent(Protocol.TCP, 80, seconds,
            prefix));
        return f;
    }

    @Test
    void shouldSendAClientNetworkToItsServerFromEveryLoop() {
        final ConnFixture f = fixture(360, 24);
        final RealServer a = f.add("10.0.0.2");
        final Connection first = f.open("192.168.0.1", 1000);
        assertSame(a, first.server());
        final RealServer b = f.add("10.0.0.3"); // now the scheduler would pick B
        final ConnectionTable otherLoop = f.newLoopTable();
        assertSame(a, f.open(otherLoop, "192.168.0.77", 2000).server()); // same /24, other loop: template wins
        assertSame(b, f.open("192.168.1.1", 1000).server()); // another network: scheduled
        assertEquals(2, f.persistence.size());
        assertEquals(1, a.persistConns());
        assertEquals(1, b.persistConns());
        assertEquals(2, first.template().controlledConnections());
    }

    @Test
    void shouldIgnoreWeightZeroAndOverloadUnlessExpireQuiescentTemplate() {
        final ConnFixture f = fixture(360, 32);
        final RealServer a = f.add("10.0.0.2", 1, 1);
        f.open("192.168.0.1", 1000); // a at its threshold: OVERLOAD
        assertTrue(a.isOverloaded());
        f.add("10.0.0.3");
        assertSame(a, f.open("192.168.0.1", 1001).server()); // OVERLOAD does not stop a template
        f.service.editServer(a.config().toBuilder().weight(0).upperThreshold(0).build());
        assertSame(a, f.open("192.168.0.1", 1002).server()); // weight 0 does not either (the surprise)
        f.persistence.expireQuiescentTemplate(true);
        final Connection c = f.open("192.168.0.1", 1003);
        assertNotSame(a, c.server());
        assertEquals("10.0.0.3", c.server().address().getHostAddress());
    }

    @Test
    void shouldInvalidateTemplateOfRemovedServer() throws Exception {
        final ConnFixture f = fixture(360, 32);
        final RealServer a = f.add("10.0.0.2");
        final Connection c = f.open("192.168.0.1", 1000);
        final Template t = c.template();
        final RealServer b = f.add("10.0.0.3");
        f.service.removeServer(a.address(), 80);
        final Connection d = f.open("192.168.0.1", 1001);
        assertSame(b, d.server());
        assertTrue(t.invalidated());
        assertNotSame(t, d.template());
        assertEquals(1, a.persistConns()); // the old template still exists until it expires
    }

    @Test
    void shouldExpireTemplateAfterTimeoutSinceLastNewConnection() {
        final ConnFixture f = fixture(360, 32);
        final RealServer a = f.add("10.0.0.2");
        final Connection c = f.open("192.168.0.1", 1000);
        f.table.event(c, SocketEvent.ACCEPTED, f.now);
        f.table.event(c, SocketEvent.CLIENT_RESET, f.now);
        f.advance(200);
        f.open("192.168.0.1", 1001).attachment(null); // refreshes the template: now due at 200 + 360
        f.advance(100);
        f.expire(); // both connections gone (NONE 2 s, CLOSE 10 s)
        assertEquals(0, f.table.size());
        assertEquals(1, f.persistence.size());
        f.advance(259);
        f.expire();
        assertEquals(1, a.persistConns());
        f.advance(1);
        f.expire();
        assertEquals(0, a.persistConns());
        assertEquals(0, f.persistence.size());
        assertEquals(0, f.table.templates());
    }

    @Test
    void shouldKeepTemplateWhileItControlsConnectionsAndThenUseSixtySeconds() {
        final ConnFixture f = fixture(100, 32);
        final RealServer a = f.add("10.0.0.2");
        final Connection c = f.open("192.168.0.1", 1000);
        f.table.event(c, SocketEvent.ACCEPTED, f.now);
        f.table.event(c, SocketEvent.CONNECTED, f.now);
        assertTrue(c.template().assured()); // ESTABLISHED makes it ASSURED
        f.advance(100);
        f.expire(); // due, but it still controls c: re-armed for 60 s
        assertEquals(1, a.persistConns());
        assertEquals(Template.REARM_NS, c.template().timeoutNs());
        f.table.countIn(c, 1, f.now);
        f.advance(60);
        f.expire(); // re-armed again: c is still alive
        assertEquals(1, a.persistConns());
        final Template t = c.template();
        f.table.event(c, SocketEvent.CLIENT_RESET, f.now); // CLOSE: 10 s
        f.advance(10);
        f.expire();
        assertEquals(0, t.controlledConnections());
        f.advance(50);
        f.expire(); // 60 s after the last re-arm
        assertEquals(0, a.persistConns());
    }

    @Test
    void shouldUsePortZeroKeyForPortZeroServices() {
        final ConnFixture f = new ConnFixture(Protocol.TCP, 0, ConnFixture.persistent(Protocol.TCP, 0, 360, 32));
        f.add("10.0.0.2");
        final Connection c = f.open("192.168.0.1", 1000);
        assertEquals(0, c.template().key().virtualPort());
        final List<ConnectionSnapshot> rows = new ArrayList<>();
        f.table.snapshot(rows, 0, Integer.MAX_VALUE, f.now);
        assertEquals("TCP 06:00  NONE        192.168.0.1:0      10.255.0.1:0       10.0.0.2:0", rows.get(0).row());
    }

    @Test
    void shouldMarkUdpTemplateAssuredOnReply() {
        final ConnFixture f = new ConnFixture(Protocol.UDP, 53, ConnFixture.persistent(Protocol.UDP, 53, 360, 32));
        f.add("10.0.0.2");
        final Connection c = f.open("192.168.0.1", 1000);
        assertFalse(c.template().assured());
        f.table.countOut(c, 10, f.now);
        assertTrue(c.template().assured());
    }

    @Test
    void shouldCountOnePacketFlowsWithoutKeepingThem() {
        final ConnFixture f = new ConnFixture(Protocol.UDP, 53, null);
        final RealServer a = f.add("10.0.0.2");
        assertSame(a, f.table.openOnePacket(f.service, f.flow, Protocol.UDP, 0xc0a80001, 0x0aff0001, 53, 40, f.now));
        assertEquals(0, f.table.size());
        assertEquals(0, a.inactiveConns());
        assertEquals(1, a.stats().snapshot().conns());
        assertEquals(40, a.stats().snapshot().inBytes());
    }
}
