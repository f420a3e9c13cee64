package io.jlvs.examples.ops;

import io.jlvs.core.internal.json.JsonWriter;
import io.jlvs.core.listing.JlvsVersion;
import io.jlvs.core.LoadBalancer;
import io.jlvs.core.listing.ServerState;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.ServerList;
import io.jlvs.core.service.VirtualService;
import io.jlvs.core.stats.LatencyStats;
import io.jlvs.core.stats.StatsSnapshot;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.Map;

/**
 * Renders {@code /api/status}: the director, every service with every member server (also those health checking
 * took out of rotation), their state, counters, rates, last check and rate history. See the notes for the schema.
 *
 * <p>Stateless; thread-safe.
 */
final class StatusJson {
    private StatusJson() {
    }

    static String render(final LoadBalancer lb, final RateHistory history, final long startedAtMillis) {
        final JsonWriter j = new JsonWriter(3).beginObject();
        j.field("version", JlvsVersion.version());
        j.field("time", System.currentTimeMillis());
        j.field("startedAt", startedAtMillis);
        j.field("historyIntervalSeconds", RateHistory.INTERVAL_SECONDS);
        j.field("liveConnections", lb.liveConnections());
        final io.jlvs.core.transport.Health health = lb.health();
        j.name("health").beginObject().field("healthy", health.healthy()).name("problems").beginArray();
        for (final String p : health.problems()) {
            j.value(p);
        }
        j.endArray().endObject();
        j.name("totals");
        stats(j.beginObject(), lb.services().totals().snapshot()).endObject();
        process(j.name("process").beginObject()).endObject();
        j.name("counters").beginObject();
        for (final Map.Entry<String, Long> e : lb.counters().entrySet()) {
            j.field(e.getKey(), e.getValue());
        }
        j.endObject();
        j.name("services").beginArray();
        for (final VirtualService s : lb.services().services()) {
            service(j, s, history);
        }
        j.endArray();
        return j.endObject().toString();
    }

    private static JsonWriter stats(final JsonWriter j, final StatsSnapshot st) {
        return j.field("connections", st.conns()).field("inPackets", st.inPackets())
            .field("outPackets", st.outPackets()).field("inBytes", st.inBytes()).field("outBytes", st.outBytes())
            .field("cps", st.cps()).field("inBps", st.inBps()).field("outBps", st.outBps());
    }

    private static JsonWriter process(final JsonWriter j) {
        final OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean) {
            final com.sun.management.UnixOperatingSystemMXBean u = (com.sun.management.UnixOperatingSystemMXBean) os;
            j.field("openFds", u.getOpenFileDescriptorCount()).field("maxFds", u.getMaxFileDescriptorCount());
        }
        for (final BufferPoolMXBean p : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if ("direct".equals(p.getName())) {
                j.field("directMemoryBytes", p.getMemoryUsed()).field("directBuffers", p.getCount());
            }
        }
        final Runtime rt = Runtime.getRuntime();
        return j.field("heapUsedBytes", rt.totalMemory() - rt.freeMemory()).field("heapMaxBytes", rt.maxMemory());
    }

    private static void service(final JsonWriter j, final VirtualService s, final RateHistory history) {
        final ServerList members = s.members();
        int up = 0;
        int active = 0;
        int inactive = 0;
        for (int i = 0; i < members.size(); i++) {
            final RealServer r = members.get(i);
            up += ServerState.of(s, r).healthy() ? 1 : 0;
            active += r.activeConns();
            inactive += r.inactiveConns();
        }
        j.beginObject();
        j.field("service", s.key().toString());
        j.field("protocol", s.key().protocol().label());
        j.field("address", s.key().addressAndPort());
        j.field("scheduler", s.config().scheduler());
        j.field("persistentSeconds", s.config().persistenceSeconds());
        j.field("sorry", s.inSorryMode());
        j.field("serversUp", up).field("serverCount", members.size());
        j.field("active", active).field("inactive", inactive);
        stats(j, s.stats().snapshot());
        j.name("servers").beginArray();
        for (int i = 0; i < members.size(); i++) {
            server(j, s, members.get(i), history);
        }
        j.endArray();
        j.endObject();
    }

    private static void server(final JsonWriter j, final VirtualService s, final RealServer r, final RateHistory history) {
        final ServerState state = ServerState.of(s, r);
        j.beginObject();
        j.field("server", r.addressAndPort());
        j.field("state", state.label());
        j.field("up", state.healthy());
        j.field("weight", r.weight()).field("configuredWeight", r.config().weight());
        j.field("active", r.activeConns()).field("inactive", r.inactiveConns()).field("persistent", r.persistConns());
        j.field("upperThreshold", r.upperThreshold()).field("lowerThreshold", r.lowerThreshold());
        stats(j, r.stats().snapshot());
        j.field("connectFailures", r.connectFailuresTotal());
        latency(j.name("connectLatencyMs"), r.connectLatency());
        latency(j.name("checkLatencyMs"), r.checkLatency());
        final RealServer.LastCheck c = r.lastCheck();
        j.name("lastCheck");
        if (c == null) {
            j.nullValue();
        } else {
            j.beginObject().field("passed", c.passed()).field("check", c.check()).field("reason", c.reason());
            j.name("latencyMs");
            if (c.latencyNanos() < 0) {
                j.nullValue();
            } else {
                j.value(c.latencyNanos() / 1e6);
            }
            j.field("at", c.atEpochMillis()).endObject();
        }
        j.name("history").beginObject();
        array(j.name("cps"), history.cps(r));
        array(j.name("bps"), history.bps(r));
        j.endObject();
        j.endObject();
    }

    private static void latency(final JsonWriter j, final LatencyStats l) {
        j.beginObject().field("count", l.count()).field("mean", l.meanNanos() / 1e6)
            .field("max", l.maxNanos() / 1e6);
        j.name("last");
        if (l.lastNanos() < 0) {
            j.nullValue();
        } else {
            j.value(l.lastNanos() / 1e6);
        }
        j.endObject();
    }

    private static void array(final JsonWriter j, final long[] values) {
        j.beginArray();
        for (final long v : values) {
            j.value(v);
        }
        j.endArray();
    }
}
