package io.jlvs.core.listing;

import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.SchedulerFlags;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.Timeouts;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.ServiceTable;
import io.jlvs.core.service.TestSchedulers;
import io.jlvs.core.sched.RandomSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Golden texts in src/test/resources/golden were produced with C printf formats (an independent oracle). */
class IpvsadmListingTest {
    private final ServiceTable table = new ServiceTable(TestSchedulers.registry(new ArrayList<>(), "wlc", "rr", "sh",
        "mh"), System::nanoTime, RandomSource.THREAD_LOCAL);
    private static final ServiceKey WEB = ServiceKey.tcp("10.0.0.1", 80);
    private static final ServiceKey V6 = ServiceKey.tcp("2001:db8::1", 443);

    private static String golden(final String name) throws IOException {
        try (InputStream in = IpvsadmListingTest.class.getResourceAsStream("/golden/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("@VERSION@", JlvsVersion.version());
        }
    }

    @BeforeEach
    void setUp() {
        table.addService(VirtualServiceConfig.builder(WEB).persistent(360).prefixLength(24).build());
        table.addServer(WEB, RealServerConfig.builder("192.168.1.3", 80).weight(0).build());
        table.addServer(WEB, RealServerConfig.builder("192.168.1.2", 80).weight(1).upperThreshold(100)
            .lowerThreshold(50).build());
        table.addService(VirtualServiceConfig.builder(ServiceKey.udp("10.0.0.1", 53)).scheduler("rr").onePacket(true)
            .build());
        final ServiceKey sh = ServiceKey.tcp("192.168.0.1", 80);
        table.addService(VirtualServiceConfig.builder(sh).scheduler("sh")
            .schedulerFlags(SchedulerFlags.SH_FALLBACK | SchedulerFlags.SH_PORT).build());
        table.addServer(sh, RealServerConfig.builder("10.1.1.1", 8080).weight(2).build());
        table.addService(VirtualServiceConfig.builder(V6).scheduler("mh").persistent(60).prefixLength(64).build());
        table.addServer(V6, RealServerConfig.builder("2001:db8::10", 8443).weight(3).build());

        final RealServer two = table.service(WEB).servers().get(0);
        final RealServer three = table.service(WEB).servers().get(1);
        for (int i = 0; i < 15; i++) {
            two.bindConnection();
        }
        for (int i = 0; i < 12; i++) {
            two.connectionActivated();
        }
        for (int i = 0; i < 4; i++) {
            two.bindTemplate();
        }
        for (int i = 0; i < 7; i++) {
            three.bindConnection();
        }
        for (int i = 0; i < 1234; i++) {
            two.stats().addConnection(i);
            table.service(WEB).stats().addConnection(i);
        }
        two.stats().addIn(0, 56789, 123456789);
        table.service(WEB).stats().addIn(1, 56789, 123456789);
        final RealServer v6 = table.service(V6).servers().get(0);
        for (final var st : List.of(v6.stats(), table.service(V6).stats())) {
            for (int i = 0; i < 5; i++) {
                st.addConnection(0);
            }
            st.addIn(0, 7, 100_000_000_000_000L);
            st.addOut(0, 9, 2_500_000_000L);
        }
    }

    private DirectorSnapshot snapshot() {
        return DirectorSnapshot.of(table, DirectorSnapshot.DEFAULT_TABLE_SIZE);
    }

    @Test
    void shouldRenderDefaultListing() throws IOException {
        assertEquals(golden("list-default.txt"), IpvsadmListing.list(snapshot(), ListFormat.DEFAULT, false, false));
    }

    @Test
    void shouldRenderStats() throws IOException {
        assertEquals(golden("list-stats.txt"), IpvsadmListing.list(snapshot(), ListFormat.STATS, false, false));
    }

    @Test
    void shouldRenderExactNumbers() throws IOException {
        final String text = IpvsadmListing.list(snapshot(), ListFormat.STATS, true, false);
        final String[] lines = text.split("\n");
        assertEquals(golden("stats-exact-ipv6.txt"), lines[lines.length - 2] + "\n" + lines[lines.length - 1] + "\n");
    }

    @Test
    void shouldRenderRates() throws IOException {
        table.estimate();
        assertEquals(golden("list-rate.txt"), IpvsadmListing.list(snapshot(), ListFormat.RATE, false, false));
    }

    @Test
    void shouldRenderThresholds() throws IOException {
        assertEquals(golden("list-thresholds.txt"),
            IpvsadmListing.list(snapshot(), ListFormat.THRESHOLDS, false, false));
    }

    @Test
    void shouldRenderPersistentConnections() throws IOException {
        assertEquals(golden("list-persistent-conn.txt"),
            IpvsadmListing.list(snapshot(), ListFormat.PERSISTENT_CONN, false, false));
    }

    @Test
    void shouldListInKernelOrderWithNoSort() {
        final String text = IpvsadmListing.list(snapshot(), ListFormat.DEFAULT, false, true);
        final String[] lines = text.split("\n");
        assertEquals("TCP  10.0.0.1:80 wlc persistent 360 mask 255.255.255.0", lines[3]);
        assertTrue(lines[4].startsWith("  -> 192.168.1.2:80 "));
        assertTrue(lines[5].startsWith("  -> 192.168.1.3:80 "));
        assertEquals("UDP  10.0.0.1:53 rr ops", lines[6]);
    }

    @Test
    void shouldListOneService() {
        final String text = IpvsadmListing.listService(ServiceSnapshot.of(table.service(WEB)), ListFormat.DEFAULT,
            false, false);
        assertEquals("Prot LocalAddress:Port Scheduler Flags\n"
            + "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
            + "TCP  10.0.0.1:80 wlc persistent 360 mask 255.255.255.0\n"
            + "  -> 192.168.1.2:80               Masq    1      12         3         \n"
            + "  -> 192.168.1.3:80               Masq    0      0          7         \n", text);
    }

    @Test
    void shouldRenderConnectionsAndTimeouts() throws Exception {
        final InetAddress c = InetAddress.getByName("172.16.0.9");
        final InetAddress v = InetAddress.getByName("10.0.0.1");
        final InetAddress d = InetAddress.getByName("192.168.1.2");
        final List<ConnectionSnapshot> rows = List.of(
            new ConnectionSnapshot("TCP", 898, "ESTABLISHED", c, 51234, v, 80, d, 80),
            new ConnectionSnapshot("TCP", 359, "NONE", c, 0, v, 80, d, 80),
            new ConnectionSnapshot("UDP", 6000, "UDP", InetAddress.getByName("192.168.127.89"), 44117,
                InetAddress.getByName("192.168.127.89"), 514, InetAddress.getByName("192.168.129.116"), 514));
        assertEquals(golden("list-connections.txt"), IpvsadmListing.connections(rows, false));
        assertEquals(golden("list-connections-pc-header.txt"), IpvsadmListing.connections(List.of(), true));
        assertEquals("Timeout (tcp tcpfin udp): 900 120 300\n", IpvsadmListing.timeouts(Timeouts.DEFAULTS));
    }

    @Test
    void shouldSortAddressesWithIpvsadmSignedDifferenceQuirk() {
        final List<String> in = List.of("10.0.0.1", "192.168.0.1", "10.0.0.2", "1.2.3.4");
        final List<String> out = IpvsadmListing.mergeSort(in, (a, b) -> io.jlvs.core.config.ServiceKey
            .compareAddressQuirk(io.jlvs.core.net.Addresses.parseLiteral(a).getAddress(),
                io.jlvs.core.net.Addresses.parseLiteral(b).getAddress()));
        assertEquals(List.of("192.168.0.1", "1.2.3.4", "10.0.0.1", "10.0.0.2"), out);
    }

    @Test
    void shouldFormatLargeNumbersAsPrintLargenum() {
        final StringBuilder sb = new StringBuilder();
        IpvsadmListing.largeNumber(sb, 99_999_999L, false);
        IpvsadmListing.largeNumber(sb, 100_000_000L, false);
        IpvsadmListing.largeNumber(sb, 99_999_999_999L, false);
        IpvsadmListing.largeNumber(sb, 123, true);
        IpvsadmListing.largeNumber(sb, 1_234_567_890L, true);
        assertEquals(" 99999999  100000K   99999M      123 1234567890", sb.toString());
    }
}
