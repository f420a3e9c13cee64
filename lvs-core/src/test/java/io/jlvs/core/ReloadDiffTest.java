package io.jlvs.core;

import io.jlvs.core.config.ConfigDiff;
import io.jlvs.core.config.DirectorConfig;
import io.jlvs.core.config.Extensions;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.Timeouts;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.rules.RulesException;
import io.jlvs.core.rules.RulesParser;
import io.jlvs.core.rules.RulesWriter;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.TestSchedulers;
import io.jlvs.core.service.VirtualService;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link LoadBalancer#reload} applies the difference and keeps what did not change, counters included. */
class ReloadDiffTest {
    private static final ServiceKey WEB = ServiceKey.tcp("10.0.0.1", 80);
    private static final ServiceKey MAIL = ServiceKey.tcp("10.0.0.1", 25);
    private static final ServiceKey DNS = ServiceKey.udp("10.0.0.1", 53);
    private static final ServiceKey API = ServiceKey.tcp("10.0.0.1", 8080);
    private static final String BEFORE = "-A -t 10.0.0.1:80 -s rr\n"
        + "-a -t 10.0.0.1:80 -r 10.0.1.1:80 -m -w 1\n"
        + "-a -t 10.0.0.1:80 -r 10.0.1.2:80 -m -w 1\n"
        + "-a -t 10.0.0.1:80 -r 10.0.1.3:80 -m -w 1\n"
        + "-A -t 10.0.0.1:25 -s wlc\n"
        + "-a -t 10.0.0.1:25 -r 10.0.2.1:25 -m\n"
        + "-A -u 10.0.0.1:53 -s rr\n"
        + "-a -u 10.0.0.1:53 -r 10.0.3.1:53 -m\n";
    // WEB: 10.0.1.1 unchanged, 10.0.1.2 weight 5, 10.0.1.3 removed, 10.0.1.4 added, scheduler rr -> lc
    // MAIL: unchanged; DNS: removed; API: added; timeouts set
    private static final String AFTER = "-A -t 10.0.0.1:80 -s lc --max-conns 100\n"
        + "-a -t 10.0.0.1:80 -r 10.0.1.1:80 -m -w 1\n"
        + "-a -t 10.0.0.1:80 -r 10.0.1.2:80 -m -w 5\n"
        + "-a -t 10.0.0.1:80 -r 10.0.1.4:80 -m -w 2\n"
        + "-A -t 10.0.0.1:25 -s wlc\n"
        + "-a -t 10.0.0.1:25 -r 10.0.2.1:25 -m\n"
        + "-A -t 10.0.0.1:8080 -s rr\n"
        + "-a -t 10.0.0.1:8080 -r 10.0.4.1:8080 -m\n"
        + "--set 600 60 120\n";

    private static LoadBalancer director(final String rules) {
        return LoadBalancer.builder().schedulerRegistry(TestSchedulers.registry(null, "rr", "wlc", "lc"))
            .rules(rules).build();
    }

    private static ConfigDiff.Server server(final ServiceKey key, final String address, final int port) {
        return new ConfigDiff.Server(key, io.jlvs.core.net.Addresses.parseLiteral(address), port);
    }

    private static RealServer live(final LoadBalancer lb, final ServiceKey key, final String address) {
        final VirtualService s = lb.services().service(key);
        final InetAddress a = io.jlvs.core.net.Addresses.parseLiteral(address);
        for (int i = 0; i < s.members().size(); i++) {
            if (s.members().get(i).address().equals(a)) {
                return s.members().get(i);
            }
        }
        return null;
    }

    @Test
    void shouldComputeTheDifferenceOfTwoConfigurations() {
        final RulesParser p = RulesParser.withExtensions(Extensions.transport());
        final DirectorConfig a = p.load(BEFORE, DirectorConfig.EMPTY, n -> true).config();
        final DirectorConfig b = p.load(AFTER, DirectorConfig.EMPTY, n -> true).config();
        final ConfigDiff d = ConfigDiff.between(a, b);
        assertEquals(List.of(API), d.addedServices());
        assertEquals(List.of(DNS), d.removedServices());
        assertEquals(List.of(WEB), d.changedServices());
        assertEquals(List.of(server(WEB, "10.0.1.4", 80), server(API, "10.0.4.1", 8080)), d.addedServers());
        assertEquals(List.of(server(DNS, "10.0.3.1", 53), server(WEB, "10.0.1.3", 80)), d.removedServers());
        assertEquals(List.of(server(WEB, "10.0.1.2", 80)), d.changedServers());
        assertTrue(d.timeoutsChanged());
        assertEquals("services +1 -1 ~1, servers +2 -2 ~1, timeouts changed", d.summary());
        assertEquals("+ TCP 10.0.0.1:8080", d.lines().get(0));
        assertTrue(ConfigDiff.between(a, a).isEmpty());
        assertEquals(List.of(), ConfigDiff.between(b, b).lines());
    }

    @Test
    void shouldApplyTheDifferenceAndKeepWhatDidNotChange() {
        try (LoadBalancer lb = director(BEFORE)) {
            final VirtualService web = lb.services().service(WEB);
            final VirtualService mail = lb.services().service(MAIL);
            final RealServer same = live(lb, WEB, "10.0.1.1");
            final RealServer reweighted = live(lb, WEB, "10.0.1.2");
            final RealServer removed = live(lb, WEB, "10.0.1.3");
            final RealServer mailServer = live(lb, MAIL, "10.0.2.1");
            same.stats().addConnection(0);
            same.stats().addIn(0, 3, 300);
            reweighted.stats().addConnection(0);
            reweighted.stats().addConnection(0);
            mailServer.stats().addConnection(0);
            web.stats().addConnection(0);
            mail.stats().addConnection(0);
            removed.bindConnection(); // a live connection still uses it

            final ReloadResult r = lb.reload(AFTER, "after.rules");

            assertEquals("services +1 -1 ~1, servers +2 -2 ~1, timeouts changed", r.changes().summary());
            // unchanged and changed services and servers are the same objects, counters continue
            assertSame(web, lb.services().service(WEB));
            assertSame(mail, lb.services().service(MAIL));
            assertSame(same, live(lb, WEB, "10.0.1.1"));
            assertSame(reweighted, live(lb, WEB, "10.0.1.2"));
            assertSame(mailServer, live(lb, MAIL, "10.0.2.1"));
            assertEquals(1, same.stats().conns());
            assertEquals(300, same.stats().snapshot().inBytes());
            assertEquals(2, reweighted.stats().conns());
            assertEquals(1, mailServer.stats().conns());
            assertEquals(1, web.stats().conns());
            assertEquals(1, mail.stats().conns());
            // changes apply
            assertEquals(5, reweighted.weight());
            assertEquals("lc", web.scheduler().name());
            assertEquals(100, Extensions.maxConnections(web.config()));
            assertEquals(2, live(lb, WEB, "10.0.1.4").weight());
            assertNull(lb.services().service(DNS));
            assertNotNull(lb.services().service(API));
            assertEquals(new Timeouts(600, 60, 120), lb.services().timeouts());
            // a removed server with a live connection waits in the trash, unavailable, counters intact
            assertNull(live(lb, WEB, "10.0.1.3"));
            assertTrue(web.trashedServers().contains(removed));
            assertFalse(removed.isAvailable());
            assertEquals(1, removed.activeConns() + removed.inactiveConns());
            // the director now runs exactly what the rules say (what a fresh start with them would run)
            try (LoadBalancer fresh = director(AFTER)) {
                assertEquals(RulesWriter.save(fresh.config()), RulesWriter.save(lb.config()));
            }
            assertEquals(lb.config(), r.config());
            // reloading the same rules again changes nothing
            assertTrue(lb.reload(AFTER, "after.rules").changes().isEmpty());
            assertEquals(1, same.stats().conns());
        }
    }

    @Test
    void shouldChangeNothingWhenTheRulesHaveAnError() {
        try (LoadBalancer lb = director(BEFORE)) {
            final DirectorConfig before = lb.config();
            final String bad = AFTER.replace("-a -t 10.0.0.1:8080 -r 10.0.4.1:8080 -m",
                "-a -t 10.0.0.1:8080 -r 10.0.4.1:8080 -m -w 70000");
            final RulesException e = assertThrows(RulesException.class, () -> lb.reload(bad, "bad.rules"));
            assertEquals(List.of("line 8: -w 70000: weight must be 0..65535"), e.errors());
            assertEquals(before, lb.config());
            // an error found while applying the commands (a loop, an unknown checker) names its line too
            final RulesException loop = assertThrows(RulesException.class, () -> lb.reload(AFTER
                + "-a -t 10.0.0.1:8080 -r 10.0.0.1:25 -m\n", "loop.rules"));
            assertTrue(loop.getMessage().startsWith("line 10: -a -t 10.0.0.1:8080 -r 10.0.0.1:25: real server "
                + "10.0.0.1:25 is the address of the virtual service TCP 10.0.0.1:25"), loop.getMessage());
            final RulesException checker = assertThrows(RulesException.class, () -> lb.reload(
                AFTER.replace("--max-conns 100", "--check htttp"), "typo.rules"));
            assertTrue(checker.getMessage().startsWith("line 1: -A -t 10.0.0.1:80: --check htttp: no health checker"),
                checker.getMessage());
            assertEquals(before, lb.config());
        }
    }

    @Test
    void shouldKeepASchedulerInstanceTheApplicationGaveButNotLendItToNewServices() {
        final List<String> log = new java.util.ArrayList<>();
        try (LoadBalancer lb = LoadBalancer.builder().schedulerRegistry(TestSchedulers.registry(null, "rr"))
            .service(VirtualServiceConfig.builder(WEB).scheduler("mine").build(),
                new TestSchedulers.Recording("mine", log), RealServerConfig.builder("10.0.1.1", 80).build())
            .build()) {
            final io.jlvs.core.sched.Scheduler instance = lb.services().service(WEB).scheduler();
            final ReloadResult r = lb.reload("-A -t 10.0.0.1:80 -s mine\n-a -t 10.0.0.1:80 -r 10.0.1.1:80 -m -w 4\n",
                "r");
            assertEquals(List.of(server(WEB, "10.0.1.1", 80)), r.changes().changedServers());
            assertSame(instance, lb.services().service(WEB).scheduler());
            final RulesException e = assertThrows(RulesException.class, () -> lb.reload("-A -t 10.0.0.1:80 -s mine\n"
                + "-A -t 10.0.0.1:81 -s mine\n", "r"));
            assertEquals("line 2: -A -t 10.0.0.1:81 -s mine: scheduler 'mine' is an instance the application gave to "
                + "another service; rules can only name schedulers of the registry (new service)", e.getMessage());
            assertEquals(4, lb.services().service(WEB).members().get(0).weight());
        }
    }
}
