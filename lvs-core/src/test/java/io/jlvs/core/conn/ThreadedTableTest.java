package io.jlvs.core.conn;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.listing.ConnectionSnapshot;
import io.jlvs.core.net.Addresses;
import io.jlvs.core.sched.MutableFlow;
import io.jlvs.core.service.RealServer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two "event loops" own a table each (sharing templates and servers) and churn entries, while a reader lists them
 * through the loops' command queues. At the end every counter must be back to zero.
 */
@org.junit.jupiter.api.Timeout(value = 300, unit = TimeUnit.SECONDS)
class ThreadedTableTest {
    private static final class Loop extends Thread {
        final ConnectionTable table;
        final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final ConnFixture f;
        final AtomicLong clock;
        final int id;

        Loop(final ConnFixture f, final AtomicLong clock, final int id) {
            this.f = f;
            this.clock = clock;
            this.id = id;
            this.table = new ConnectionTable(f.timeouts, f.persistence, f.totals, id, 1024, clock.get());
        }

        @Override
        public void run() {
            final MutableFlow flow = new MutableFlow();
            final ThreadLocalRandom r = ThreadLocalRandom.current();
            final int va = Addresses.fold(Addresses.parseLiteral("10.255.0.1"));
            try {
                while (!stop.get()) {
                    for (Runnable c = commands.poll(); c != null; c = commands.poll()) {
                        c.run();
                    }
                    final long now = clock.get();
                    for (int i = 0; i < 200 && table.size() < 5000; i++) {
                        final int ca = 0xc0a80000 | r.nextInt(1 << 12);
                        final int cp = 1024 + r.nextInt(60000);
                        flow.setIpv4(Protocol.TCP, ca, cp, va, 80);
                        final Connection c = table.open(f.service, flow, Protocol.TCP, ca, cp, va, 80, now);
                        if (c != null) {
                            table.event(c, SocketEvent.ACCEPTED, now);
                            table.event(c, r.nextBoolean() ? SocketEvent.CONNECTED : SocketEvent.CONNECT_FAILED, now);
                            if (r.nextInt(4) == 0) {
                                table.event(c, SocketEvent.CLIENT_FIN, now);
                            }
                        }
                    }
                    table.expire(now, 500);
                    Thread.onSpinWait();
                }
            } catch (final Throwable e) {
                failure.set(e);
            }
        }

        List<ConnectionSnapshot> list() throws Exception {
            final CompletableFuture<List<ConnectionSnapshot>> done = new CompletableFuture<>();
            final List<ConnectionSnapshot> rows = new ArrayList<>();
            final Runnable[] step = new Runnable[1];
            final int[] from = {0};
            step[0] = () -> {
                from[0] = table.snapshot(rows, from[0], 64, clock.get());
                if (from[0] < 0) {
                    done.complete(rows);
                } else {
                    commands.add(step[0]); // next chunk on a later duty cycle
                }
            };
            commands.add(step[0]);
            return done.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldListWhileLoopsCreateAndExpireAndBalanceCountersAtTheEnd() throws Exception {
        final ConnFixture f = new ConnFixture(Protocol.TCP, 80, ConnFixture.persistent(Protocol.TCP, 80, 30, 28));
        final RealServer a = f.add("10.0.0.2");
        final RealServer b = f.add("10.0.0.3");
        final AtomicLong clock = new AtomicLong(f.now);
        final Loop[] loops = {new Loop(f, clock, 0), new Loop(f, clock, 1)};
        for (final Loop l : loops) {
            l.start();
        }
        final Set<String> states = Set.of("NONE", "ASSURED", "SYN_RECV", "ESTABLISHED", "CLOSE", "CLOSE_WAIT");
        int listed = 0;
        for (int round = 0; round < 30; round++) {
            clock.addAndGet(TimeUnit.SECONDS.toNanos(3));
            for (final Loop l : loops) {
                for (final ConnectionSnapshot row : l.list()) {
                    assertTrue(states.contains(row.state()), row.row());
                    final String d = row.serverAddress().getHostAddress();
                    assertTrue(d.equals("10.0.0.2") || d.equals("10.0.0.3"), row.row());
                    listed++;
                }
            }
        }
        for (final Loop l : loops) {
            l.stop.set(true);
            l.join(30_000);
            assertFalse(l.isAlive(), l.getName() + " did not stop within 30 s");
            assertNull(l.failure.get());
        }
        assertTrue(listed > 0);
        final long end = clock.get() + TimeUnit.HOURS.toNanos(1);
        for (int i = 0; i < 3; i++) { // connections first, then templates freed of their children
            for (final Loop l : loops) {
                int expired;
                do {
                    expired = l.table.expire(end + i * TimeUnit.MINUTES.toNanos(2), 10_000);
                    assertTrue(expired >= 0 && expired <= 10_000, "expired " + expired + " with a limit of 10000");
                } while (expired > 0);
            }
        }
        for (final Loop l : loops) {
            assertEquals(0, l.table.size(), "entries left in loop " + l.getName());
        }
        for (final RealServer s : List.of(a, b)) {
            assertEquals(0, s.activeConns(), s.toString());
            assertEquals(0, s.inactiveConns(), s.toString());
            assertEquals(0, s.persistConns(), s.toString());
        }
        assertEquals(0, f.persistence.size());
    }
}
