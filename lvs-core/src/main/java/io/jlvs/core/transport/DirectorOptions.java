package io.jlvs.core.transport;

import java.time.Duration;
import java.util.Objects;

/**
 * The engine's knobs, with sensible defaults.
 *
 * <p>Immutable; built by {@link Builder}, whose setters validate at once and name the field and value.
 */
public final class DirectorOptions {
    /**
     * Default (large) buffer size: 512 KiB. A direction starts with a 16 KiB buffer and moves to this size once a
     * read fills its buffer, so bulk transfers take few, large reads (measured on loopback: 512 KiB reads relay about
     * 1.5 times the bytes per second of 64 KiB reads) while request/response traffic holds little in flight.
     */
    public static final int DEFAULT_BUFFER_SIZE = 512 * 1024;
    /** Default connect timeout to a real server: 5 s. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Default connect retries on other servers after a failed connect (HAProxy's redispatch): 2. */
    public static final int DEFAULT_CONNECT_RETRIES = 2;
    /** Default drain time on close: 10 s. */
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(10);
    /** Default listen backlog (the kernel caps it at somaxconn). */
    public static final int DEFAULT_BACKLOG = 4096;
    /** Default PROXY header read timeout: 3 s. */
    public static final Duration DEFAULT_PROXY_HEADER_TIMEOUT = Duration.ofSeconds(3);
    /** Default pause of accepting after running out of file descriptors: 100 ms. */
    public static final Duration DEFAULT_ACCEPT_BACKOFF = Duration.ofMillis(100);

    private final int eventLoops;
    private final int bufferSize;
    private final int maxPooledBuffers;
    private final long connectTimeoutNs;
    private final int connectRetries;
    private final long drainTimeoutNs;
    private final boolean tcpNoDelay;
    private final boolean keepAlive;
    private final int sendBufferSize;
    private final int receiveBufferSize;
    private final int backlog;
    private final long proxyHeaderTimeoutNs;
    private final long acceptBackoffNs;
    private final boolean expireNodestConn;
    private final boolean expireQuiescentConn;
    private final boolean expireQuiescentTemplate;
    private final int maxUdpFlows;
    private final long relayBufferBudget;
    private final boolean reusePortShare;

    private DirectorOptions(final Builder b) {
        this.eventLoops = b.eventLoops;
        this.bufferSize = b.bufferSize;
        this.maxPooledBuffers = b.maxPooledBuffers;
        this.connectTimeoutNs = b.connectTimeoutNs;
        this.connectRetries = b.connectRetries;
        this.drainTimeoutNs = b.drainTimeoutNs;
        this.tcpNoDelay = b.tcpNoDelay;
        this.keepAlive = b.keepAlive;
        this.sendBufferSize = b.sendBufferSize;
        this.receiveBufferSize = b.receiveBufferSize;
        this.backlog = b.backlog;
        this.proxyHeaderTimeoutNs = b.proxyHeaderTimeoutNs;
        this.acceptBackoffNs = b.acceptBackoffNs;
        this.expireNodestConn = b.expireNodestConn;
        this.expireQuiescentConn = b.expireQuiescentConn;
        this.expireQuiescentTemplate = b.expireQuiescentTemplate;
        this.maxUdpFlows = b.maxUdpFlows;
        this.relayBufferBudget = b.relayBufferBudget;
        this.reusePortShare = b.reusePortShare;
    }

    /**
     * The defaults.
     *
     * @return a builder with every default
     */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return event loops (threads)} */
    public int eventLoops() {
        return eventLoops;
    }

    /** {@return bytes per relay buffer} */
    public int bufferSize() {
        return bufferSize;
    }

    /** {@return buffers each loop keeps pooled when idle} */
    public int maxPooledBuffers() {
        return maxPooledBuffers;
    }

    /** {@return connect timeout in nanoseconds} */
    public long connectTimeoutNs() {
        return connectTimeoutNs;
    }

    /** {@return further servers tried after a failed connect} */
    public int connectRetries() {
        return connectRetries;
    }

    /** {@return default drain time on close, in nanoseconds} */
    public long drainTimeoutNs() {
        return drainTimeoutNs;
    }

    /** {@return TCP_NODELAY on both sockets} */
    public boolean tcpNoDelay() {
        return tcpNoDelay;
    }

    /** {@return SO_KEEPALIVE on both sockets} */
    public boolean keepAlive() {
        return keepAlive;
    }

    /** {@return SO_SNDBUF, 0 for the OS default} */
    public int sendBufferSize() {
        return sendBufferSize;
    }

    /** {@return SO_RCVBUF, 0 for the OS default} */
    public int receiveBufferSize() {
        return receiveBufferSize;
    }

    /** {@return listen backlog} */
    public int backlog() {
        return backlog;
    }

    /** {@return how long a client may take to send its PROXY header, in nanoseconds} */
    public long proxyHeaderTimeoutNs() {
        return proxyHeaderTimeoutNs;
    }

    /** {@return pause of accepting after EMFILE/ENFILE, in nanoseconds} */
    public long acceptBackoffNs() {
        return acceptBackoffNs;
    }

    /** {@return close connections of removed servers ({@code expire_nodest_conn})} */
    public boolean expireNodestConn() {
        return expireNodestConn;
    }

    /** {@return also close connections of servers quiesced to weight 0} */
    public boolean expireQuiescentConn() {
        return expireQuiescentConn;
    }

    /** {@return a template of a weight-0 server stops matching ({@code expire_quiescent_template})} */
    public boolean expireQuiescentTemplate() {
        return expireQuiescentTemplate;
    }

    /** {@return the most UDP flows per event loop; new flows above it are dropped and counted} */
    public int maxUdpFlows() {
        return maxUdpFlows;
    }

    /**
     * The most bytes of direct memory the relay's buffers may hold together (in flight and idle, every event loop);
     * 0 for the default, half of the JVM's direct-memory limit ({@code -XX:MaxDirectMemorySize}, else the heap's
     * maximum as the JDK takes it). Past half of it buffers are small; past all of it a connection stops reading
     * until a buffer is free.
     *
     * @return bytes, or 0 for the default
     */
    public long relayBufferBudget() {
        return relayBufferBudget;
    }

    /**
     * Whether a listener may join a port that another listener already holds with {@code SO_REUSEPORT} (another
     * director sharing the load on purpose); off by default, so a second director on a VIP:port fails to start.
     *
     * @return true to share
     */
    public boolean reusePortShare() {
        return reusePortShare;
    }

    @Override
    public boolean equals(final Object o) {
        if (!(o instanceof DirectorOptions)) {
            return false;
        }
        final DirectorOptions d = (DirectorOptions) o;
        return eventLoops == d.eventLoops && bufferSize == d.bufferSize && maxPooledBuffers == d.maxPooledBuffers
            && connectTimeoutNs == d.connectTimeoutNs && connectRetries == d.connectRetries
            && drainTimeoutNs == d.drainTimeoutNs && tcpNoDelay == d.tcpNoDelay && keepAlive == d.keepAlive
            && sendBufferSize == d.sendBufferSize && receiveBufferSize == d.receiveBufferSize
            && backlog == d.backlog && proxyHeaderTimeoutNs == d.proxyHeaderTimeoutNs
            && acceptBackoffNs == d.acceptBackoffNs && expireNodestConn == d.expireNodestConn
            && expireQuiescentConn == d.expireQuiescentConn && expireQuiescentTemplate == d.expireQuiescentTemplate
            && maxUdpFlows == d.maxUdpFlows && relayBufferBudget == d.relayBufferBudget
            && reusePortShare == d.reusePortShare;
    }

    @Override
    public int hashCode() {
        return Objects.hash(eventLoops, bufferSize, maxPooledBuffers, connectTimeoutNs, connectRetries,
            drainTimeoutNs, tcpNoDelay, keepAlive, sendBufferSize, receiveBufferSize, backlog, proxyHeaderTimeoutNs,
            acceptBackoffNs, expireNodestConn, expireQuiescentConn, expireQuiescentTemplate, maxUdpFlows,
            relayBufferBudget, reusePortShare);
    }

    @Override
    public String toString() {
        return "DirectorOptions[eventLoops=" + eventLoops + ", bufferSize=" + bufferSize + ", connectTimeout="
            + Duration.ofNanos(connectTimeoutNs) + ", connectRetries=" + connectRetries + ", backlog=" + backlog
            + ", tcpNoDelay=" + tcpNoDelay + ", keepAlive=" + keepAlive + ", maxUdpFlows=" + maxUdpFlows
            + ", relayBufferBudget=" + (relayBufferBudget == 0 ? "auto" : relayBufferBudget) + ", reusePortShare="
            + reusePortShare + "]";
    }

    /**
     * Builds {@link DirectorOptions}.
     *
     * <p>Not thread-safe.
     */
    public static final class Builder {
        private int eventLoops = Runtime.getRuntime().availableProcessors();
        private int bufferSize = DEFAULT_BUFFER_SIZE;
        private int maxPooledBuffers = 1024;
        private long connectTimeoutNs = DEFAULT_CONNECT_TIMEOUT.toNanos();
        private int connectRetries = DEFAULT_CONNECT_RETRIES;
        private long drainTimeoutNs = DEFAULT_DRAIN_TIMEOUT.toNanos();
        private boolean tcpNoDelay = true;
        private boolean keepAlive = true;
        private int sendBufferSize;
        private int receiveBufferSize;
        private int backlog = DEFAULT_BACKLOG;
        private long proxyHeaderTimeoutNs = DEFAULT_PROXY_HEADER_TIMEOUT.toNanos();
        private long acceptBackoffNs = DEFAULT_ACCEPT_BACKOFF.toNanos();
        private boolean expireNodestConn;
        private boolean expireQuiescentConn;
        private boolean expireQuiescentTemplate;
        private int maxUdpFlows = 1 << 20;
        private long relayBufferBudget;
        private boolean reusePortShare;

        private Builder() {
        }

        private static int range(final String name, final int v, final int min, final int max) {
            if (v < min || v > max) {
                throw new IllegalArgumentException(name + ": " + v + " (expected: " + min + ".." + max + ")");
            }
            return v;
        }

        private static long positive(final String name, final Duration d) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
            }
            return d.toNanos();
        }

        /**
         * Event loops (threads); default: available processors.
         *
         * @param n 1..256
         * @return this
         */
        public Builder eventLoops(final int n) {
            this.eventLoops = range("eventLoops", n, 1, 256);
            return this;
        }

        /**
         * Largest relay buffer (and largest UDP datagram); default {@value DirectorOptions#DEFAULT_BUFFER_SIZE}.
         *
         * @param bytes 1 KiB..16 MiB
         * @return this
         */
        public Builder bufferSize(final int bytes) {
            this.bufferSize = range("bufferSize", bytes, 1024, 16 << 20);
            return this;
        }

        /**
         * Idle buffers each loop keeps for reuse; default 1024.
         *
         * @param n 0..1,000,000
         * @return this
         */
        public Builder maxPooledBuffers(final int n) {
            this.maxPooledBuffers = range("maxPooledBuffers", n, 0, 1_000_000);
            return this;
        }

        /**
         * Connect timeout to a real server; default 5 s.
         *
         * @param d the timeout
         * @return this
         */
        public Builder connectTimeout(final Duration d) {
            this.connectTimeoutNs = positive("connectTimeout", d);
            return this;
        }

        /**
         * Other servers tried after a failed connect; default 2.
         *
         * @param n 0..16
         * @return this
         */
        public Builder connectRetries(final int n) {
            this.connectRetries = range("connectRetries", n, 0, 16);
            return this;
        }

        /**
         * How long {@code close()} lets connections finish; default 10 s.
         *
         * @param d the time
         * @return this
         */
        public Builder drainTimeout(final Duration d) {
            this.drainTimeoutNs = positive("drainTimeout", d);
            return this;
        }

        /**
         * TCP_NODELAY on client and server sockets; default on.
         *
         * @param on the setting
         * @return this
         */
        public Builder tcpNoDelay(final boolean on) {
            this.tcpNoDelay = on;
            return this;
        }

        /**
         * SO_KEEPALIVE on client and server sockets; default on.
         *
         * @param on the setting
         * @return this
         */
        public Builder keepAlive(final boolean on) {
            this.keepAlive = on;
            return this;
        }

        /**
         * SO_SNDBUF; 0 (default) leaves the OS's.
         *
         * @param bytes 0..256 MiB
         * @return this
         */
        public Builder sendBufferSize(final int bytes) {
            this.sendBufferSize = range("sendBufferSize", bytes, 0, 256 << 20);
            return this;
        }

        /**
         * SO_RCVBUF; 0 (default) leaves the OS's.
         *
         * @param bytes 0..256 MiB
         * @return this
         */
        public Builder receiveBufferSize(final int bytes) {
            this.receiveBufferSize = range("receiveBufferSize", bytes, 0, 256 << 20);
            return this;
        }

        /**
         * Listen backlog; default {@value DirectorOptions#DEFAULT_BACKLOG}.
         *
         * @param n 1..65535
         * @return this
         */
        public Builder backlog(final int n) {
            this.backlog = range("backlog", n, 1, 65535);
            return this;
        }

        /**
         * How long a client may take to send its PROXY header; default 3 s.
         *
         * @param d the timeout
         * @return this
         */
        public Builder proxyHeaderTimeout(final Duration d) {
            this.proxyHeaderTimeoutNs = positive("proxyHeaderTimeout", d);
            return this;
        }

        /**
         * Pause of accepting after EMFILE/ENFILE; default 100 ms.
         *
         * @param d the pause
         * @return this
         */
        public Builder acceptBackoff(final Duration d) {
            this.acceptBackoffNs = positive("acceptBackoff", d);
            return this;
        }

        /**
         * IPVS's {@code expire_nodest_conn}: close connections of removed servers; default off (they finish).
         *
         * @param on the setting
         * @return this
         */
        public Builder expireNodestConn(final boolean on) {
            this.expireNodestConn = on;
            return this;
        }

        /**
         * Also close connections of servers quiesced to weight 0; default off.
         *
         * @param on the setting
         * @return this
         */
        public Builder expireQuiescentConn(final boolean on) {
            this.expireQuiescentConn = on;
            return this;
        }

        /**
         * IPVS's {@code expire_quiescent_template}; default off.
         *
         * @param on the setting
         * @return this
         */
        public Builder expireQuiescentTemplate(final boolean on) {
            this.expireQuiescentTemplate = on;
            return this;
        }

        /**
         * The most UDP flows per event loop; default 1,048,576.
         *
         * @param n 1..100,000,000
         * @return this
         */
        public Builder maxUdpFlows(final int n) {
            this.maxUdpFlows = range("maxUdpFlows", n, 1, 100_000_000);
            return this;
        }

        /**
         * The relay's direct-memory budget over every event loop; 0 (default) for half of the JVM's direct-memory
         * limit. Should hold at least a few large buffers ({@link #bufferSize}) per loop.
         *
         * @param bytes 0, or 64 KiB..1 TiB
         * @return this
         */
        public Builder relayBufferBudget(final long bytes) {
            if (bytes != 0 && (bytes < 64 * 1024 || bytes > 1L << 40)) {
                throw new IllegalArgumentException("relayBufferBudget: " + bytes
                    + " (expected: 0 for the default, or 65536..1099511627776 bytes)");
            }
            this.relayBufferBudget = bytes;
            return this;
        }

        /**
         * Lets listeners join a VIP:port another listener holds with {@code SO_REUSEPORT} (directors sharing a port
         * on purpose); default off: a port already listened on makes the service fail to open.
         *
         * @param on the setting
         * @return this
         */
        public Builder reusePortShare(final boolean on) {
            this.reusePortShare = on;
            return this;
        }

        /**
         * Builds.
         *
         * @return the options
         */
        public DirectorOptions build() {
            return new DirectorOptions(this);
        }
    }
}
