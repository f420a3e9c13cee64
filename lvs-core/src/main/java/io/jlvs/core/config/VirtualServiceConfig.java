package io.jlvs.core.config;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.net.Addresses;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A virtual service as configured: its key, scheduler name and flags, persistence (timeout and granularity),
 * one-packet scheduling, and extension options.
 *
 * <p>Persistence granularity follows ipvsadm's {@code -M}: for an IPv4 service a netmask (any 32-bit mask, default
 * {@code 255.255.255.255}), for an IPv6 service a prefix length (1..128, default 128).
 *
 * <p>Immutable.
 */
public final class VirtualServiceConfig {
    /** ipvsadm's default scheduler. */
    public static final String DEFAULT_SCHEDULER = "wlc";
    /** ipvsadm's default persistence timeout in seconds (its man page says 300; the code says 360). */
    public static final int DEFAULT_PERSISTENCE_SECONDS = 360;
    /** The longest persistence timeout ipvsadm accepts: 31 days. */
    public static final int MAX_PERSISTENCE_SECONDS = 86400 * 31;

    private final ServiceKey key;
    private final String scheduler;
    private final int schedulerFlags;
    private final boolean persistent;
    private final int persistenceSeconds;
    private final int netmask;
    private final boolean onePacket;
    private final Map<String, String> options;
    private final ExtensionValues extensions;

    private VirtualServiceConfig(final Builder b, final ExtensionValues extensions) {
        this.key = b.key;
        this.scheduler = b.scheduler;
        this.schedulerFlags = b.schedulerFlags;
        this.persistent = b.persistent;
        this.persistenceSeconds = b.persistent ? b.persistenceSeconds : 0;
        this.netmask = b.netmask;
        this.onePacket = b.onePacket;
        this.options = Collections.unmodifiableMap(new TreeMap<>(b.options));
        this.extensions = extensions;
    }

    /**
     * Starts a builder with ipvsadm's defaults: scheduler wlc, no flags, not persistent, full-length mask.
     *
     * @param key the service key
     * @return a builder
     */
    public static Builder builder(final ServiceKey key) {
        return new Builder(key);
    }

    /**
     * A builder holding this configuration.
     *
     * @return a new builder
     */
    public Builder toBuilder() {
        final Builder b = new Builder(key);
        b.scheduler = scheduler;
        b.schedulerFlags = schedulerFlags;
        b.persistent = persistent;
        b.persistenceSeconds = persistent ? persistenceSeconds : DEFAULT_PERSISTENCE_SECONDS;
        b.netmask = netmask;
        b.onePacket = onePacket;
        b.options.putAll(options);
        return b;
    }

    /**
     * The service key.
     *
     * @return the key
     */
    public ServiceKey key() {
        return key;
    }

    /**
     * The scheduler's IPVS name, for example {@code wlc}.
     *
     * @return the name
     */
    public String scheduler() {
        return scheduler;
    }

    /**
     * The scheduler flag bits ({@link SchedulerFlags}).
     *
     * @return the bits
     */
    public int schedulerFlags() {
        return schedulerFlags;
    }

    /**
     * Whether clients stick to a real server ({@code -p}).
     *
     * @return true if persistent
     */
    public boolean persistent() {
        return persistent;
    }

    /**
     * The persistence timeout in seconds, 0 when not persistent.
     *
     * @return seconds
     */
    public int persistenceSeconds() {
        return persistenceSeconds;
    }

    /**
     * The persistence granularity: an IPv4 netmask as a big-endian number, or an IPv6 prefix length.
     *
     * @return the mask or prefix length
     */
    public int netmask() {
        return netmask;
    }

    /**
     * Whether every datagram is scheduled on its own ({@code -o}, UDP only).
     *
     * @return true for one-packet scheduling
     */
    public boolean onePacket() {
        return onePacket;
    }

    /**
     * Extension options by long name, sorted by name.
     *
     * @return an unmodifiable map
     */
    public Map<String, String> options() {
        return options;
    }

    /**
     * The extension options parsed into typed values (checked when this configuration was built).
     *
     * @return the typed values
     */
    public ExtensionValues extensions() {
        return extensions;
    }

    /**
     * Whether the netmask is the default one (no {@code mask} in listings, no {@code -M} when saved).
     *
     * @return true for /32 (IPv4) or /128 (IPv6)
     */
    public boolean defaultNetmask() {
        return key.isIpv6() ? netmask == 128 : netmask == -1;
    }

    /**
     * The netmask as ipvsadm prints it: dotted for IPv4, a prefix length for IPv6.
     *
     * @return the text
     */
    public String netmaskText() {
        return key.isIpv6() ? Integer.toString(netmask) : Addresses.format(Addresses.ipv4(netmask).getAddress());
    }

    @Override
    public boolean equals(final Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof VirtualServiceConfig)) {
            return false;
        }
        final VirtualServiceConfig v = (VirtualServiceConfig) o;
        return schedulerFlags == v.schedulerFlags && persistent == v.persistent
            && persistenceSeconds == v.persistenceSeconds && netmask == v.netmask && onePacket == v.onePacket
            && key.equals(v.key) && scheduler.equals(v.scheduler) && options.equals(v.options);
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, scheduler, schedulerFlags, persistent, persistenceSeconds, netmask, onePacket,
            options);
    }

    @Override
    public String toString() {
        return key + " " + scheduler + (schedulerFlags != 0 ? " (" + SchedulerFlags.format(scheduler,
            schedulerFlags) + ")" : "") + (persistent ? " persistent " + persistenceSeconds : "")
            + (defaultNetmask() ? "" : " mask " + netmaskText()) + (onePacket ? " ops" : "")
            + (options.isEmpty() ? "" : " " + options);
    }

    /**
     * Builds a {@link VirtualServiceConfig}; setters validate at once, {@link #build()} checks the rules that
     * involve several fields.
     *
     * <p>Not thread-safe.
     */
    public static final class Builder {
        private final ServiceKey key;
        private String scheduler = DEFAULT_SCHEDULER;
        private int schedulerFlags;
        private boolean persistent;
        private int persistenceSeconds = DEFAULT_PERSISTENCE_SECONDS;
        private int netmask;
        private boolean onePacket;
        private final Map<String, String> options = new TreeMap<>();

        private Builder(final ServiceKey key) {
            this.key = Objects.requireNonNull(key, "key");
            this.netmask = key.isIpv6() ? 128 : -1;
        }

        /**
         * Sets the scheduler by its IPVS name.
         *
         * @param name for example {@code wlc}, {@code rr}, {@code mh}
         * @return this
         */
        public Builder scheduler(final String name) {
            Objects.requireNonNull(name, "scheduler");
            if (name.isEmpty() || name.length() > 15) {
                throw new IllegalArgumentException("scheduler: '" + name + "' (expected: 1..15 characters)");
            }
            this.scheduler = name;
            return this;
        }

        /**
         * Sets the scheduler flags.
         *
         * @param flags bits from {@link SchedulerFlags}
         * @return this
         */
        public Builder schedulerFlags(final int flags) {
            if ((flags & ~SchedulerFlags.MASK) != 0) {
                throw new IllegalArgumentException("schedulerFlags: 0x" + Integer.toHexString(flags)
                    + " (expected: bits of 0x" + Integer.toHexString(SchedulerFlags.MASK) + ")");
            }
            this.schedulerFlags = flags;
            return this;
        }

        /**
         * Makes the service persistent.
         *
         * @param seconds 1..{@value VirtualServiceConfig#MAX_PERSISTENCE_SECONDS}
         * @return this
         */
        public Builder persistent(final int seconds) {
            if (seconds < 1 || seconds > MAX_PERSISTENCE_SECONDS) {
                throw new IllegalArgumentException("persistenceSeconds: " + seconds + " (expected: 1.."
                    + MAX_PERSISTENCE_SECONDS + ")");
            }
            this.persistent = true;
            this.persistenceSeconds = seconds;
            return this;
        }

        /**
         * Makes the service not persistent.
         *
         * @return this
         */
        public Builder notPersistent() {
            this.persistent = false;
            this.persistenceSeconds = DEFAULT_PERSISTENCE_SECONDS;
            return this;
        }

        /**
         * Sets an IPv4 service's persistence netmask.
         *
         * @param mask the mask as a big-endian number, for example {@code 0xffffff00}
         * @return this
         */
        public Builder ipv4Netmask(final int mask) {
            if (key.isIpv6()) {
                throw new IllegalArgumentException("netmask: an IPv4 mask for IPv6 service " + key
                    + " (expected: a prefix length)");
            }
            this.netmask = mask;
            return this;
        }

        /**
         * Sets the persistence granularity as a prefix length (IPv4: 0..32, IPv6: 1..128).
         *
         * @param prefixLength the prefix length
         * @return this
         */
        public Builder prefixLength(final int prefixLength) {
            if (key.isIpv6()) {
                if (prefixLength < 1 || prefixLength > 128) {
                    throw new IllegalArgumentException("prefixLength: " + prefixLength + " (expected: 1..128)");
                }
                this.netmask = prefixLength;
            } else {
                if (prefixLength < 0 || prefixLength > 32) {
                    throw new IllegalArgumentException("prefixLength: " + prefixLength + " (expected: 0..32)");
                }
                this.netmask = prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
            }
            return this;
        }

        /**
         * Turns one-packet scheduling on or off.
         *
         * @param on true to schedule every datagram on its own (UDP only)
         * @return this
         */
        public Builder onePacket(final boolean on) {
            this.onePacket = on;
            return this;
        }

        /**
         * Sets an extension option.
         *
         * @param name its long name without dashes
         * @param value its value
         * @return this
         */
        public Builder option(final String name, final String value) {
            options.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * Removes an extension option.
         *
         * @param name its long name
         * @return this
         */
        public Builder removeOption(final String name) {
            options.remove(name);
            return this;
        }

        /**
         * Checks ipvsadm's rules and builds.
         *
         * @return the configuration
         * @throws IllegalArgumentException if port 0 is used without persistence, or one-packet scheduling on TCP,
         *     or an extension option is unknown, belongs on a real server or has a bad value (the message names the
         *     option, the value and what was expected)
         */
        public VirtualServiceConfig build() {
            if (key.port() == 0 && !persistent) {
                throw new IllegalArgumentException("port: 0 (a zero port needs persistence)");
            }
            if (onePacket && key.protocol() != Protocol.UDP) {
                throw new IllegalArgumentException("onePacket: true (one-packet scheduling is only for UDP services)");
            }
            final VirtualServiceConfig c = new VirtualServiceConfig(this, Extensions.parse(options, true));
            final String refusal = Extensions.kernelRefusal(c);
            if (refusal != null) {
                throw new IllegalArgumentException("--forward kernel: " + refusal);
            }
            return c;
        }
    }
}
