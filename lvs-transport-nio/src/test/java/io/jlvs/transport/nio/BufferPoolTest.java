package io.jlvs.transport.nio;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BufferPoolTest {
    @Test
    void shouldGiveLargeBuffersUpToHalfTheBudgetThenSmallOnesThenNone() {
        final RelayBudget budget = new RelayBudget(1 << 20);
        final BufferPool pool = new BufferPool(256 * 1024, 1024, budget, 1);
        final List<ByteBuffer> held = new ArrayList<>();
        held.add(pool.acquire(true));
        held.add(pool.acquire(true));
        assertEquals(256 * 1024, held.get(0).capacity());
        assertEquals(256 * 1024, held.get(1).capacity());
        final ByteBuffer third = pool.acquire(true);
        assertEquals(BufferPool.SMALL, third.capacity(), "the large share is spent: a small one");
        held.add(third);
        while (budget.reserved() + BufferPool.SMALL <= budget.limit()) {
            held.add(pool.acquire(false));
        }
        assertEquals(budget.limit(), budget.reserved());
        assertEquals(2 + 32, held.size());
        assertNull(pool.acquire(false), "the budget is spent: back-pressure");
        assertNull(pool.acquire(true));
        assertFalse(pool.mayAcquire());
        assertEquals(2, budget.refusals());
        pool.release(held.remove(held.size() - 1));
        assertTrue(pool.mayAcquire(), "an idle buffer is there again");
        assertNotNull(pool.acquire(false));
        assertEquals(held.size() + 1, pool.outstanding());
    }

    @Test
    void shouldGiveBackTheBudgetOfBuffersItDrops() {
        final RelayBudget budget = new RelayBudget(1 << 20);
        final BufferPool pool = new BufferPool(64 * 1024, 1024, budget, 1); // idle cap: a quarter of the budget
        final List<ByteBuffer> held = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            held.add(pool.acquire(true));
        }
        assertEquals(8 * 64 * 1024, budget.reserved());
        for (final ByteBuffer b : held) {
            pool.release(b);
        }
        assertEquals(4 * 64 * 1024, budget.reserved(), "four kept idle (256 KiB), four dropped and given back");
        pool.clear();
        assertEquals(0, budget.reserved());
    }

    @Test
    void shouldReadHotSpotSizes() {
        assertEquals(64L << 20, RelayBudget.parseSize("64m"));
        assertEquals(64L << 20, RelayBudget.parseSize("64M"));
        assertEquals(2L << 30, RelayBudget.parseSize("2g"));
        assertEquals(512L << 10, RelayBudget.parseSize("512k"));
        assertEquals(1_000_000L, RelayBudget.parseSize("1000000"));
        assertEquals(-1, RelayBudget.parseSize("lots"));
        assertEquals(-1, RelayBudget.parseSize(""));
        assertTrue(RelayBudget.maxDirectMemory() > 0);
        assertEquals(12345678L, RelayBudget.resolve(12345678L));
        assertEquals(RelayBudget.maxDirectMemory() / 2, RelayBudget.resolve(0), 1.0);
    }
}
