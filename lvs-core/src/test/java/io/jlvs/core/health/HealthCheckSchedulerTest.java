package io.jlvs.core.health;

import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.net.Addresses;
import io.jlvs.core.sched.RandomSource;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.ServiceTable;
import io.jlvs.core.service.TestSchedulers;
import io.jlvs.core.service.VirtualService;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The transport-neutral scheduling with no transport and no thread: the test is the health thread (it drains the
 * commands and runs the duty cycle) and the fake host records the probes the built-in checks ask for.
 */
class HealthCheckSchedulerTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final ServiceKey KEY = ServiceKey.tcp("10.0.0.1", 80);

    private long now = 1_000 * SECOND;
    private final ServiceTable services = new ServiceTable(TestSchedulers.registry(new ArrayList<>(), "first"),
        () -> now, RandomSource.THREAD_LOCAL);
    private final Map<String, HealthChecker> checkers = new HashMap<>();
    private final List<HealthEvent> events = new CopyOnWriteArrayList<>();
    private final Host host = new Host();
    private final HealthCheckScheduler scheduler = new HealthCheckScheduler(services, () -> now, checkers,
        new CopyOnWriteArrayList<>(List.of(events::add)), host, (plain, ctx, window) -> {
            throw new AssertionError("no slow start asked for");
        });

    /** The transport side: a command queue the test drains, and a record of the probes asked for. */
    private static final class Host implements HealthCheckScheduler.Host {
        final Deque<Runnable> commands = new ArrayDeque<>();
        final List<String> probes = new ArrayList<>();
        final List<HealthCheckScheduler.Judge> judges = new ArrayList<>();
        final List<Consumer<CheckResult>> dones = new ArrayList<>();

        @Override
        public void onHealthThread(final Runnable command) {
            commands.add(command);
        }

        @Override
        public void closeSessionsOf(final RealServer server) {
            probes.add("close sessions of " + server.addressAndPort());
        }

        @Override
        public void stream(final InetSocketAddress target, final long timeoutNanos, final byte[] request,
            final HealthCheckScheduler.Judge judge, final Consumer<CheckResult> done) {
            probes.add("stream " + target.getAddress().getHostAddress() + ":" + target.getPort() + " "
                + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms "
                + (request == null ? "-" : new String(request, StandardCharsets.US_ASCII)));
            judges.add(judge);
            dones.add(done);
        }

        @Override
        public void datagram(final InetSocketAddress target, final long timeoutNanos, final byte[] payload,
            final HealthCheckScheduler.Judge judge, final Consumer<CheckResult> done) {
            probes.add("datagram " + target.getAddress().getHostAddress() + ":" + target.getPort() + " "
                + new String(payload, StandardCharsets.ISO_8859_1));
            judges.add(judge);
            dones.add(done);
        }
    }

    /** A checker that keeps every callback for the test to answer (or not), or throws what it is given. */
    private static final class Held implements HealthChecker {
        final List<String> asked = new ArrayList<>();
        final List<Consumer<CheckResult>> callbacks = new ArrayList<>();
        RuntimeException thrown;

        @Override
        public String name() {
            return "held";
        }

        @Override
        public void check(final RealServer server, final InetSocketAddress target, final long timeoutNanos,
            final Consumer<CheckResult> done) {
            if (thrown != null) {
                throw thrown;
            }
            asked.add(server.addressAndPort());
            callbacks.add(done);
        }
    }

    /** One duty cycle of the health thread at the current time: commands, then the scheduler's work. */
    private void cycle() {
        while (!host.commands.isEmpty()) {
            host.commands.poll().run();
        }
        scheduler.run();
        while (!host.commands.isEmpty()) {
            host.commands.poll().run();
        }
    }

    private VirtualService service(final VirtualServiceConfig.Builder b, final String... servers) {
        services.addService(b.scheduler("first").build());
        for (final String s : servers) {
            services.addServer(KEY, RealServerConfig.builder(s, 8080).build());
        }
        return services.service(KEY);
    }

    @Test
    void firstChecksAreSpreadOverOneIntervalThenOnePerIntervalAfterEachResult() {
        final Held held = new Held();
        checkers.put("held", held);
        scheduler.begin();
        service(VirtualServiceConfig.builder(KEY).option("check", "held").option("check-interval", "1000"),
            "10.0.1.1", "10.0.1.2", "10.0.1.3");
        cycle();
        now += SECOND - 1; // the latest a first check may be due
        cycle();
        assertEquals(3, held.asked.size(), held.asked.toString());
        assertEquals(3, held.asked.stream().distinct().count(), held.asked.toString());
        for (final Consumer<CheckResult> c : held.callbacks) {
            c.accept(CheckResult.pass("ok"));
        }
        cycle();
        now += SECOND - 1;
        cycle();
        assertEquals(3, held.asked.size(), "not again within one interval of the result");
        now += 1;
        cycle();
        assertEquals(6, held.asked.size());
    }

    @Test
    void aCheckThatNeverAnswersFailsAtItsTimeoutAndALateAnswerIsIgnored() {
        final Held held = new Held();
        checkers.put("held", held);
        scheduler.begin();
        final VirtualService svc = service(VirtualServiceConfig.builder(KEY).option("check", "held")
            .option("check-interval", "1000").option("check-timeout", "300").option("fall", "1").option("rise", "1"),
            "10.0.1.1");
        cycle();
        now += SECOND;
        cycle();
        assertEquals(1, held.asked.size());
        final long startedBy = now;
        now = startedBy + TimeUnit.MILLISECONDS.toNanos(299);
        cycle();
        assertEquals(List.of(), events);
        assertTrue(scheduler.waitNanos() <= TimeUnit.MILLISECONDS.toNanos(1), "wakes for the timeout");
        now = startedBy + TimeUnit.MILLISECONDS.toNanos(300);
        cycle();
        assertEquals(1, events.size(), events.toString());
        assertEquals(HealthState.DOWN, events.get(0).state());
        assertEquals("no answer within 300 ms", events.get(0).reason());
        assertEquals(0, svc.servers().size());
        held.callbacks.get(0).accept(CheckResult.pass("too late"));
        cycle();
        assertEquals(1, events.size(), "the late pass changed nothing");
        assertEquals(0, svc.servers().size());
    }

    @Test
    void aRemovedServerIsNoLongerCheckedAndTurningChecksOffPutsServersBack() {
        final Held held = new Held();
        checkers.put("held", held);
        scheduler.begin();
        final VirtualService svc = service(VirtualServiceConfig.builder(KEY).option("check", "held")
            .option("check-interval", "1000").option("fall", "1"), "10.0.1.1", "10.0.1.2");
        cycle();
        now += SECOND;
        cycle();
        assertEquals(2, held.asked.size());
        for (final Consumer<CheckResult> c : held.callbacks) {
            c.accept(CheckResult.fail("bad"));
        }
        cycle();
        assertEquals(0, svc.servers().size());
        services.deleteServer(KEY, Addresses.parseLiteral("10.0.1.2"), 8080);
        for (int i = 0; i < 3; i++) {
            now += SECOND;
            cycle();
            held.callbacks.get(held.callbacks.size() - 1).accept(CheckResult.fail("bad"));
            cycle();
        }
        assertEquals(5, held.asked.size(), held.asked.toString());
        assertEquals(List.of("10.0.1.1:8080"), held.asked.subList(2, 5).stream().distinct().toList());
        services.editService(VirtualServiceConfig.builder(KEY).scheduler("first").build());
        cycle();
        assertEquals(1, svc.servers().size(), "checking off: the member is back in rotation");
        now += 10 * SECOND;
        cycle();
        assertEquals(5, held.asked.size(), "and no longer checked");
    }

    @Test
    void builtInChecksAskTheHostForTheirProbesAndJudgeTheReplies() {
        scheduler.begin();
        service(VirtualServiceConfig.builder(KEY).option("check", "http").option("check-port", "9000")
            .option("http-path", "/ready").option("http-status", "200-204").option("http-body", "ok")
            .option("check-interval", "1000").option("check-timeout", "700"), "10.0.1.1");
        cycle();
        now += SECOND;
        cycle();
        assertEquals(List.of("stream 10.0.1.1:9000 700 ms GET /ready HTTP/1.0\r\nHost: 10.0.1.1:9000\r\n"
            + "User-Agent: jlvs-health-check\r\nConnection: close\r\n\r\n"), host.probes);
        final HealthCheckScheduler.Judge http = host.judges.get(0);
        assertEquals(CheckResult.pass("HTTP 204 in 12 ms"), judge(http, "HTTP/1.1 204 No Content\r\n\r\nall ok"));
        assertEquals(CheckResult.fail("HTTP 500"), judge(http, "HTTP/1.0 500 Oops\r\n\r\nok"));
        assertEquals(CheckResult.fail("HTTP 200 without 'ok' in the body"), judge(http, "HTTP/1.0 200 OK\r\n\r\nno"));
        assertEquals(CheckResult.fail("not an HTTP response"), judge(http, "SSH-2.0-OpenSSH\r\n"));
        assertEquals(CheckResult.fail("not an HTTP response"), judge(http, ""));

        services.editService(VirtualServiceConfig.builder(KEY).scheduler("first").option("check", "tcp")
            .option("check-interval", "1000").build());
        host.dones.get(0).accept(CheckResult.pass("HTTP 204"));
        cycle();
        now += SECOND;
        cycle();
        assertEquals("stream 10.0.1.1:8080 1000 ms -", host.probes.get(1));
        assertEquals(CheckResult.pass("connected in 12 ms"), judge(host.judges.get(1), ""));

        services.editService(VirtualServiceConfig.builder(KEY).scheduler("first").option("check", "udp")
            .option("udp-send", "ping?").option("udp-expect", "pong").option("check-interval", "1000").build());
        host.dones.get(1).accept(CheckResult.pass("connected"));
        cycle();
        now += SECOND;
        cycle();
        assertEquals("datagram 10.0.1.1:8080 ping?", host.probes.get(2));
        assertEquals(CheckResult.pass("reply in 12 ms"), judge(host.judges.get(2), "pong!"));
        assertEquals(CheckResult.fail("reply without 'pong'"), judge(host.judges.get(2), "ping?"));
    }

    @Test
    void aCheckerThatThrowsFailsThatCheckOnlyAndAnUnknownNameChecksNothing() {
        final Held broken = new Held();
        broken.thrown = new IllegalStateException("bug");
        checkers.put("broken", broken);
        scheduler.begin();
        final VirtualService svc = service(VirtualServiceConfig.builder(KEY).option("check", "broken")
            .option("check-interval", "1000").option("fall", "1"), "10.0.1.1");
        cycle();
        now += SECOND;
        cycle();
        assertEquals(1, events.size());
        assertEquals("checker threw java.lang.IllegalStateException: bug", events.get(0).reason());
        services.editService(VirtualServiceConfig.builder(KEY).scheduler("first").option("check", "nosuch")
            .option("check-interval", "1000").build());
        for (int i = 0; i < 3; i++) {
            now += SECOND;
            cycle();
        }
        assertEquals(List.of(), host.probes);
        assertEquals(1, events.size());
        assertFalse(svc.inSorryMode());
        scheduler.end();
        services.deleteService(KEY);
        assertNull(host.commands.peek(), "after end() the table's changes no longer reach the scheduler");
    }

    private static CheckResult judge(final HealthCheckScheduler.Judge j, final String reply) {
        final byte[] b = reply.getBytes(StandardCharsets.ISO_8859_1);
        return j.judge(b, b.length, TimeUnit.MILLISECONDS.toNanos(12));
    }
}
