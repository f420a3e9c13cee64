package io.jlvs.core.transport;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LruListTest {
    static final class Item extends LruLinks<Item> {
        final String name;

        Item(final String name) {
            this.name = name;
        }
    }

    private static List<String> order(final LruList<Item> l) {
        final List<String> out = new ArrayList<>();
        for (Item i = l.oldest(); i != null; i = i.lruNext()) {
            out.add(i.name);
        }
        return out;
    }

    private static List<String> backwards(final LruList<Item> l) {
        final List<String> out = new ArrayList<>();
        for (Item i = l.youngest(); i != null; i = i.lruPrev) {
            out.add(0, i.name);
        }
        return out;
    }

    private static void check(final LruList<Item> l, final String... names) {
        assertEquals(List.of(names), order(l));
        assertEquals(List.of(names), backwards(l), "the back links agree with the forward ones");
        assertEquals(names.length, l.size());
        assertEquals(names.length == 0, l.isEmpty());
    }

    @Test
    void addsAtTheYoungEndAndTouchMovesThere() {
        final LruList<Item> l = new LruList<>();
        final Item a = new Item("a");
        final Item b = new Item("b");
        final Item c = new Item("c");
        check(l);
        l.add(a, 10);
        l.add(b, 20);
        l.add(c, 30);
        check(l, "a", "b", "c");
        l.touch(a, 40);
        check(l, "b", "c", "a");
        assertEquals(40, a.lastUseNs());
        l.touch(c, 50);
        check(l, "b", "a", "c");
        l.touch(c, 60); // the youngest: stays, its time moves
        check(l, "b", "a", "c");
        assertEquals(60, c.lastUseNs());
        l.touch(a, 70); // from the middle
        check(l, "b", "c", "a");
        assertSame(b, l.oldest());
        assertSame(a, l.youngest());
    }

    @Test
    void removesFromEitherEndAndTheMiddle() {
        final LruList<Item> l = new LruList<>();
        final Item[] it = {new Item("a"), new Item("b"), new Item("c"), new Item("d"), new Item("e")};
        for (int i = 0; i < it.length; i++) {
            l.add(it[i], i);
        }
        l.remove(it[2]);
        check(l, "a", "b", "d", "e");
        assertFalse(it[2].lruLinked());
        assertNull(it[2].lruNext());
        l.remove(it[0]);
        check(l, "b", "d", "e");
        l.remove(it[4]);
        check(l, "b", "d");
        l.remove(it[4]); // not in the list any more: nothing happens
        check(l, "b", "d");
        l.remove(it[1]);
        l.remove(it[3]);
        check(l);
        assertNull(l.oldest());
        assertNull(l.youngest());
        l.add(it[3], 9); // a removed element can come back
        check(l, "d");
        assertTrue(it[3].lruLinked());
    }

    @Test
    void expiresOldestFirstAndStopsAtTheFirstInUse() {
        final LruList<Item> l = new LruList<>();
        final Item a = new Item("a");
        final Item b = new Item("b");
        final Item c = new Item("c");
        l.add(a, 100);
        l.add(b, 200);
        l.add(c, 300);
        l.touch(a, 400); // b, c, a
        final long timeout = 1_000;
        assertNull(l.expired(1_199, timeout), "b, the oldest, was used 999 ns ago");
        final List<String> evicted = new ArrayList<>();
        for (Item e; (e = l.expired(1_300, timeout)) != null; ) {
            evicted.add(e.name);
            l.remove(e);
        }
        assertEquals(List.of("b", "c"), evicted, "exactly the two idle for 1000 ns, oldest first");
        check(l, "a");
        assertSame(a, l.expired(1_400, timeout));
        assertNull(new LruList<Item>().expired(Long.MAX_VALUE, 0));
    }

    @Test
    void expiryHoldsAcrossTheWrapOfTheNanosecondClock() {
        final LruList<Item> l = new LruList<>();
        final Item a = new Item("a");
        l.add(a, Long.MAX_VALUE - 10);
        assertNull(l.expired(Long.MAX_VALUE, 100));
        assertSame(a, l.expired(Long.MIN_VALUE + 89, 100), "100 ns after its use, across the wrap");
    }

    @Test
    void refusesAnElementThatIsInAListAlready() {
        final LruList<Item> l = new LruList<>();
        final Item a = new Item("a");
        l.add(a, 1);
        assertThrows(IllegalArgumentException.class, () -> l.add(a, 2));
        assertThrows(IllegalArgumentException.class, () -> new LruList<Item>().add(a, 2));
        check(l, "a");
        assertEquals(1, a.lastUseNs());
    }
}
