package io.jlvs.core.conn;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.config.Timeouts;
import io.jlvs.core.listing.ConnectionSnapshot;
import io.jlvs.core.listing.IpvsadmListing;
import io.jlvs.core.net.Addresses;
import io.jlvs.core.service.RealServer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.jlvs.core.conn.SocketEvent.ACCEPTED;
import static io.jlvs.core.conn.SocketEvent.CLIENT_DATA;
import static io.jlvs.core.conn.SocketEvent.CLIENT_FIN;
import static io.jlvs.core.conn.SocketEvent.CLIENT_RESET;
import static io.jlvs.core.conn.SocketEvent.CONNECTED;
import static io.jlvs.core.conn.SocketEvent.CONNECTING;
import static io.jlvs.core.conn.SocketEvent.CONNECT_FAILED;
import static io.jlvs.core.conn.SocketEvent.SERVER_DATA;
import static io.jlvs.core.conn.SocketEvent.SERVER_FIN;
import static io.jlvs.core.conn.SocketEvent.SERVER_RESET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConnectionTableTest {
    private static String counters(final RealServer s) {
        return s.activeConns() + "/" + s.inactiveConns();
    }

    private static String run(final SocketEvent... events) {
        final ConnFixture f = new ConnFixture();
        final RealServer s = f.add("10.0.0.2");
        final Connection c = f.open("192.168.0.1", 40000);
        final StringBuilder sb = new StringBuilder(c.state().ipvsName() + " " + counters(s));
        for (final SocketEvent e : events) {
            f.table.event(c, e, f.now);
            sb.append(" | ").append(e).append(" ").append(c.state().ipvsName()).append(' ').append(counters(s));
        }
        return sb.toString();
    }

    @Test
    void shouldMapANormalClientFirstCloseOntoIpvsStates() {
        assertEquals("NONE 0/1 | ACCEPTED SYN_RECV 1/0 | CONNECTING SYN_RECV 1/0 | CONNECTED ESTABLISHED 1/0"
            + " | CLIENT_DATA ESTABLISHED 1/0 | SERVER_DATA ESTABLISHED 1/0 | CLIENT_FIN CLOSE_WAIT 0/1"
            + " | SERVER_DATA CLOSE_WAIT 0/1 | SERVER_FIN TIME_WAIT 0/1",
            run(ACCEPTED, CONNECTING, CONNECTED, CLIENT_DATA, SERVER_DATA, CLIENT_FIN, SERVER_DATA, SERVER_FIN));
    }

    @Test
    void shouldMapAServerFirstClose() {
        assertEquals("NONE 0/1 | ACCEPTED SYN_RECV 1/0 | CONNECTED ESTABLISHED 1/0 | SERVER_FIN FIN_WAIT 0/1"
            + " | CLIENT_DATA FIN_WAIT 0/1 | CLIENT_FIN TIME_WAIT 0/1",
            run(ACCEPTED, CONNECTED, SERVER_FIN, CLIENT_DATA, CLIENT_FIN));
    }

    @Test
    void shouldMapResetsAndConnectFailures() {
        assertEquals("NONE 0/1 | ACCEPTED SYN_RECV 1/0 | CONNECTED ESTABLISHED 1/0 | CLIENT_RESET CLOSE 0/1",
            run(ACCEPTED, CONNECTED, CLIENT_RESET));
        assertEquals("NONE 0/1 | ACCEPTED SYN_RECV 1/0 | CONNECTED ESTABLISHED 1/0 | SERVER_RESET CLOSE 0/1",
            run(ACCEPTED, CONNECTED, SERVER_RESET));
        assertEquals("NONE 0/1 | ACCEPTED SYN_RECV 1/0 | CONNECT_FAILED CLOSE 0/1", run(ACCEPTED, CONNECT_FAILED));
        assertEquals("NONE 0/1 | ACCEPTED SYN_RECV 1/0 | CLIENT_RESET SYN_RECV 1/0",
            run(ACCEPTED, CLIENT_RESET)); // IPVS: an INPUT rst in SYN_RECV keeps SYN_RECV
    }

    @Test
    void shouldFollowIpvsTransitionTable() {
        assertEquals(ConnState.SYN_RECV, TcpTransitions.next(ConnState.NONE, TcpTransitions.Direction.INPUT,
            TcpTransitions.Flag.SYN));
        assertEquals(ConnState.CLOSE_WAIT, TcpTransitions.next(ConnState.ESTABLISHED,
            TcpTransitions.Direction.INPUT, TcpTransitions.Flag.FIN));
        assertEquals(ConnState.FIN_WAIT, TcpTransitions.next(ConnState.ESTABLISHED,
            TcpTransitions.Direction.INPUT_ONLY, TcpTransitions.Flag.FIN));
        assertEquals(ConnState.TIME_WAIT, TcpTransitions.next(ConnState.TIME_WAIT,
            TcpTransitions.Direction.OUTPUT, TcpTransitions.Flag.RST));
        assertEquals(ConnState.ESTABLISHED, TcpTransitions.next(ConnState.LISTEN, TcpTransitions.Direction.OUTPUT,
            TcpTransitions.Flag.ACK));
        assertEquals(ConnState.CLOSE, TcpTransitions.next(ConnState.LAST_ACK, TcpTransitions.Direction.INPUT,
            TcpTransitions.Flag.ACK));
    }

    @Test
    void shouldExpireEstablishedAfterIdleTimeoutAndReArmOnActivity() {
        final ConnFixture f = new ConnFixture();
        final RealServer s = f.add("10.0.0.2");
        final Connection c = f.open("192.168.0.1", 40000);
        c.attachment("sockets");
        f.table.event(c, ACCEPTED, f.now);
        f.table.event(c, CONNECTED, f.now);
        f.advance(899);
        assertEquals(0, f.expire());
        f.table.countIn(c, 100, f.now); // activity re-arms: 900 s from now
        f.advance(899);
        assertEquals(0, f.expire());
        f.advance(1);
        assertEquals(1, f.expire());
        assertEquals(List.of(c), f.expired);
        assertFalse(c.isTracked());
        assertEquals("0/0", counters(s));
        assertEquals(0, f.table.size());
    }

    @Test
    void shouldLingerInTimeWaitAsInactiveWithoutTellingTheTransport() {
        final ConnFixture f = new ConnFixture();
        final RealServer s = f.add("10.0.0.2");
        final Connection c = f.open("192.168.0.1", 40000);
        f.table.event(c, ACCEPTED, f.now);
        f.table.event(c, CONNECTED, f.now);
        f.table.event(c, CLIENT_FIN, f.now);
        f.table.event(c, SERVER_FIN, f.now);
        c.attachment(null); // sockets closed
        assertEquals("0/1", counters(s));
        f.advance(119);
        assertEquals(0, f.expire());
        f.advance(1);
        assertEquals(1, f.expire());
        assertTrue(f.expired.isEmpty());
        assertEquals("0/0", counters(s));
    }

    @Test
    void shouldApplySetTimeouts() {
        final ConnFixture f = new ConnFixture(Protocol.UDP, 53, null);
        f.add("10.0.0.2");
        f.timeouts.set(Timeouts.DEFAULTS.with(0, 0, 30));
        final Connection c = f.open("192.168.0.1", 5353);
        assertEquals(ConnState.UDP, c.state());
        assertEquals(1, f.service.servers().get(0).inactiveConns()); // UDP always inactive
        f.table.countOut(c, 10, f.now);
        f.advance(30);
        assertEquals(1, f.expire());
    }

    @Test
    void shouldBoundExpiryWorkPerCall() {
        final ConnFixture f = new ConnFixture(Protocol.UDP, 53, null);
        final RealServer s = f.add("10.0.0.2");
        for (int i = 0; i < 10_000; i++) {
            f.open("192.168." + (i / 250) + "." + (i % 250 + 1), 1000 + i % 60000);
        }
        assertEquals(10_000, f.table.size());
        f.advance(300);
        assertEquals(1000, f.table.expire(f.now, 1000));
        assertEquals(9000, f.table.size());
        int calls = 0;
        while (f.table.expire(f.now, 1000) > 0) {
            calls++;
        }
        assertEquals(9, calls);
        assertEquals(0, s.inactiveConns());
    }

    @Test
    void shouldFindFlowsWithoutAllocatingKeys() {
        final ConnFixture f = new ConnFixture(Protocol.UDP, 53, null);
        f.add("10.0.0.2");
        final Connection c = f.open("192.168.0.1", 5353);
        final int ca = Addresses.fold(Addresses.parseLiteral("192.168.0.1"));
        final int va = Addresses.fold(Addresses.parseLiteral("10.255.0.1"));
        assertSame(c, f.table.lookup(Protocol.UDP, ca, 5353, va, 53));
        assertNull(f.table.lookup(Protocol.UDP, ca, 5354, va, 53));
        assertNull(f.table.lookup(Protocol.TCP, ca, 5353, va, 53));
        final com.sun.management.ThreadMXBean mx =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 10_000; i++) {
            f.table.lookup(Protocol.UDP, ca, 5353, va, 53);
        }
        final long before = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
        for (int i = 0; i < 100_000; i++) {
            f.table.lookup(Protocol.UDP, ca, 5353, va, 53);
            f.table.countIn(c, 64, f.now + i);
        }
        assertTrue(mx.getThreadAllocatedBytes(Thread.currentThread().getId()) - before < 10_000);
    }

    @Test
    void shouldReplaceLingeringEntryOnClientPortReuse() {
        final ConnFixture f = new ConnFixture();
        final RealServer s = f.add("10.0.0.2");
        final Connection a = f.open("192.168.0.1", 40000);
        f.table.event(a, ACCEPTED, f.now);
        f.table.event(a, CLIENT_RESET, f.now);
        final Connection b = f.open("192.168.0.1", 40000);
        assertFalse(a.isTracked());
        assertTrue(b.isTracked());
        assertEquals(1, f.table.size());
        assertEquals("0/1", counters(s)); // the old entry was unbound, the new one bound
    }

    @Test
    void shouldCountConnectionsAndTraffic() {
        final ConnFixture f = new ConnFixture();
        final RealServer s = f.add("10.0.0.2");
        final Connection c = f.open("192.168.0.1", 40000);
        f.table.countIn(c, 100, f.now);
        f.table.countIn(c, 50, f.now);
        f.table.countOut(c, 1000, f.now);
        assertEquals(2, c.inPackets());
        assertEquals(150, c.inBytes());
        assertEquals(1000, c.outBytes());
        assertEquals(1, s.stats().snapshot().conns());
        assertEquals(150, s.stats().snapshot().inBytes());
        assertEquals(1, f.service.stats().snapshot().outPackets());
        assertEquals(1000, f.totals.snapshot().outBytes());
    }

    @Test
    void shouldMoveFailedConnectionToAnotherServer() {
        final ConnFixture f = new ConnFixture();
        final RealServer a = f.add("10.0.0.2");
        final RealServer b = f.add("10.0.0.3");
        final Connection c = f.open("192.168.0.1", 40000);
        f.table.event(c, ACCEPTED, f.now);
        assertSame(b, c.server());
        f.table.rebind(c, a, f.now);
        assertSame(a, c.server());
        assertEquals("0/0", counters(b));
        assertEquals("1/0", counters(a));
        assertEquals(1, b.stats().snapshot().conns());
        assertEquals(1, a.stats().snapshot().conns());
    }

    @Test
    void shouldSetAndClearOverloadUnderChurn() {
        final ConnFixture f = new ConnFixture();
        final RealServer s = f.add("10.0.0.2", 1, 4);
        final List<Connection> open = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            final Connection c = f.open("192.168.0.1", 1000 + i);
            f.table.event(c, ACCEPTED, f.now);
            open.add(c);
        }
        assertTrue(s.isOverloaded());
        assertNull(f.open("192.168.0.1", 2000)); // no other server: no destination
        for (final Connection c : open) {
            f.table.event(c, CONNECT_FAILED, f.now); // CLOSE: still counted (inactive) until they expire
        }
        assertTrue(s.isOverloaded());
        f.advance(10);
        f.table.expire(f.now, 1);
        assertTrue(s.isOverloaded()); // 3 * 4 < 4 * 3? no
        f.table.expire(f.now, 1);
        assertFalse(s.isOverloaded()); // 2 * 4 < 12
        assertNotNull(f.open("192.168.0.1", 2001));
    }

    @Test
    void shouldCloseConnectionsOfRemovedServerWithExpireNodestConn() throws Exception {
        final ConnFixture f = new ConnFixture();
        final RealServer a = f.add("10.0.0.2");
        final Connection c = f.open("192.168.0.1", 40000);
        c.attachment("sockets");
        f.service.removeServer(a.address(), 80);
        assertEquals(-1, f.table.expireNodest(0, Integer.MAX_VALUE)); // default: let them finish
        assertTrue(c.isTracked());
        f.table.expireNodest(true, false);
        int from = 0;
        do {
            from = f.table.expireNodest(from, 4);
        } while (from >= 0);
        assertFalse(c.isTracked());
        assertEquals(List.of(c), f.expired);
        assertEquals(0, a.inactiveConns());
    }

    @Test
    void shouldListEntriesAsIpvsadmDoes() {
        final ConnFixture f = new ConnFixture();
        f.add("10.0.0.2");
        final Connection c = f.open("192.168.0.1", 40000);
        f.table.event(c, ACCEPTED, f.now);
        f.table.event(c, CONNECTED, f.now);
        f.advance(2);
        final List<ConnectionSnapshot> rows = new ArrayList<>();
        int from = 0;
        do {
            from = f.table.snapshot(rows, from, 4, f.now);
        } while (from >= 0);
        assertEquals("IPVS connection entries\n"
            + "pro expire state       source             virtual            destination\n"
            + "TCP 14:58  ESTABLISHED 192.168.0.1:40000  10.255.0.1:80      10.0.0.2:80\n",
            IpvsadmListing.connections(rows, false));
    }

    @Test
    void shouldNeverEvictALiveEntryForANewConnectionWithTheSameKey() {
        final ConnFixture f = new ConnFixture();
        final RealServer s = f.add("10.0.0.2");
        final Connection live = f.open("192.168.0.1", 40000);
        live.attachment("sockets");
        f.table.event(live, ACCEPTED, f.now);
        f.table.event(live, CONNECTED, f.now);
        assertNull(f.open("192.168.0.1", 40000));
        assertTrue(f.table.lastOpenRefusedDuplicate());
        assertEquals(1, f.table.duplicatesRefused());
        assertTrue(live.isTracked());
        assertEquals(ConnState.ESTABLISHED, live.state());
        assertTrue(f.expired.isEmpty());
        assertEquals("1/0", counters(s));
        assertEquals(1, f.table.size());
        // another client port is another connection
        final Connection other = f.open("192.168.0.1", 40001);
        assertNotNull(other);
        assertFalse(f.table.lastOpenRefusedDuplicate());
        assertEquals(2, f.table.size());
    }

    @Test
    void shouldReuseTheKeyOfAnEntryWhoseSocketsAreClosed() {
        final ConnFixture f = new ConnFixture();
        final RealServer s = f.add("10.0.0.2");
        final Connection old = f.open("192.168.0.1", 40000);
        f.table.event(old, ACCEPTED, f.now);
        f.table.event(old, CONNECTED, f.now);
        f.table.event(old, CLIENT_FIN, f.now);
        f.table.event(old, SERVER_FIN, f.now);
        old.attachment(null);
        final Connection again = f.open("192.168.0.1", 40000);
        assertNotNull(again);
        assertFalse(f.table.lastOpenRefusedDuplicate());
        assertEquals(0, f.table.duplicatesRefused());
        assertFalse(old.isTracked());
        assertEquals(1, f.table.size());
        assertEquals("0/1", counters(s));
    }
}
