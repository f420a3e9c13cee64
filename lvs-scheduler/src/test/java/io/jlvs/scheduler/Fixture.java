package io.jlvs.scheduler;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.sched.Flow;
import io.jlvs.core.sched.Flows;
import io.jlvs.core.sched.RandomSource;
import io.jlvs.core.sched.ServerView;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.VirtualService;
import io.jlvs.core.time.Ticker;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/** A service with a fake clock and scripted randomness, and helpers to name picks. */
final class Fixture implements Ticker {
    long now = 1_000_000_000L;
    final Deque<Integer> randoms = new ArrayDeque<>();
    final VirtualService service;
    final List<String> names = new ArrayList<>();
    final List<RealServer> servers = new ArrayList<>();

    Fixture(final String scheduler) {
        this(scheduler, 0);
    }

    Fixture(final String scheduler, final int flags) {
        final RandomSource random = bound -> {
            final Integer r = randoms.poll();
            if (r == null) {
                throw new AssertionError("no scripted random number left");
            }
            if (r < 0 || r >= bound) {
                throw new AssertionError("scripted " + r + " outside [0, " + bound + ")");
            }
            return r;
        };
        service = new VirtualService(VirtualServiceConfig.builder(ServiceKey.tcp("10.255.0.1", 80))
            .scheduler(scheduler).schedulerFlags(flags).build(), Schedulers.registry(), this, random);
    }

    @Override
    public long nanoTime() {
        return now;
    }

    /** Adds a server named by a letter at 10.0.0.(letter index + 1):80, at the front as IPVS does. */
    RealServer add(final String name, final int weight) {
        return add(name, weight, 0);
    }

    RealServer add(final String name, final int weight, final int upperThreshold) {
        final RealServer s = service.addServer(RealServerConfig.builder(address(name), 80).weight(weight)
            .upperThreshold(upperThreshold).build());
        names.add(name);
        servers.add(s);
        return s;
    }

    static String address(final String name) {
        return "10.0.0." + (name.charAt(0) - 'A' + 1);
    }

    RealServer server(final String name) {
        return servers.get(names.indexOf(name));
    }

    void weight(final String name, final int weight) {
        final RealServer s = server(name);
        service.editServer(s.config().toBuilder().weight(weight).build());
    }

    void remove(final String name) throws UnknownHostException {
        service.removeServer(InetAddress.getByName(address(name)), 80);
    }

    String name(final ServerView s) {
        return s == null ? "-" : names.get(servers.indexOf(s));
    }

    String pick(final Flow flow) {
        return name(service.schedule(flow));
    }

    String picks(final int n) {
        return picks(n, Flows.of(Protocol.TCP, ip("192.168.0.1"), 40000, ip("10.255.0.1"), 80));
    }

    String picks(final int n, final Flow flow) {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(pick(flow));
        }
        return sb.toString();
    }

    static InetAddress ip(final String s) {
        try {
            return InetAddress.getByName(s);
        } catch (final UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static Flow client(final String address, final int port) {
        return Flows.of(Protocol.TCP, ip(address), port, ip("10.255.0.1"), 80);
    }

    /** Sets a server's counters through IPVS's bind points: active first, then inactive. */
    static void load(final RealServer s, final int active, final int inactive) {
        for (int i = 0; i < active + inactive; i++) {
            s.bindConnection();
        }
        for (int i = 0; i < active; i++) {
            s.connectionActivated();
        }
    }
}
