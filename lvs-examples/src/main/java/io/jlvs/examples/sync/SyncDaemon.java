package io.jlvs.examples.sync;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.Extensions;
import io.jlvs.core.sync.SyncCodec;
import io.jlvs.core.time.Ticker;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A director's sync daemon, the IPVS model ({@code ipvsadm --start-daemon master|backup --syncid N}): a master sends
 * its persistence templates, UDP flows and TCP connection entries with heartbeats at least every second; a backup
 * applies them and takes over (starts its director's services) when the heartbeats stop for the dead interval.
 * Build one with {@link #builder()}, then {@link Builder#start(LoadBalancer)}; a backup's load balancer must not be
 * started yet.
 *
 * <p>The command-line options ({@link Builder#option}) are {@value #OPTIONS}.
 *
 * <p>Thread-safe: the settings are immutable; {@link SyncMaster} and {@link SyncBackup} say which thread owns what.
 */
public final class SyncDaemon implements AutoCloseable {
    /** The options {@link Builder#option} understands. */
    public static final String OPTIONS = "--sync master|backup, --sync-id N, --sync-peers ADDR:PORT,..., "
        + "--sync-group ADDR:PORT, --sync-interface NAME, --sync-listen ADDR:PORT, --sync-interval MS, "
        + "--sync-dead-interval SECONDS, "
        + "--sync-mtu BYTES, --sync-rate RECORDS_PER_SECOND";

    /** What a director does in the sync pair. */
    public enum Role {
        /** Sends its state. */
        MASTER,
        /** Receives state and takes over when the master is silent. */
        BACKUP
    }

    private final Settings settings;
    private final SyncMaster master;
    private final SyncBackup backup;

    private SyncDaemon(final Settings settings, final SyncMaster master, final SyncBackup backup) {
        this.settings = settings;
        this.master = master;
        this.backup = backup;
    }

    /**
     * A builder with the defaults: sync id 0, interval 1 s, dead interval 3 s, MTU 1500, 50,000 records/s, a
     * 200,000-entry table on a backup.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The settings.
     *
     * @return the settings
     */
    public Settings settings() {
        return settings;
    }

    /**
     * The sending side.
     *
     * @return the master, or null for a backup
     */
    public SyncMaster master() {
        return master;
    }

    /**
     * The receiving side.
     *
     * @return the backup, or null for a master
     */
    public SyncBackup backup() {
        return backup;
    }

    /**
     * What {@code ipvsadm -L --daemon} prints for this daemon, followed by its counters.
     *
     * @return lines with newlines
     */
    public String status() {
        return master != null ? master.status() : backup.status();
    }

    /** Stops sending or receiving (a backup that took over keeps its director running). */
    @Override
    public void close() {
        if (master != null) {
            master.close();
        }
        if (backup != null) {
            backup.close();
        }
    }

    /**
     * The daemon's settings.
     *
     * @param role master or backup
     * @param syncId 0..255
     * @param peers unicast destinations of a master (empty with a group)
     * @param group the multicast group, or null
     * @param multicastInterface the interface the group is sent on and joined on (ipvsadm's
     *     {@code --mcast-interface}), or null for the routing table's choice (sending) and the listen address's or
     *     the first multicast interface (joining)
     * @param listen where a backup receives (unicast), or null with a group
     * @param intervalMillis how often a master sends, 10..1000 ms
     * @param deadIntervalMillis how long a backup waits without heartbeats before it takes over
     * @param mtu the link MTU batches fit in
     * @param maxRecordsPerSecond a master's send budget
     * @param maxEntries how many UDP flows and TCP entries a backup keeps
     * @param clock the clock of the director (the load balancer's)
     */
    public record Settings(Role role, int syncId, List<InetSocketAddress> peers, InetSocketAddress group,
        String multicastInterface, InetSocketAddress listen, int intervalMillis, long deadIntervalMillis, int mtu,
        int maxRecordsPerSecond, int maxEntries, Ticker clock) {
        /**
         * Copies the peer list.
         *
         * @param role see the record
         * @param syncId see the record
         * @param peers see the record
         * @param group see the record
         * @param multicastInterface see the record
         * @param listen see the record
         * @param intervalMillis see the record
         * @param deadIntervalMillis see the record
         * @param mtu see the record
         * @param maxRecordsPerSecond see the record
         * @param maxEntries see the record
         * @param clock see the record
         */
        public Settings {
            peers = List.copyOf(peers);
        }

        /**
         * The largest datagram for the MTU and the address family in use.
         *
         * @return bytes
         */
        public int datagramLimit() {
            final InetSocketAddress a = group != null ? group : listen != null ? listen : peers.get(0);
            return SyncCodec.datagramLimit(mtu, a.getAddress() instanceof java.net.Inet6Address);
        }
    }

    /**
     * Collects the settings; {@link #start} checks that they fit together.
     *
     * <p>Not thread-safe.
     */
    public static final class Builder {
        private Role role;
        private int syncId;
        private final List<InetSocketAddress> peers = new ArrayList<>();
        private InetSocketAddress group;
        private String multicastInterface;
        private InetSocketAddress listen;
        private int intervalMillis = 1000;
        private long deadIntervalMillis = 3000;
        private int mtu = SyncCodec.DEFAULT_MTU;
        private int maxRecordsPerSecond = 50_000;
        private int maxEntries = 200_000;
        private Ticker clock = System::nanoTime;

        private Builder() {
        }

        /**
         * Master or backup.
         *
         * @param r the role
         * @return this
         */
        public Builder role(final Role r) {
            this.role = Objects.requireNonNull(r, "role");
            return this;
        }

        /**
         * The sync id; datagrams of other ids are dropped and counted.
         *
         * @param id 0..255
         * @return this
         * @throws IllegalArgumentException if out of range
         */
        public Builder syncId(final int id) {
            if (id < 0 || id > 255) {
                throw new IllegalArgumentException("syncId: " + id + " (expected 0..255)");
            }
            this.syncId = id;
            return this;
        }

        /**
         * Adds a unicast destination of a master.
         *
         * @param peer the backup's address and port
         * @return this
         */
        public Builder peer(final InetSocketAddress peer) {
            peers.add(Objects.requireNonNull(peer, "peer"));
            return this;
        }

        /**
         * The multicast group a master sends to and a backup joins.
         *
         * @param g a multicast address and port
         * @return this
         * @throws IllegalArgumentException if the address is not multicast
         */
        public Builder group(final InetSocketAddress g) {
            if (!g.getAddress().isMulticastAddress()) {
                throw new IllegalArgumentException("group: " + g.getAddress().getHostAddress()
                    + " (expected a multicast address such as 224.0.0.81)");
            }
            this.group = g;
            return this;
        }

        /**
         * The network interface the multicast group is sent on and joined on.
         *
         * @param name an interface name such as {@code eth1}
         * @return this
         */
        public Builder multicastInterface(final String name) {
            this.multicastInterface = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Where a backup receives unicast sync datagrams.
         *
         * @param a the address and port (port 0 picks one: see {@link SyncBackup#address()})
         * @return this
         */
        public Builder listen(final InetSocketAddress a) {
            this.listen = Objects.requireNonNull(a, "listen");
            return this;
        }

        /**
         * How often a master sends (its heartbeat period).
         *
         * @param d 10 ms .. 1 s
         * @return this
         * @throws IllegalArgumentException if out of range
         */
        public Builder interval(final Duration d) {
            final long ms = d.toMillis();
            if (ms < 10 || ms > 1000) {
                throw new IllegalArgumentException("interval: " + ms + " ms (expected 10..1000)");
            }
            this.intervalMillis = (int) ms;
            return this;
        }

        /**
         * How long a backup waits without a heartbeat before it takes over.
         *
         * @param d 100 ms .. 1 hour
         * @return this
         * @throws IllegalArgumentException if out of range
         */
        public Builder deadInterval(final Duration d) {
            final long ms = d.toMillis();
            if (ms < 100 || ms > 3_600_000) {
                throw new IllegalArgumentException("deadInterval: " + ms + " ms (expected 100..3600000)");
            }
            this.deadIntervalMillis = ms;
            return this;
        }

        /**
         * The MTU of the sync link; datagrams are at most the MTU less the IP and UDP headers.
         *
         * @param bytes 168..65535
         * @return this
         * @throws IllegalArgumentException if too small
         */
        public Builder mtu(final int bytes) {
            SyncCodec.datagramLimit(bytes, true);
            this.mtu = bytes;
            return this;
        }

        /**
         * A master's send budget; beyond it, records are sent in later rounds (each round resumes where the last
         * stopped).
         *
         * @param n records per second, at least 100
         * @return this
         * @throws IllegalArgumentException if below 100
         */
        public Builder maxRecordsPerSecond(final int n) {
            if (n < 100) {
                throw new IllegalArgumentException("maxRecordsPerSecond: " + n + " (expected at least 100)");
            }
            this.maxRecordsPerSecond = n;
            return this;
        }

        /**
         * How many UDP flows and TCP entries a backup keeps; beyond it new ones are dropped and counted.
         *
         * @param n at least 1
         * @return this
         * @throws IllegalArgumentException if below 1
         */
        public Builder maxEntries(final int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxEntries: " + n + " (expected at least 1)");
            }
            this.maxEntries = n;
            return this;
        }

        /**
         * The director's clock (the one its load balancer was built with), for template timeouts.
         *
         * @param c the clock
         * @return this
         */
        public Builder clock(final Ticker c) {
            this.clock = Objects.requireNonNull(c, "clock");
            return this;
        }

        /**
         * Applies one command-line option of {@value #OPTIONS}.
         *
         * @param name the option, for example {@code --sync-id}
         * @param value its value
         * @return this
         * @throws IllegalArgumentException naming the option, the value and what was expected
         */
        public Builder option(final String name, final String value) {
            try {
                switch (name) {
                    case "--sync":
                        switch (value.toLowerCase(Locale.ROOT)) {
                            case "master":
                                return role(Role.MASTER);
                            case "backup":
                                return role(Role.BACKUP);
                            default:
                                throw new IllegalArgumentException("expected master or backup");
                        }
                    case "--sync-id":
                        return syncId(number(value, 0, 255));
                    case "--sync-peers":
                        final List<InetSocketAddress> parsed = new ArrayList<>();
                        for (final String p : value.split(",", -1)) {
                            parsed.add(endpoint(p.trim())); // all or none: a bad entry adds nothing
                        }
                        peers.addAll(parsed);
                        return this;
                    case "--sync-group":
                        return group(endpoint(value));
                    case "--sync-interface":
                        return multicastInterface(value);
                    case "--sync-listen":
                        return listen(endpoint(value));
                    case "--sync-interval":
                        return interval(Duration.ofMillis(number(value, 10, 1000)));
                    case "--sync-dead-interval":
                        return deadInterval(Duration.ofMillis(seconds(value)));
                    case "--sync-mtu":
                        return mtu(number(value, 168, 65535));
                    case "--sync-rate":
                        return maxRecordsPerSecond(number(value, 100, Integer.MAX_VALUE));
                    default:
                        throw new IllegalArgumentException("unknown sync option (expected one of " + OPTIONS + ")");
                }
            } catch (final IllegalArgumentException e) {
                throw new IllegalArgumentException(name + " " + value + ": " + e.getMessage(), e);
            }
        }

        private static int number(final String v, final int min, final int max) {
            try {
                final int n = Integer.parseInt(v);
                if (n >= min && n <= max) {
                    return n;
                }
            } catch (final NumberFormatException e) {
                // below
            }
            throw new IllegalArgumentException("expected a number " + min + ".." + max);
        }

        private static long seconds(final String v) {
            try {
                final double s = Double.parseDouble(v);
                if (s >= 0.1 && s <= 3600) {
                    return Math.round(s * 1000);
                }
            } catch (final NumberFormatException e) {
                // below
            }
            throw new IllegalArgumentException("expected seconds 0.1..3600");
        }

        private static InetSocketAddress endpoint(final String v) {
            final InetSocketAddress a = Extensions.endpoint(v, true);
            if (a == null) {
                throw new IllegalArgumentException("expected a numeric ADDR:PORT such as 127.0.0.1:8848");
            }
            return a;
        }

        /**
         * The settings, checked.
         *
         * @return the settings
         * @throws IllegalArgumentException if they do not fit together (no role; a master without peers or group; a
         *     backup without listen address or group)
         */
        public Settings settings() {
            if (role == null) {
                throw new IllegalArgumentException("--sync: no role (expected master or backup)");
            }
            if (role == Role.MASTER && peers.isEmpty() && group == null) {
                throw new IllegalArgumentException("--sync master needs --sync-peers ADDR:PORT,... or --sync-group "
                    + "ADDR:PORT");
            }
            if (role == Role.MASTER && !peers.isEmpty() && group != null) {
                throw new IllegalArgumentException("--sync master: --sync-peers and --sync-group both given "
                    + "(expected one)");
            }
            if (role == Role.BACKUP && listen == null && group == null) {
                throw new IllegalArgumentException("--sync backup needs --sync-listen ADDR:PORT or --sync-group "
                    + "ADDR:PORT");
            }
            final Settings s = new Settings(role, syncId, peers, group, multicastInterface, listen, intervalMillis,
                deadIntervalMillis, mtu, maxRecordsPerSecond, maxEntries, clock);
            s.datagramLimit();
            return s;
        }

        /**
         * Starts the daemon for a director: a master sends the director's state from now on (start the load
         * balancer before or after); a backup receives and starts the load balancer when it takes over.
         *
         * @param lb the director
         * @return the running daemon
         * @throws IOException if the sync socket cannot be opened
         * @throws IllegalArgumentException if the settings do not fit together
         * @throws IllegalStateException if a backup's load balancer is already started
         */
        public SyncDaemon start(final LoadBalancer lb) throws IOException {
            final Settings s = settings();
            if (s.role() == Role.MASTER) {
                return new SyncDaemon(s, SyncMaster.start(s, lb), null);
            }
            if (!lb.listening().isEmpty()) {
                throw new IllegalStateException("a backup's director must not be started: it starts its services "
                    + "when it takes over");
            }
            return new SyncDaemon(s, null, SyncBackup.start(s, lb));
        }
    }
}
