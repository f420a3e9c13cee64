package io.jlvs.core.session;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.conn.ConnectionTable;
import io.jlvs.core.conn.PersistenceTable;
import io.jlvs.core.conn.StateTimeouts;
import io.jlvs.core.net.Addresses;
import io.jlvs.core.sched.RandomSource;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.ServiceTable;
import io.jlvs.core.service.TestSchedulers;
import io.jlvs.core.service.VirtualService;
import io.jlvs.core.transport.DirectorOptions;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The session's decisions, with no transport: a fake {@link Session.Io} records what the session asks for. */
class SessionTest {
    private final long now = 1_000_000_000L;
    private final ServiceTable services = new ServiceTable(TestSchedulers.registry(new ArrayList<>(), "first"),
        () -> now, RandomSource.THREAD_LOCAL);
    private final ConnectionTable table = new ConnectionTable(new StateTimeouts(), new PersistenceTable(), null, 0, 16,
        now);
    private final SessionCounters counters = new SessionCounters();
    private final List<String> failures = new ArrayList<>();
    private final SessionContext ctx = new SessionContext(table, DirectorOptions.builder().connectRetries(2).build(),
        counters, (svc, server, why, t) -> failures.add(server.addressAndPort() + " " + why));
    private final InetSocketAddress client = new InetSocketAddress(Addresses.parseLiteral("192.0.2.1"), 40000);
    private final InetSocketAddress vip = new InetSocketAddress(Addresses.parseLiteral("10.255.0.1"), 80);

    /** Records what the session asks of its transport. */
    private static final class FakeIo implements Session.Io {
        final List<String> calls = new ArrayList<>();

        @Override
        public void connect(final InetSocketAddress to) {
            calls.add("connect " + to.getAddress().getHostAddress() + ":" + to.getPort());
        }

        @Override
        public void sendFile(final FileChannel file) {
            try (FileChannel f = file) {
                calls.add("sendFile " + f.size());
            } catch (final java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close(final boolean reset) {
            calls.add(reset ? "reset" : "close");
        }
    }

    private ForwardedService service(final VirtualServiceConfig.Builder b, final String... servers) {
        services.addService(b.scheduler("first").build());
        final VirtualService s = services.service(b.build().key());
        for (int i = servers.length - 1; i >= 0; i--) { // a new server goes first: list them in order
            s.addServer(RealServerConfig.builder(servers[i], 80).build());
        }
        return new ForwardedService(s);
    }

    private static VirtualServiceConfig.Builder tcp() {
        return VirtualServiceConfig.builder(ServiceKey.tcp("10.255.0.1", 80));
    }

    @Test
    void shouldRedispatchToAServerThatHasNotFailedThenAnswerWithAReset() {
        final ForwardedService svc = service(tcp(), "10.0.0.1", "10.0.0.2", "10.0.0.3");
        final FakeIo io = new FakeIo();
        final Session s = new Session(ctx, svc, io);
        assertEquals(false, s.start(client, vip, now));
        // the first-eligible scheduler keeps answering 10.0.0.1: the redispatch takes the least loaded other
        s.connectFailed("refused", now);
        s.connectFailed("refused", now);
        s.connectFailed("refused", now); // third failure: retries (2) are spent
        assertEquals(List.of("connect 10.0.0.1:80", "connect 10.0.0.2:80", "connect 10.0.0.3:80", "reset"), io.calls);
        assertEquals(List.of("10.0.0.1:80 refused", "10.0.0.2:80 refused", "10.0.0.3:80 refused"), failures);
        final java.util.Map<String, Long> m = new java.util.LinkedHashMap<>();
        counters.putInto(m, true);
        assertEquals(3L, m.get("connect_failures"));
        assertEquals(2L, m.get("redispatches"));
        assertNull(s.server());
        assertEquals(1, table.size(), "the entry lingers (CLOSE) without sockets");
    }

    @Test
    void shouldSendTheServersProxyHeaderAndWhatFollowedTheClientsOne() {
        final ForwardedService svc = service(tcp().option("accept-proxy", "192.0.2.0/24"));
        svc.service.addServer(RealServerConfig.builder("10.0.0.1", 80).option("proxy-protocol", "v1").build());
        final FakeIo io = new FakeIo();
        final Session s = new Session(ctx, svc, io);
        assertEquals(true, s.start(client, vip, now));
        final ByteBuffer in = s.headerBuffer();
        in.put("PROXY TCP4 198.51.100.7 ".getBytes(StandardCharsets.US_ASCII));
        assertEquals(Session.HeaderStatus.MORE, s.parseHeader(now));
        in.put("203.0.113.9 41000 80\r\nhi".getBytes(StandardCharsets.US_ASCII));
        assertEquals(Session.HeaderStatus.DONE, s.parseHeader(now));
        assertEquals(List.of(), io.calls, "nothing happens before schedule");
        s.schedule(now);
        assertEquals(List.of("connect 10.0.0.1:80"), io.calls);
        final ByteBuffer preamble = s.connected(now);
        assertEquals("PROXY TCP4 198.51.100.7 10.255.0.1 41000 80\r\nhi",
            StandardCharsets.US_ASCII.decode(preamble).toString());
        assertEquals("198.51.100.7", table.lookup(Protocol.TCP, Addresses.parseLiteral("198.51.100.7"),
            41000, Addresses.parseLiteral("10.255.0.1"), 80).clientAddress().getHostAddress());
    }

    @Test
    void shouldRefuseADuplicateOfALiveConnectionAndKeepTheLiveOne() {
        final ForwardedService svc = service(tcp().option("accept-proxy", "192.0.2.0/24"), "10.0.0.1");
        final Session[] sessions = new Session[2];
        final FakeIo[] ios = {new FakeIo(), new FakeIo()};
        for (int i = 0; i < 2; i++) {
            sessions[i] = new Session(ctx, svc, ios[i]);
            sessions[i].start(new InetSocketAddress(client.getAddress(), 40000 + i), vip, now);
            sessions[i].headerBuffer().put(("PROXY TCP4 198.51.100.7 203.0.113." + (9 + i) + " 41000 80\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            assertEquals(Session.HeaderStatus.DONE, sessions[i].parseHeader(now));
            sessions[i].schedule(now);
        }
        assertEquals(List.of("connect 10.0.0.1:80"), ios[0].calls);
        assertEquals(List.of("reset"), ios[1].calls);
        assertEquals(1L, counters.duplicateConnections());
        assertEquals(1, table.size());
        assertSame(sessions[0], table.lookup(Protocol.TCP, Addresses.parseLiteral("198.51.100.7"), 41000,
            Addresses.parseLiteral("10.255.0.1"), 80).attachment());
    }

    @Test
    void shouldAnswerWithTheSorryServerThenTheSorryFileWhenNoServerIsLeft() throws Exception {
        final ForwardedService withServer = service(tcp().option("sorry-server", "10.9.9.9:8080"));
        final FakeIo io = new FakeIo();
        final Session s = new Session(ctx, withServer, io);
        s.start(client, vip, now);
        s.connectFailed("refused", now); // the sorry server failed too: a reset, nothing more
        assertEquals(List.of("connect 10.9.9.9:8080", "reset"), io.calls);
        final Path file = Files.createTempFile("sorry", ".txt");
        try {
            Files.writeString(file, "sorry\n");
            final VirtualServiceConfig.Builder b = VirtualServiceConfig.builder(ServiceKey.tcp("10.255.0.1", 81))
                .option("sorry-file", file.toString());
            final ForwardedService withFile = service(b);
            final FakeIo io2 = new FakeIo();
            new Session(ctx, withFile, io2).start(client, new InetSocketAddress(vip.getAddress(), 81), now);
            assertEquals(List.of("sendFile 6"), io2.calls);
        } finally {
            Files.delete(file);
        }
        final java.util.Map<String, Long> m = new java.util.LinkedHashMap<>();
        counters.putInto(m, true);
        assertEquals(1L, m.get("sorry_server"));
        assertEquals(1L, m.get("sorry_file"));
        assertEquals(2L, m.get("no_destination"));
    }

    @Test
    void shouldExcludeFailedServersWhenScheduling() {
        final ForwardedService svc = service(tcp(), "10.0.0.1", "10.0.0.2");
        final VirtualService vs = svc.service;
        final RealServer first = vs.schedule(ctx.flow);
        assertEquals("10.0.0.1:80", first.addressAndPort());
        assertEquals("10.0.0.2:80", vs.scheduleExcluding(ctx.flow, new RealServer[] {first}, 1).addressAndPort());
        assertNull(vs.scheduleExcluding(ctx.flow, new RealServer[] {first, vs.servers().get(1)}, 2));
    }
}
