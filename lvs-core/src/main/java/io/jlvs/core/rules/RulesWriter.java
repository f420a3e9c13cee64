package io.jlvs.core.rules;

import io.jlvs.core.config.DirectorConfig;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.SchedulerFlags;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.Timeouts;
import io.jlvs.core.config.VirtualServiceConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a configuration in the rules format, as {@code ipvsadm -S -n} does, so that {@link RulesParser} reads
 * back the same configuration.
 *
 * <p>Two deliberate differences from ipvsadm, both so that a save restores exactly: servers are written oldest
 * first (ipvsadm sorts them by address, so a restore reverses IPVS's list order and with it every tie-break), and
 * thresholds ({@code -x}, {@code -y}), extension options and non-default timeouts ({@code --set}) are written too.
 * Services are written in ipvsadm's sort order.
 *
 * <p>Thread-safe (stateless).
 */
public final class RulesWriter {
    private RulesWriter() {
    }

    /**
     * Renders a configuration.
     *
     * @param config the configuration
     * @return the rules, one command per line, each ending with a newline
     */
    public static String save(final DirectorConfig config) {
        final StringBuilder sb = new StringBuilder(256);
        final List<VirtualServiceConfig> services = new ArrayList<>(config.services());
        services.sort((a, b) -> ServiceKey.IPVSADM_ORDER.compare(a.key(), b.key()));
        for (final VirtualServiceConfig s : services) {
            sb.append(service(s)).append('\n');
            final List<RealServerConfig> servers = config.servers(s.key());
            for (int i = servers.size() - 1; i >= 0; i--) {
                sb.append(server(s.key(), servers.get(i))).append('\n');
            }
        }
        final Timeouts t = config.timeouts();
        if (!t.equals(Timeouts.DEFAULTS)) {
            sb.append("--set ").append(t.tcpSeconds()).append(' ').append(t.tcpFinSeconds()).append(' ')
                .append(t.udpSeconds()).append('\n');
        }
        return sb.toString();
    }

    /**
     * The {@code -t addr:port} or {@code -u addr:port} part of a line.
     *
     * @param key the service
     * @return the text
     */
    public static String serviceSpec(final ServiceKey key) {
        return (key.protocol() == io.jlvs.core.net.Protocol.TCP ? "-t " : "-u ") + key.addressAndPort();
    }

    /**
     * The {@code -A} line of a service.
     *
     * @param s the service
     * @return the line without a newline
     */
    public static String service(final VirtualServiceConfig s) {
        final StringBuilder sb = new StringBuilder("-A ").append(serviceSpec(s.key())).append(" -s ")
            .append(s.scheduler());
        if (s.persistent()) {
            sb.append(" -p ").append(s.persistenceSeconds());
            if (!s.defaultNetmask()) {
                sb.append(" -M ").append(s.netmaskText());
            }
        }
        if (s.onePacket()) {
            sb.append(" -o");
        }
        if ((s.schedulerFlags() & SchedulerFlags.MASK) != 0) {
            sb.append(" -b ").append(SchedulerFlags.format(s.scheduler(), s.schedulerFlags()));
        }
        options(sb, s.options());
        return sb.toString();
    }

    /**
     * The {@code -a} line of a server.
     *
     * @param key its service
     * @param r the server
     * @return the line without a newline
     */
    public static String server(final ServiceKey key, final RealServerConfig r) {
        final StringBuilder sb = new StringBuilder("-a ").append(serviceSpec(key)).append(" -r ")
            .append(r.addressAndPort()).append(' ').append(r.forwarding().option()).append(" -w ").append(r.weight());
        if (r.upperThreshold() != 0) {
            sb.append(" -x ").append(r.upperThreshold());
        }
        if (r.lowerThreshold() != 0) {
            sb.append(" -y ").append(r.lowerThreshold());
        }
        options(sb, r.options());
        return sb.toString();
    }

    private static void options(final StringBuilder sb, final Map<String, String> options) {
        for (final Map.Entry<String, String> e : options.entrySet()) {
            sb.append(" --").append(e.getKey());
            if (!"true".equals(e.getValue())) {
                sb.append(' ').append(e.getValue());
            }
        }
    }
}
