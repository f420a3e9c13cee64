package io.jlvs.core.conn;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.net.Addresses;
import io.jlvs.core.sched.MutableFlow;
import io.jlvs.core.sched.RandomSource;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.ServiceTable;
import io.jlvs.core.service.TestSchedulers;
import io.jlvs.core.service.VirtualService;
import io.jlvs.core.stats.StatsCounters;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A service (first-eligible scheduler) with a connection table on a fake clock. */
final class ConnFixture {
    long now = 5_000_000_000L;
    final ServiceTable services = new ServiceTable(TestSchedulers.registry(new ArrayList<>(), "wlc"), () -> now,
        RandomSource.THREAD_LOCAL);
    final StateTimeouts timeouts = new StateTimeouts();
    final PersistenceTable persistence = new PersistenceTable();
    final StatsCounters totals = new StatsCounters(2);
    final ConnectionTable table;
    final List<Connection> expired = new ArrayList<>();
    final MutableFlow flow = new MutableFlow();
    VirtualService service;

    ConnFixture(final Protocol protocol, final int port, final VirtualServiceConfig.Builder config) {
        final ServiceKey key = ServiceKey.of(protocol, Addresses.parseLiteral("10.255.0.1"), port);
        services.addService((config == null ? VirtualServiceConfig.builder(key) : config).build());
        service = services.service(key);
        table = new ConnectionTable(timeouts, persistence, totals, 0, 16, now);
        table.listener(expired::add);
    }

    ConnFixture() {
        this(Protocol.TCP, 80, null);
    }

    static VirtualServiceConfig.Builder persistent(final Protocol protocol, final int port, final int seconds,
        final int prefix) {
        return VirtualServiceConfig.builder(ServiceKey.of(protocol, Addresses.parseLiteral("10.255.0.1"), port))
            .persistent(seconds).prefixLength(prefix);
    }

    RealServer add(final String address) {
        return add(address, 1, 0);
    }

    RealServer add(final String address, final int weight, final int upper) {
        return service.addServer(RealServerConfig.builder(address, 80).weight(weight).upperThreshold(upper).build());
    }

    ConnectionTable newLoopTable() {
        return new ConnectionTable(timeouts, persistence, totals, 1, 16, now);
    }

    Connection open(final String client, final int port) {
        return open(table, client, port);
    }

    Connection open(final ConnectionTable t, final String client, final int port) {
        final int ca = Addresses.fold(Addresses.parseLiteral(client));
        final int va = Addresses.fold(Addresses.parseLiteral("10.255.0.1"));
        final Protocol p = service.key().protocol();
        flow.setIpv4(p, ca, port, va, service.key().port());
        return t.open(service, flow, p, ca, port, va, service.key().port(), now);
    }

    void advance(final long seconds) {
        now += TimeUnit.SECONDS.toNanos(seconds);
    }

    int expire() {
        return table.expire(now, Integer.MAX_VALUE);
    }
}
