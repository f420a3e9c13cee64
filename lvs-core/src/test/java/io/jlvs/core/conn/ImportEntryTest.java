package io.jlvs.core.conn;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.listing.ConnectionSnapshot;
import io.jlvs.core.net.Addresses;
import io.jlvs.core.service.RealServer;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link ConnectionTable#importEntry}: flows placed by another director, bound as given, expiring in order. */
class ImportEntryTest {
    private static final InetAddress VIP = Addresses.parseLiteral("10.255.0.1");

    private static Connection imp(final ConnFixture f, final RealServer s, final String client, final int port,
        final long remainingSeconds) {
        return f.table.importEntry(f.service, s, Protocol.UDP, Addresses.parseLiteral(client), port, VIP, 53,
            TimeUnit.SECONDS.toNanos(remainingSeconds), f.now);
    }

    @Test
    void shouldBindToTheGivenServerAndExpireInOrderOfTheRemainingTime() {
        final ConnFixture f = new ConnFixture(Protocol.UDP, 53, null);
        f.timeouts.set(new io.jlvs.core.config.Timeouts(900, 120, 300));
        final RealServer a = f.add("10.0.0.2");
        final RealServer b = f.add("10.0.0.3");
        final Connection fresh = f.open("192.168.0.9", 999); // placed here: expires after the full 300 s
        final Connection c1 = imp(f, b, "192.168.0.1", 1000, 200);
        final Connection c2 = imp(f, b, "192.168.0.2", 1000, 50);
        final Connection c3 = imp(f, a, "192.168.0.3", 1000, 120);
        final Connection c4 = imp(f, b, "192.168.0.4", 1000, 9999); // more than the timeout: capped at 300 s
        assertSame(b, c1.server());
        assertSame(a, c3.server());
        assertSame(c2, f.table.lookup(Protocol.UDP, Addresses.parseLiteral("192.168.0.2"), 1000, VIP, 53));
        assertEquals(5, f.table.count(ConnState.UDP));
        assertEquals("0/" + (fresh.server() == a ? 2 : 1), a.activeConns() + "/" + a.inactiveConns());
        assertEquals(1, f.service.stats().conns()); // only the one scheduled here
        assertNull(c1.template());

        final List<Long> expires = new ArrayList<>();
        final List<ConnectionSnapshot> rows = new ArrayList<>();
        f.table.snapshot(rows, 0, Integer.MAX_VALUE, f.now);
        for (final ConnectionSnapshot r : rows) {
            expires.add(r.expireSeconds());
        }
        expires.sort(null);
        assertEquals(List.of(50L, 120L, 200L, 300L, 300L), expires);

        // expiry follows the remaining time, not the order of import
        f.advance(50);
        assertEquals(1, f.expire());
        assertTrue(!c2.isTracked() && c1.isTracked() && c3.isTracked());
        f.advance(70);
        assertEquals(1, f.expire());
        assertTrue(!c3.isTracked() && c1.isTracked());
        f.advance(80);
        assertEquals(1, f.expire());
        assertTrue(!c1.isTracked() && c4.isTracked() && fresh.isTracked());
        f.advance(100);
        assertEquals(2, f.expire());
        assertEquals(0, f.table.count(ConnState.UDP));
        assertEquals("0/0", a.activeConns() + "/" + a.inactiveConns());
        assertEquals("0/0", b.activeConns() + "/" + b.inactiveConns());
    }

    @Test
    void shouldReplaceAnEntryWithoutSocketsAndRefuseALiveOne() {
        final ConnFixture f = new ConnFixture(Protocol.UDP, 53, null);
        final RealServer a = f.add("10.0.0.2");
        final RealServer b = f.add("10.0.0.3");
        final Connection old = imp(f, a, "192.168.0.1", 1000, 100);
        final Connection replaced = imp(f, b, "192.168.0.1", 1000, 100);
        assertTrue(!old.isTracked() && replaced.isTracked());
        assertSame(b, replaced.server());
        assertEquals(1, f.table.count(ConnState.UDP));
        replaced.attachment(new Object()); // the transport holds its socket
        assertNull(imp(f, a, "192.168.0.1", 1000, 100));
        assertTrue(f.table.lastOpenRefusedDuplicate());
        assertSame(replaced, f.table.lookup(Protocol.UDP, Addresses.parseLiteral("192.168.0.1"), 1000, VIP, 53));
    }
}
