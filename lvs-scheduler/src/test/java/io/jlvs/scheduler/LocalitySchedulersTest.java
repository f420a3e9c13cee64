package io.jlvs.scheduler;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.sched.Flow;
import io.jlvs.core.sched.Flows;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalitySchedulersTest {
    private static Flow to(final String destination) {
        return Flows.of(Protocol.TCP, Fixture.ip("192.168.0.1"), 1000, Fixture.ip(destination), 80);
    }

    @Test
    void lblcShouldStickToCachedServerPerDestination() {
        final Fixture f = new Fixture("lblc");
        f.add("A", 1);
        f.add("B", 1);
        assertEquals("B", f.pick(to("10.1.0.1"))); // wlc: newest wins
        Fixture.load(f.server("B"), 1, 0);
        assertEquals("B", f.pick(to("10.1.0.1"))); // cached, active 1 <= weight 1
        assertEquals("A", f.pick(to("10.1.0.2"))); // new destination: wlc picks A
    }

    @Test
    void lblcShouldIgnoreOverloadFlagOnHitButLeaveOverloadedServer() {
        final Fixture f = new Fixture("lblc");
        f.add("A", 1);
        f.add("B", 1, 1);
        assertEquals("B", f.pick(to("10.1.0.1")));
        f.server("B").bindConnection(); // OVERLOAD set, but lblc does not look at it on a hit
        assertEquals("B", f.pick(to("10.1.0.1")));
        f.server("B").connectionActivated();
        Fixture.load(f.server("B"), 1, 0); // active 2 > weight 1 and A has 0*2 < 1: lblc-overloaded
        assertEquals("A", f.pick(to("10.1.0.1")));
        assertEquals("A", f.pick(to("10.1.0.1"))); // the cache now says A
    }

    @Test
    void lblcShouldReplaceEntryForUnavailableServer() throws Exception {
        final Fixture f = new Fixture("lblc");
        f.add("A", 1);
        f.add("B", 1);
        assertEquals("B", f.pick(to("10.1.0.1")));
        f.remove("B");
        assertEquals("A", f.pick(to("10.1.0.1")));
        final Lblc s = (Lblc) f.service.scheduler();
        // IPVS counts the replacement as a new entry without uncounting the old one
        assertEquals(2, s.cache().entries());
    }

    @Test
    void lblcShouldExpireUnusedEntriesOnTheThirtiethCheck() {
        final Fixture f = new Fixture("lblc");
        f.add("A", 1);
        final Lblc s = (Lblc) f.service.scheduler();
        f.pick(to("10.1.0.1"));
        assertNotNull(s.cache().get(0x0a010001, null)); // 10.1.0.1
        f.now += TimeUnit.HOURS.toNanos(25);
        // the first 29 checks only count (the table is far below 16384 entries)
        for (int i = 1; i < 30; i++) {
            s.cache().collect(f.now);
            assertNotNull(s.cache().get(0x0a010001, null), "check " + i);
        }
        s.cache().collect(f.now); // 30th: the full expiration pass
        assertNull(s.cache().get(0x0a010001, null));
        assertEquals(0, s.cache().entries());
    }

    @Test
    void lblcShouldRunChecksFromPicksEverySixtySeconds() {
        final Fixture f = new Fixture("lblc");
        f.add("A", 1);
        final Lblc s = (Lblc) f.service.scheduler();
        final long first = s.cache().nextCheckNs();
        assertEquals(f.now + TimeUnit.SECONDS.toNanos(60), first);
        f.pick(to("10.1.0.1"));
        assertEquals(first, s.cache().nextCheckNs());
        f.now += TimeUnit.SECONDS.toNanos(60);
        f.pick(to("10.1.0.1"));
        assertEquals(f.now + TimeUnit.SECONDS.toNanos(60), s.cache().nextCheckNs());
    }

    @Test
    void lblcShouldCollectIdleEntriesWhenOverMaximumSize() {
        final Fixture f = new Fixture("lblc");
        f.add("A", 1);
        final Lblc s = (Lblc) f.service.scheduler();
        for (int i = 0; i <= LocalityTable.MAX_SIZE; i++) { // 16385 destinations
            f.pick(Flows.of(Protocol.TCP, Fixture.ip("192.168.0.1"), 1, io.jlvs.core.net.Addresses.ipv4(0x0b000000 + i),
                80));
        }
        assertEquals(LocalityTable.MAX_SIZE + 1, s.cache().entries());
        f.pick(to("10.1.0.1")); // over the maximum: no new entry
        assertEquals(LocalityTable.MAX_SIZE + 1, s.cache().entries());
        f.now += TimeUnit.MINUTES.toNanos(6);
        final int firstBucket = s.cache().bucketSize(1); // the rover starts at 0, so bucket 1 is swept first
        assertTrue(firstBucket > 1);
        s.cache().collect(f.now); // counter 1: over size, goal = min(1 * 4 / 3, 8192) = 1
        assertEquals(LocalityTable.MAX_SIZE + 1 - firstBucket, s.cache().entries(),
            "a swept bucket is emptied whole before the goal is checked");
    }

    @Test
    void lblcrShouldGrowSetWhenMemberOverloadedAndShrinkAfterExpiration() {
        final Fixture f = new Fixture("lblcr");
        f.add("A", 1);
        f.add("B", 1);
        assertEquals("B", f.pick(to("10.1.0.1")));
        Fixture.load(f.server("B"), 2, 0); // lblc-overloaded (A idle)
        assertEquals("A", f.pick(to("10.1.0.1"))); // wlc pick added to the set
        final Lblcr s = (Lblcr) f.service.scheduler();
        final Lblcr.CacheEntry e = s.cache().get(0x0a010001, null);
        assertEquals(2, e.set.members.length);
        assertEquals("A", f.pick(to("10.1.0.1"))); // set min: A (0) over B (512)
        f.now += TimeUnit.HOURS.toNanos(24) + 1;
        assertEquals("A", f.pick(to("10.1.0.1"))); // set unchanged for 24 h: drop the most loaded (B)
        assertEquals(1, s.cache().get(0x0a010001, null).set.members.length);
        assertEquals(f.server("A"), s.cache().get(0x0a010001, null).set.members[0]);
    }

    @Test
    void lblcrShouldSkipWeightZeroMembers() {
        final Fixture f = new Fixture("lblcr");
        f.add("A", 1);
        f.add("B", 1);
        assertEquals("B", f.pick(to("10.1.0.1")));
        f.weight("B", 0);
        assertEquals("A", f.pick(to("10.1.0.1")));
        f.weight("A", 0);
        assertEquals("-", f.pick(to("10.1.0.1")));
    }
}
