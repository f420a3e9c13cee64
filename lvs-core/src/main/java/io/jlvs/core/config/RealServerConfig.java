package io.jlvs.core.config;

import io.jlvs.core.net.Addresses;

import java.net.InetAddress;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A real server as configured: address, port, forwarding method, weight and connection thresholds, and the
 * extension options (rules-format {@code --name value} options that ipvsadm lacks).
 *
 * <p>Immutable.
 */
public final class RealServerConfig {
    /** ipvsadm's default weight. */
    public static final int DEFAULT_WEIGHT = 1;
    /** The largest weight ipvsadm accepts. */
    public static final int MAX_WEIGHT = 65535;

    private final InetAddress address;
    private final int port;
    private final ForwardingMethod forwarding;
    private final int weight;
    private final int upperThreshold;
    private final int lowerThreshold;
    private final Map<String, String> options;
    private final ExtensionValues extensions;

    private RealServerConfig(final Builder b, final ExtensionValues extensions) {
        this.address = b.address;
        this.port = b.port;
        this.forwarding = b.forwarding;
        this.weight = b.weight;
        this.upperThreshold = b.upperThreshold;
        this.lowerThreshold = b.lowerThreshold;
        this.options = Collections.unmodifiableMap(new TreeMap<>(b.options));
        this.extensions = extensions;
    }

    /**
     * Starts a builder.
     *
     * @param address the real server's address
     * @param port its port, 0..65535
     * @return a builder with weight 1, forwarding MASQ and no thresholds
     */
    public static Builder builder(final InetAddress address, final int port) {
        return new Builder(address, port);
    }

    /**
     * Starts a builder from an address literal.
     *
     * @param address a numeric IPv4 or IPv6 literal
     * @param port its port, 0..65535
     * @return a builder with weight 1, forwarding MASQ and no thresholds
     */
    public static Builder builder(final String address, final int port) {
        return new Builder(ServiceKey.literal(address), port);
    }

    /**
     * A builder holding this configuration, to change some fields.
     *
     * @return a new builder
     */
    public Builder toBuilder() {
        final Builder b = new Builder(address, port);
        b.forwarding = forwarding;
        b.weight = weight;
        b.upperThreshold = upperThreshold;
        b.lowerThreshold = lowerThreshold;
        b.options.putAll(options);
        return b;
    }

    /**
     * The address.
     *
     * @return the address
     */
    public InetAddress address() {
        return address;
    }

    /**
     * The port.
     *
     * @return 0..65535
     */
    public int port() {
        return port;
    }

    /**
     * The forwarding method; always {@link ForwardingMethod#MASQ} in a configuration that JLVS runs.
     *
     * @return the method
     */
    public ForwardingMethod forwarding() {
        return forwarding;
    }

    /**
     * The weight; 0 quiesces the server (no new connections).
     *
     * @return 0..65535
     */
    public int weight() {
        return weight;
    }

    /**
     * The upper connection threshold ({@code -x}); 0 means none.
     *
     * @return 0..Integer.MAX_VALUE
     */
    public int upperThreshold() {
        return upperThreshold;
    }

    /**
     * The lower connection threshold ({@code -y}); 0 means none.
     *
     * @return 0..Integer.MAX_VALUE
     */
    public int lowerThreshold() {
        return lowerThreshold;
    }

    /**
     * Extension options by long name (without the leading dashes), sorted by name.
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
     * Whether this server has the given address and port.
     *
     * @param address an address
     * @param port a port
     * @return true if both match
     */
    public boolean sameEndpoint(final InetAddress address, final int port) {
        return this.port == port && this.address.equals(address);
    }

    /**
     * {@code address:port} as ipvsadm prints it.
     *
     * @return for example {@code 192.168.1.2:80}
     */
    public String addressAndPort() {
        return Addresses.formatWithPort(address, port);
    }

    @Override
    public boolean equals(final Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof RealServerConfig)) {
            return false;
        }
        final RealServerConfig r = (RealServerConfig) o;
        return port == r.port && weight == r.weight && upperThreshold == r.upperThreshold
            && lowerThreshold == r.lowerThreshold && forwarding == r.forwarding && address.equals(r.address)
            && options.equals(r.options);
    }

    @Override
    public int hashCode() {
        return Objects.hash(address, port, forwarding, weight, upperThreshold, lowerThreshold, options);
    }

    @Override
    public String toString() {
        return addressAndPort() + " " + forwarding.listName() + " w=" + weight + " x=" + upperThreshold + " y="
            + lowerThreshold + (options.isEmpty() ? "" : " " + options);
    }

    /**
     * Builds a {@link RealServerConfig}; every setter validates at once.
     *
     * <p>Not thread-safe.
     */
    public static final class Builder {
        private final InetAddress address;
        private final int port;
        private ForwardingMethod forwarding = ForwardingMethod.MASQ;
        private int weight = DEFAULT_WEIGHT;
        private int upperThreshold;
        private int lowerThreshold;
        private final Map<String, String> options = new TreeMap<>();

        private Builder(final InetAddress address, final int port) {
            this.address = Objects.requireNonNull(address, "address");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
            }
            this.port = port;
        }

        /**
         * Sets the forwarding method.
         *
         * @param method the method
         * @return this
         */
        public Builder forwarding(final ForwardingMethod method) {
            this.forwarding = Objects.requireNonNull(method, "forwarding");
            return this;
        }

        /**
         * Sets the weight.
         *
         * @param weight 0..65535 (default {@value RealServerConfig#DEFAULT_WEIGHT})
         * @return this
         */
        public Builder weight(final int weight) {
            if (weight < 0 || weight > MAX_WEIGHT) {
                throw new IllegalArgumentException("weight: " + weight + " (expected: 0.." + MAX_WEIGHT + ")");
            }
            this.weight = weight;
            return this;
        }

        /**
         * Sets the upper connection threshold: the server is OVERLOADED once active plus inactive connections
         * reach it.
         *
         * @param threshold 0 (none) .. Integer.MAX_VALUE
         * @return this
         */
        public Builder upperThreshold(final int threshold) {
            if (threshold < 0) {
                throw new IllegalArgumentException("upperThreshold: " + threshold + " (expected: >= 0)");
            }
            this.upperThreshold = threshold;
            return this;
        }

        /**
         * Sets the lower connection threshold: an OVERLOADED server is available again once its connections fall
         * below it.
         *
         * @param threshold 0 (none) .. Integer.MAX_VALUE
         * @return this
         */
        public Builder lowerThreshold(final int threshold) {
            if (threshold < 0) {
                throw new IllegalArgumentException("lowerThreshold: " + threshold + " (expected: >= 0)");
            }
            this.lowerThreshold = threshold;
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
         * Validates the thresholds together and builds.
         *
         * @return the configuration
         * @throws IllegalArgumentException if the lower threshold exceeds the upper one (IPVS refuses that, so a
         *     lower threshold needs an upper one), or an extension option is unknown, belongs on the service or has
         *     a bad value (the message names the option, the value and what was expected)
         */
        public RealServerConfig build() {
            if (lowerThreshold > upperThreshold) {
                throw new IllegalArgumentException("lowerThreshold: " + lowerThreshold
                    + " (expected: <= upperThreshold " + upperThreshold + ")");
            }
            return new RealServerConfig(this, Extensions.parse(options, false));
        }
    }
}
