package io.jlvs.core.rules;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.config.DirectorConfig;
import io.jlvs.core.config.ForwardingMethod;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.RuleExtension;
import io.jlvs.core.config.SchedulerFlags;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.Timeouts;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.listing.ListFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RulesParserTest {
    private static final Predicate<String> SCHEDULERS =
        Set.of("rr", "wrr", "lc", "wlc", "sed", "nq", "dh", "sh", "lblc", "lblcr", "mh", "fo", "ovf", "twos")::contains;
    private static final ServiceKey WEB = ServiceKey.tcp("10.0.0.1", 80);
    private final RulesParser parser = RulesParser.ipvsadm();

    private RuleCommand one(final String line) {
        return parser.parseLine(line, 1);
    }

    private DirectorConfig load(final String text) {
        return parser.load(text, DirectorConfig.EMPTY, SCHEDULERS).config();
    }

    @Test
    void shouldApplyIpvsadmDefaultsToAddService() {
        final VirtualServiceConfig s = one("-A -t 10.0.0.1:80").serviceConfig();
        assertEquals(WEB, s.key());
        assertEquals("wlc", s.scheduler());
        assertFalse(s.persistent());
        assertTrue(s.defaultNetmask());
        assertEquals(0, s.schedulerFlags());
    }

    @Test
    void shouldReadEveryServiceOption() throws Exception {
        VirtualServiceConfig s = one("-A -t 10.0.0.1:80 -s rr -p -M 255.255.255.0").serviceConfig();
        assertEquals("rr", s.scheduler());
        assertTrue(s.persistent());
        assertEquals(360, s.persistenceSeconds());
        assertEquals(0xffffff00, s.netmask());
        assertEquals("255.255.255.0", s.netmaskText());

        s = one("-A -u 10.0.0.1:53 -s rr -o -p 600").serviceConfig();
        assertEquals(Protocol.UDP, s.key().protocol());
        assertTrue(s.onePacket());
        assertEquals(600, s.persistenceSeconds());

        s = one("-A -t 10.0.0.1:80 -s sh -b sh-fallback,sh-port").serviceConfig();
        assertEquals(SchedulerFlags.SH_FALLBACK | SchedulerFlags.SH_PORT, s.schedulerFlags());

        s = one("-A -t [2001:db8::1]:443 -s mh -b mh-port -p 60 -M 64").serviceConfig();
        assertEquals(InetAddress.getByName("2001:db8::1"), s.key().address());
        assertEquals(443, s.key().port());
        assertEquals(SchedulerFlags.MH_PORT, s.schedulerFlags());
        assertEquals(64, s.netmask());

        s = one("--add-service --tcp-service 10.0.0.1:80 --scheduler=lc --persistent 100 --netmask 255.255.0.0")
            .serviceConfig();
        assertEquals("lc", s.scheduler());
        assertEquals(100, s.persistenceSeconds());
        assertEquals(0xffff0000, s.netmask());

        s = one("-A -t10.0.0.1:80 -srr -p30").serviceConfig(); // bundled short options with values
        assertEquals("rr", s.scheduler());
        assertEquals(30, s.persistenceSeconds());

        s = one("-A -t 10.0.0.1:0 -p").serviceConfig(); // port 0 is fine when persistent
        assertEquals(0, s.key().port());

        s = one("-A -t 10.0.0.1:80 -b flag-1,flag-3").serviceConfig();
        assertEquals(SchedulerFlags.SCHED1 | SchedulerFlags.SCHED3, s.schedulerFlags());
    }

    @Test
    void shouldReadEveryServerOption() throws Exception {
        final RuleCommand c = one("-a -t 10.0.0.1:80 -r 192.168.1.2:8080 -m -w 3 -x 100 -y 50");
        assertEquals(WEB, c.service());
        final RealServerConfig r = c.serverConfig();
        assertEquals(InetAddress.getByName("192.168.1.2"), r.address());
        assertEquals(8080, r.port());
        assertEquals(ForwardingMethod.MASQ, r.forwarding());
        assertEquals(3, r.weight());
        assertEquals(100, r.upperThreshold());
        assertEquals(50, r.lowerThreshold());
        assertTrue(c.warnings().isEmpty());

        final RealServerConfig longNames = one("--add-server --tcp-service 10.0.0.1:80 --real-server 192.168.1.2:81 "
            + "--masquerading --weight=0 --u-threshold 7 --l-threshold 6").serverConfig();
        assertEquals(0, longNames.weight());
        assertEquals(81, longNames.port());
        assertEquals(7, longNames.upperThreshold());
        assertEquals(6, longNames.lowerThreshold());
    }

    @Test
    void shouldRunDirectRoutingDefaultAsProxyOnServicePortAndSaySo() {
        final RuleCommand c = one("-a -t 10.0.0.1:80 -r 192.168.1.2:8080");
        assertEquals(ForwardingMethod.MASQ, c.serverConfig().forwarding());
        assertEquals(80, c.serverConfig().port()); // ipvsadm forces -g servers to the service port
        assertEquals(List.of("line 1: -a: no forwarding method given, so ipvsadm's default -g (direct routing) "
            + "applies, which cannot be done above the socket layer; 192.168.1.2:80 runs as a full proxy "
            + "(masquerading, -m) on the service port 80 as ipvsadm forces for direct routing"), c.warnings());
    }

    @Test
    void shouldWarnOncePerRuleForGatewayingAndTunnelling() {
        RuleCommand c = one("-a -t 10.0.0.1:80 -r 192.168.1.2 -g -w 2");
        assertEquals(List.of("line 1: -g: direct routing was asked for, which cannot be done above the socket layer; "
            + "192.168.1.2:80 runs as a full proxy (masquerading, -m)"), c.warnings());
        assertEquals(2, c.serverConfig().weight());
        c = one("-a -t 10.0.0.1:80 -r 192.168.1.2:80 -i --tun-type gue --tun-port 6080 --tun-csum");
        assertEquals(List.of("line 1: -i: tunnelling was asked for, which cannot be done above the socket layer; "
            + "192.168.1.2:80 runs as a full proxy (masquerading, -m)"), c.warnings());
        assertEquals(ForwardingMethod.MASQ, c.serverConfig().forwarding());
    }

    @Test
    void shouldDefaultServerPortToServicePort() {
        assertEquals(80, one("-a -t 10.0.0.1:80 -r 192.168.1.2 -m").serverConfig().port());
        assertEquals(443, one("-a -t [2001:db8::1]:443 -r 2001:db8::2 -m").serverConfig().port());
    }

    @Test
    void shouldReadOtherCommands() throws Exception {
        assertEquals(RuleCommand.Kind.DELETE_SERVICE, one("-D -t 10.0.0.1:80").kind());
        assertEquals(RuleCommand.Kind.CLEAR, one("-C").kind());
        final RuleCommand d = one("-d -t 10.0.0.1:80 -r 192.168.1.2");
        assertEquals(InetAddress.getByName("192.168.1.2"), d.serverAddress());
        assertEquals(80, d.serverPort());
        final RuleCommand set = one("--set 100 0 60");
        assertEquals(100, set.timeouts()[0]);
        assertEquals(0, set.timeouts()[1]);
        assertEquals(60, set.timeouts()[2]);
        final ListRequest l = one("-Ln --stats").list();
        assertEquals(ListFormat.STATS, l.format());
        assertNull(l.service());
        final ListRequest lc = one("-L -n -c").list();
        assertTrue(lc.connections());
        final ListRequest ls = one("-L -n -t 10.0.0.1:80 --rate --exact --nosort").list();
        assertEquals(WEB, ls.service());
        assertEquals(ListFormat.RATE, ls.format());
        assertTrue(ls.exact());
        assertTrue(ls.noSort());
        assertTrue(one("-L --timeout").list().timeout());
        assertEquals(RuleCommand.Kind.ZERO, one("-Z").kind());
        assertEquals(WEB, one("-Z -t 10.0.0.1:80").service());
        assertEquals(RuleCommand.Kind.SAVE, one("-S -n").kind());
    }

    @Test
    void shouldSkipCommentsAndBlankLines() {
        final List<RuleCommand> cs = parser.parse("# rules\n\n   \n-A -t 10.0.0.1:80 -s rr # trailing\n\t# indented\n");
        assertEquals(1, cs.size());
        assertEquals(4, cs.get(0).line());
        assertEquals("rr", cs.get(0).serviceConfig().scheduler());
    }

    static Stream<Arguments> badLines() {
        return Stream.of(
            Arguments.of("-a -t 10.0.0.1:80 -r 10.0.0.2 -w 70000", "-w 70000: weight must be 0..65535"),
            Arguments.of("-a -t 10.0.0.1:80 -r 10.0.0.2 -w -1", "-w -1: weight must be 0..65535"),
            Arguments.of("-a -t 10.0.0.1:80 -r 10.0.0.2 -w abc", "-w abc: weight must be 0..65535"),
            Arguments.of("-a -t 10.0.0.1:80 -r 10.0.0.2 --weight=1.5", "--weight=1.5: weight must be 0..65535"),
            Arguments.of("-A -t 10.0.0.1:80 -s", "-s: needs a value"),
            Arguments.of("-A -t 10.0.0.1", "-t 10.0.0.1: Zero port specified for non-persistent service"),
            Arguments.of("-A -t 10.0.0.1:99999", "-t 10.0.0.1:99999: virtual service must be a numeric "
                + "address[:port], IPv6 in brackets, port 0..65535 (host and service names are not resolved)"),
            Arguments.of("-A -t www.example.com:80", "-t www.example.com:80: virtual service must be a numeric "
                + "address[:port], IPv6 in brackets, port 0..65535 (host and service names are not resolved)"),
            Arguments.of("-A -t 10.0.0.1:http", "-t 10.0.0.1:http: virtual service must be a numeric "
                + "address[:port], IPv6 in brackets, port 0..65535 (host and service names are not resolved)"),
            Arguments.of("-A -t [2001:db8::1:80", "-t [2001:db8::1:80: virtual service must be a numeric "
                + "address[:port], IPv6 in brackets, port 0..65535 (host and service names are not resolved)"),
            Arguments.of("-A -t 10.0.0.1:80 -o", "-o: One-Packet Scheduling is only for UDP virtual services"),
            Arguments.of("-A -t 10.0.0.1:80 -s rr -b sh-port", "-b sh-port: incompatible scheduler flag `sh-port'"),
            Arguments.of("-A -t 10.0.0.1:80 -b mh-fallback", "-b mh-fallback: incompatible scheduler flag "
                + "`mh-fallback'"),
            Arguments.of("-A -t 10.0.0.1:80 -s sh -b sh-port,bogus", "-b sh-port,bogus: invalid scheduler flag "
                + "`bogus'"),
            Arguments.of("-A -t 10.0.0.1:80 -p 0", "-p 0: persistence timeout must be 1..2678400 seconds"),
            Arguments.of("-A -t 10.0.0.1:80 -p 2678401", "-p 2678401: persistence timeout must be 1..2678400 seconds"),
            Arguments.of("-A -t 10.0.0.1:80 -p -M 255.255.0", "-M 255.255.0: persistence netmask must be a dotted "
                + "IPv4 mask such as 255.255.255.0"),
            Arguments.of("-A -t [2001:db8::1]:80 -p -M 129", "-M 129: IPv6 netmask must be a prefix length 1..128"),
            Arguments.of("-A -t 10.0.0.1:80 -r 10.0.0.2:80", "-r 10.0.0.2:80: illegal 'real-server' option with the "
                + "'add-service' command"),
            Arguments.of("-E -t 10.0.0.1:80 -w 2", "-w 2: illegal 'weight' option with the 'edit-service' command"),
            Arguments.of("-A", "-A: the 'service-address' option is required for the 'add-service' command"),
            Arguments.of("-a -t 10.0.0.1:80", "-a: the 'real-server' option is required for the 'add-server' "
                + "command"),
            Arguments.of("-e -r 10.0.0.2", "-e: the 'service-address' option is required for the 'edit-server' "
                + "command"),
            Arguments.of("-a -t 10.0.0.1:80 -r 10.0.0.2 -s rr", "-s rr: illegal 'scheduler' option with the "
                + "'add-server' command"),
            Arguments.of("-a -t 10.0.0.1:80 -r 10.0.0.2 -m -x 5 -y 10", "-y 10: lower threshold must not exceed "
                + "the upper threshold 5"),
            Arguments.of("-a -t 10.0.0.1:80 -r 10.0.0.2 -m -y 10", "-y 10: lower threshold must not exceed the "
                + "upper threshold 0 (none given; a lower threshold needs an upper one)"),
            Arguments.of("-a -t 10.0.0.1:80 -r 10.0.0.2 -m -x abc", "-x abc: upper threshold must be "
                + "0..2147483647"),
            Arguments.of("-a -t 10.0.0.1:80 -r 10.0.0.2 -m -x 2147483648", "-x 2147483648: upper threshold must be "
                + "0..2147483647"),
            Arguments.of("-a -t 10.0.0.1:80 -r 10.0.0.2 -w 1 -w 2", "-w 2: multiple 'weight' options specified"),
            Arguments.of("-a -t 10.0.0.1:80 -r 10.0.0.2 -m -g", "-g: multiple 'forwarding-method' options "
                + "specified"),
            Arguments.of("-a -t 10.0.0.1:80 -r [2001:db8::2]:80 -m", "-r [2001:db8::2]:80: the real server's "
                + "address family differs from the service's (mixed families need tunnelling, which JLVS cannot do)"),
            Arguments.of("-a -t 10.0.0.1:80 -r 10.0.0.2:x -m", "-r 10.0.0.2:x: real server must be a numeric "
                + "address[:port], IPv6 in brackets, port 0..65535 (host and service names are not resolved)"),
            Arguments.of("-A -f 1 -s rr", "-f 1: fwmark services need the kernel's packet marks; JLVS serves -t and "
                + "-u services"),
            Arguments.of("-A --sctp-service 10.0.0.1:80", "--sctp-service 10.0.0.1:80: SCTP services are not "
                + "supported by JLVS"),
            Arguments.of("-A -t 10.0.0.1:80 --pe sip", "--pe sip: persistence engines are not supported by JLVS"),
            Arguments.of("--start-daemon master", "--start-daemon master: connection synchronisation is an option of "
                + "jlvs run (--sync master|backup), not a rules line"),
            Arguments.of("-A -t 10.0.0.1:80 -6", "-6: -6 only applies to fwmark services, which JLVS does not serve"),
            Arguments.of("-A -E -t 10.0.0.1:80", "-E: multiple commands specified"),
            Arguments.of("-t 10.0.0.1:80 -A", "-t 10.0.0.1:80: expected a command (-A, -E, -D, -a, -e, -d, -C, "
                + "--set, -L, -Z, -S) first"),
            Arguments.of("add 10.0.0.1:80", "add: expected a command (-A, -E, -D, -a, -e, -d, -C, --set, -L, -Z, "
                + "-S) first"),
            Arguments.of("-A -t 10.0.0.1:80 --bogus 1", "--bogus: unknown option"),
            Arguments.of("-A -t 10.0.0.1:80 -q", "-q: unknown option -q"),
            Arguments.of("--set 1 2", "--set: --set option requires 3 timeout values (tcp tcpfin udp)"),
            Arguments.of("--set 1 2 3 4", "4: unexpected argument"),
            Arguments.of("--set 1 x 3", "x: timeout must be 0..2678400 seconds (0 keeps the current value)"),
            Arguments.of("--set 1 2 2678401", "2678401: timeout must be 0..2678400 seconds (0 keeps the current "
                + "value)"),
            Arguments.of("-C -t 10.0.0.1:80", "-t 10.0.0.1:80: illegal 'service-address' option with the 'flush' "
                + "command"),
            Arguments.of("-D -t 10.0.0.1:80 -s rr", "-s rr: illegal 'scheduler' option with the 'delete-service' "
                + "command"),
            Arguments.of("-d -t 10.0.0.1:80 -r 10.0.0.2 -w 1", "-w 1: illegal 'weight' option with the "
                + "'delete-server' command"),
            Arguments.of("-A -t 10.0.0.1:80 extra", "extra: unexpected argument"),
            Arguments.of("-a -t 10.0.0.1:80 -r 10.0.0.2 -m --tun-type gue", "--tun-type gue: tunnel options need -i"),
            Arguments.of("-a -t 10.0.0.1:80 -r 10.0.0.2 -i --tun-type gue", "--tun-type gue: a gue tunnel needs "
                + "--tun-port"),
            Arguments.of("-a -t 10.0.0.1:80 -r 10.0.0.2 -i --tun-type vxlan", "--tun-type vxlan: tunnel type must be "
                + "ipip, gue or gre"),
            Arguments.of("-a -t 10.0.0.1:80 -r 10.0.0.2 -i --tun-csum", "--tun-csum: checksum options only apply to "
                + "gue and gre tunnels"),
            Arguments.of("-A -t 10.0.0.1:80 -s averyveryverylongname", "-s averyveryverylongname: scheduler name "
                + "must be 1..15 characters"),
            Arguments.of("-L -c --stats", "-L: options conflicts in the list command"),
            Arguments.of("-L --timeout --persistent-conn", "-L: options conflicts in the list command"),
            Arguments.of("-L -c --timeout", "--timeout: the option 'timeout' conflicts with the 'connection' option "
                + "in the 'list' command"),
            Arguments.of("-A -t 10.0.0.1:80 --scheduler", "--scheduler: needs a value"),
            Arguments.of("-C --numeric=yes", "--numeric=yes: takes no value"));
    }

    @ParameterizedTest
    @MethodSource("badLines")
    void shouldNameLineTokenAndProblem(final String line, final String expected) {
        final RulesException e = assertThrows(RulesException.class, () -> parser.parseLine(line, 7));
        assertEquals(List.of("line 7: " + expected), e.errors());
    }

    @Test
    void shouldHaveAtLeastFortyBadInputs() {
        assertTrue(badLines().count() >= 40);
    }

    @Test
    void shouldReportEveryBadLineOfAFile() {
        final RulesException e = assertThrows(RulesException.class, () -> load(
            "-A -t 10.0.0.1:80\n-a -t 10.0.0.1:80 -r 10.0.0.2 -m -w 70000\n# ok\n-A -t 10.0.0.1:81 -o\n"));
        assertEquals(List.of("line 2: -w 70000: weight must be 0..65535",
            "line 4: -o: One-Packet Scheduling is only for UDP virtual services"), e.errors());
    }

    @Test
    void shouldReportCommandsThatCannotBeAppliedWithIpvsadmMessages() {
        assertEquals("line 2: -A -t 10.0.0.1:80: Service already exists", assertThrows(RulesException.class,
            () -> load("-A -t 10.0.0.1:80\n-A -t 10.0.0.1:80 -s rr\n")).getMessage());
        assertEquals("line 1: -a -t 10.0.0.1:80 -r 10.0.0.2:80: Service not defined", assertThrows(
            RulesException.class, () -> load("-a -t 10.0.0.1:80 -r 10.0.0.2 -m\n")).getMessage());
        assertEquals("line 3: -a -t 10.0.0.1:80 -r 10.0.0.2:80: Destination already exists", assertThrows(
            RulesException.class, () -> load("-A -t 10.0.0.1:80\n-a -t 10.0.0.1:80 -r 10.0.0.2 -m\n"
                + "-a -t 10.0.0.1:80 -r 10.0.0.2 -m\n")).getMessage());
        assertEquals("line 2: -e -t 10.0.0.1:80 -r 10.0.0.3:80: No such destination", assertThrows(
            RulesException.class, () -> load("-A -t 10.0.0.1:80\n-e -t 10.0.0.1:80 -r 10.0.0.3 -m\n")).getMessage());
        assertEquals("line 1: -E -t 10.0.0.1:80: No such service", assertThrows(RulesException.class,
            () -> load("-E -t 10.0.0.1:80 -s rr\n")).getMessage());
        assertEquals("line 1: -D -t 10.0.0.1:80: No such service", assertThrows(RulesException.class,
            () -> load("-D -t 10.0.0.1:80\n")).getMessage());
        assertEquals("line 1: -A -t 10.0.0.1:80: Scheduler or persistence engine not found", assertThrows(
            RulesException.class, () -> load("-A -t 10.0.0.1:80 -s nope\n")).getMessage());
        assertEquals("line 2: -L: the 'list' command does not belong in a rules file (expected -A, -E, -D, -a, -e, "
            + "-d, -C or --set)", assertThrows(RulesException.class, () -> load("-C\n-L -n\n")).getMessage());
    }

    @Test
    void shouldChangeNothingWhenAnyLineFails() {
        final DirectorConfig base = load("-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.0.0.2 -m\n");
        final String before = RulesWriter.save(base);
        assertThrows(RulesException.class, () -> parser.load("-C\n-A -t 10.0.0.9:80\n-a -t 10.0.0.1:80 -r 10.0.0.3 "
            + "-m\n", base, SCHEDULERS));
        assertEquals(before, RulesWriter.save(base));
    }

    @Test
    void shouldReplaceEverythingNotGivenOnEdit() {
        final DirectorConfig c = load("-A -t 10.0.0.1:80 -s sh -p 60 -M 255.255.255.0 -b sh-port\n"
            + "-a -t 10.0.0.1:80 -r 10.0.0.2:8080 -m -w 5 -x 10 -y 5\n"
            + "-E -t 10.0.0.1:80\n"
            + "-e -t 10.0.0.1:80 -r 10.0.0.2:8080 -m\n");
        final VirtualServiceConfig s = c.service(WEB);
        assertEquals("wlc", s.scheduler());
        assertFalse(s.persistent());
        assertTrue(s.defaultNetmask());
        assertEquals(0, s.schedulerFlags());
        final RealServerConfig r = c.servers(WEB).get(0);
        assertEquals(1, r.weight());
        assertEquals(0, r.upperThreshold());
        assertEquals(0, r.lowerThreshold());
    }

    @Test
    void shouldKeepIpvsListOrderAndTimeouts() {
        final DirectorConfig c = load("-A -t 10.0.0.1:80\n-a -t 10.0.0.1:80 -r 10.0.0.2 -m\n"
            + "-a -t 10.0.0.1:80 -r 10.0.0.3 -m\n-a -t 10.0.0.1:80 -r 10.0.0.4 -m\n--set 100 0 30\n"
            + "-d -t 10.0.0.1:80 -r 10.0.0.3\n");
        final List<RealServerConfig> servers = c.servers(WEB);
        assertEquals("10.0.0.4:80", servers.get(0).addressAndPort());
        assertEquals("10.0.0.2:80", servers.get(1).addressAndPort());
        assertEquals(new Timeouts(100, 120, 30), c.timeouts());
    }

    @Test
    void shouldRoundTripThroughSave() {
        final String rules = "-A -t 10.0.0.1:80 -s wrr -p 600 -M 255.255.255.0\n"
            + "-a -t 10.0.0.1:80 -r 192.168.1.3:8080 -m -w 3 -x 100 -y 50\n"
            + "-a -t 10.0.0.1:80 -r 192.168.1.2:8080 -m -w 0\n"
            + "-A -u 10.0.0.1:53 -s rr -o\n"
            + "-a -u 10.0.0.1:53 -r 192.168.1.2:53 -m\n"
            + "-A -t [2001:db8::1]:443 -s mh -p 60 -M 64 -b mh-fallback,mh-port\n"
            + "-a -t [2001:db8::1]:443 -r [2001:db8::10]:8443 -m -w 2\n"
            + "-A -t 10.0.0.1:0 -s sh -p 360 -b sh-fallback\n"
            + "-a -t 10.0.0.1:0 -r 192.168.1.9:0 -m -w 1\n"
            + "--set 1000 60 120\n";
        final DirectorConfig c = load(rules);
        final String saved = RulesWriter.save(c);
        final DirectorConfig again = load(saved);
        assertEquals(c, again);
        assertEquals(saved, RulesWriter.save(again));
        assertEquals("-A -t 10.0.0.1:0 -s sh -p 360 -b sh-fallback\n"
            + "-a -t 10.0.0.1:0 -r 192.168.1.9:0 -m -w 1\n"
            + "-A -t 10.0.0.1:80 -s wrr -p 600 -M 255.255.255.0\n"
            + "-a -t 10.0.0.1:80 -r 192.168.1.3:8080 -m -w 3 -x 100 -y 50\n"
            + "-a -t 10.0.0.1:80 -r 192.168.1.2:8080 -m -w 0\n"
            + "-A -u 10.0.0.1:53 -s rr -o\n"
            + "-a -u 10.0.0.1:53 -r 192.168.1.2:53 -m -w 1\n"
            + "-A -t [2001:db8::1]:443 -s mh -p 60 -M 64 -b mh-fallback,mh-port\n"
            + "-a -t [2001:db8::1]:443 -r [2001:db8::10]:8443 -m -w 2\n"
            + "--set 1000 60 120\n", saved);
    }

    @Test
    void shouldAcceptRegisteredExtensionsAndRoundTripThem() {
        final RulesParser p = RulesParser.withExtensions(List.of(
            new RuleExtension("proxy-protocol", RuleExtension.Scope.SERVER, true,
                v -> v.equals("v1") || v.equals("v2") ? null : "must be v1 or v2", "PROXY header"),
            new RuleExtension("max-conns", RuleExtension.Scope.SERVICE, true,
                v -> v.matches("[0-9]+") ? null : "must be a number", "limit")));
        final DirectorConfig c = p.load("-A -t 10.0.0.1:80 --max-conns 10\n"
            + "-a -t 10.0.0.1:80 -r 10.0.0.2 -m --proxy-protocol v2\n", DirectorConfig.EMPTY, SCHEDULERS).config();
        assertEquals("v2", c.servers(WEB).get(0).options().get("proxy-protocol"));
        assertEquals("10", c.service(WEB).options().get("max-conns"));
        final String saved = RulesWriter.save(c);
        assertEquals("-A -t 10.0.0.1:80 -s wlc --max-conns 10\n-a -t 10.0.0.1:80 -r 10.0.0.2:80 -m -w 1 "
            + "--proxy-protocol v2\n", saved);
        assertEquals(c, p.load(saved, DirectorConfig.EMPTY, SCHEDULERS).config());
        assertEquals("line 1: --proxy-protocol v3: must be v1 or v2", assertThrows(RulesException.class,
            () -> p.parseLine("-a -t 10.0.0.1:80 -r 10.0.0.2 -m --proxy-protocol v3", 1)).getMessage());
        assertEquals("line 1: --proxy-protocol v2: illegal 'proxy-protocol' option with the 'add-service' command",
            assertThrows(RulesException.class, () -> p.parseLine("-A -t 10.0.0.1:80 --proxy-protocol v2", 1))
                .getMessage());
        assertThrows(IllegalArgumentException.class, () -> RulesParser.withExtensions(List.of(
            new RuleExtension("weight", RuleExtension.Scope.SERVER, true, v -> null, "clash"))));
    }

    @Test
    void shouldLoadFromABaseConfiguration() {
        final DirectorConfig base = load("-A -t 10.0.0.1:80\n");
        final RulesParser.Loaded l = parser.load("-a -t 10.0.0.1:80 -r 10.0.0.2\n", base, SCHEDULERS);
        assertEquals(1, l.config().servers(WEB).size());
        assertEquals(1, l.warnings().size());
        assertSame(RuleCommand.Kind.ADD_SERVER, l.commands().get(0).kind());
        assertEquals(0, base.servers(WEB).size());
    }
}
