package io.jlvs.examples;

import io.jlvs.core.config.Extensions;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;

/**
 * How the admin socket listens and what it allows: the address (a Unix domain socket, or TCP), the level, the token
 * that opens each connection, the folder that file-valued options must point into, and the limits per connection.
 *
 * <p>Immutable (the token is copied in and out).
 */
public final class AdminOptions {
    /** Longest admin line: {@value} bytes. */
    public static final int MAX_LINE_BYTES = 64 * 1024;
    /** Default number of admin connections open at once: {@value}. */
    public static final int DEFAULT_MAX_CONNECTIONS = 8;
    /** Default idle time after which an admin connection is closed: 300 s. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);
    /** Default mode of the Unix domain socket file: {@code rw-------}. */
    public static final String DEFAULT_UNIX_MODE = "rw-------";
    /** Shortest token accepted: {@value} characters. */
    public static final int MIN_TOKEN_LENGTH = 16;

    private final SocketAddress address;
    private final AdminLevel level;
    private final byte[] token;
    private final Path filesDir;
    private final Duration idleTimeout;
    private final int maxConnections;
    private final Set<PosixFilePermission> unixMode;

    private AdminOptions(final Builder b) {
        this.address = b.address;
        this.level = b.level != null ? b.level : defaultLevel(b.address);
        this.token = b.token == null ? null : b.token.clone();
        this.filesDir = b.filesDir;
        this.idleTimeout = b.idleTimeout;
        this.maxConnections = b.maxConnections;
        this.unixMode = Set.copyOf(b.unixMode);
    }

    /**
     * The level when none is given: {@link AdminLevel#ADMIN} on a Unix domain socket (its file mode, 0600 by default,
     * already limits it to the director's user, as ipvsadm needs root), {@link AdminLevel#READ} on TCP (any local
     * user, or anyone who has the token, can connect to a TCP port, so changing anything has to be asked for).
     *
     * @param address the admin address
     * @return the level
     */
    public static AdminLevel defaultLevel(final SocketAddress address) {
        return address instanceof UnixDomainSocketAddress ? AdminLevel.ADMIN : AdminLevel.READ;
    }

    /**
     * Parses an admin address: {@code unix:PATH} or a numeric {@code HOST:PORT} ({@code [IPv6]:PORT}; port 0 picks a
     * free one).
     *
     * @param s the text
     * @return the address
     * @throws IllegalArgumentException naming the value and what is expected
     */
    public static SocketAddress parseAddress(final String s) {
        if (s.startsWith("unix:")) {
            final String p = s.substring("unix:".length());
            if (p.isEmpty()) {
                throw new IllegalArgumentException("--admin " + s + ": expected unix:PATH, such as "
                    + "unix:/run/jlvs/admin.sock");
            }
            return UnixDomainSocketAddress.of(p);
        }
        final InetSocketAddress a = Extensions.endpoint(s, true);
        if (a == null) {
            throw new IllegalArgumentException("--admin " + s + ": expected unix:PATH or a numeric HOST:PORT such as "
                + "127.0.0.1:9900");
        }
        return a;
    }

    /**
     * Reads a token file: its first line, without surrounding white space.
     *
     * @param file the file
     * @return the token's bytes (UTF-8)
     * @throws IllegalArgumentException if the file cannot be read or the token is shorter than
     *     {@value #MIN_TOKEN_LENGTH} characters
     */
    public static byte[] readToken(final Path file) {
        final String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (final IOException e) {
            throw new IllegalArgumentException("--admin-token-file " + file + ": cannot read it (" + e + ")", e);
        }
        final int nl = text.indexOf('\n');
        final String t = (nl < 0 ? text : text.substring(0, nl)).strip();
        if (t.length() < MIN_TOKEN_LENGTH) {
            throw new IllegalArgumentException("--admin-token-file " + file + ": the token (its first line) has "
                + t.length() + " characters (expected: at least " + MIN_TOKEN_LENGTH + ")");
        }
        return t.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Starts a builder.
     *
     * @param address where to listen: a {@link UnixDomainSocketAddress} or an {@link InetSocketAddress}
     * @return a builder
     */
    public static Builder builder(final SocketAddress address) {
        return new Builder(address);
    }

    /** {@return where the socket listens} */
    public SocketAddress address() {
        return address;
    }

    /** {@return what clients may do} */
    public AdminLevel level() {
        return level;
    }

    /** {@return a copy of the token that must open each connection, or null for none} */
    public byte[] token() {
        return token == null ? null : token.clone();
    }

    /** {@return the folder (real path) that file-valued options must point into, or null to refuse them all} */
    public Path filesDir() {
        return filesDir;
    }

    /** {@return how long a connection may stay idle} */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** {@return how many connections may be open at once} */
    public int maxConnections() {
        return maxConnections;
    }

    /** {@return the mode of the Unix domain socket file} */
    public Set<PosixFilePermission> unixMode() {
        return unixMode;
    }

    @Override
    public String toString() {
        return "admin " + describe(address) + " level " + level.label() + (token != null ? ", token" : "")
            + (filesDir != null ? ", files under " + filesDir : "");
    }

    /**
     * How an admin address is written on the command line.
     *
     * @param a the address
     * @return {@code unix:PATH} or {@code HOST:PORT}
     */
    static String describe(final SocketAddress a) {
        if (a instanceof UnixDomainSocketAddress) {
            return "unix:" + ((UnixDomainSocketAddress) a).getPath();
        }
        final InetSocketAddress i = (InetSocketAddress) a;
        final String h = i.getAddress().getHostAddress();
        return (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + i.getPort();
    }

    /**
     * Builds {@link AdminOptions}.
     *
     * <p>Not thread-safe.
     */
    public static final class Builder {
        private final SocketAddress address;
        private AdminLevel level;
        private byte[] token;
        private Path filesDir;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private Set<PosixFilePermission> unixMode = PosixFilePermissions.fromString(DEFAULT_UNIX_MODE);

        private Builder(final SocketAddress address) {
            if (!(address instanceof UnixDomainSocketAddress) && !(address instanceof InetSocketAddress)) {
                throw new IllegalArgumentException("admin address: " + address + " (expected: unix:PATH or "
                    + "HOST:PORT)");
            }
            if (address instanceof InetSocketAddress && ((InetSocketAddress) address).isUnresolved()) {
                throw new IllegalArgumentException("admin address: " + address + " (expected: a numeric address)");
            }
            this.address = address;
        }

        /**
         * What clients may do (default: {@link AdminOptions#defaultLevel}).
         *
         * @param l the level
         * @return this
         */
        public Builder level(final AdminLevel l) {
            this.level = l;
            return this;
        }

        /**
         * A token that must be the first line of each connection (needed for TCP on a non-loopback address).
         *
         * @param t the token's bytes, at least {@value AdminOptions#MIN_TOKEN_LENGTH}
         * @return this
         */
        public Builder token(final byte[] t) {
            if (t != null && t.length < MIN_TOKEN_LENGTH) {
                throw new IllegalArgumentException("admin token: " + t.length + " bytes (expected: at least "
                    + MIN_TOKEN_LENGTH + ")");
            }
            this.token = t == null ? null : Arrays.copyOf(t, t.length);
            return this;
        }

        /**
         * Allows file-valued options ({@code --sorry-file}) that point into this folder, symbolic links resolved.
         *
         * @param dir an existing folder, or null to refuse every file
         * @return this
         */
        public Builder filesDir(final Path dir) {
            if (dir == null) {
                this.filesDir = null;
                return this;
            }
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException("--admin-files " + dir + ": not a folder");
            }
            try {
                this.filesDir = dir.toRealPath();
            } catch (final IOException e) {
                throw new IllegalArgumentException("--admin-files " + dir + ": " + e, e);
            }
            return this;
        }

        /**
         * How long a connection may stay idle before it is closed.
         *
         * @param d at least 1 ms
         * @return this
         */
        public Builder idleTimeout(final Duration d) {
            if (d == null || d.toMillis() < 1) {
                throw new IllegalArgumentException("admin idle timeout: " + d + " (expected: at least 1 ms)");
            }
            this.idleTimeout = d;
            return this;
        }

        /**
         * How many connections may be open at once; one more is answered with an error and closed.
         *
         * @param n 1..1024
         * @return this
         */
        public Builder maxConnections(final int n) {
            if (n < 1 || n > 1024) {
                throw new IllegalArgumentException("admin max connections: " + n + " (expected: 1..1024)");
            }
            this.maxConnections = n;
            return this;
        }

        /**
         * The mode of the Unix domain socket file.
         *
         * @param mode for example {@code rw-rw----}
         * @return this
         */
        public Builder unixMode(final Set<PosixFilePermission> mode) {
            this.unixMode = Set.copyOf(mode);
            return this;
        }

        /**
         * Checks the options and builds them.
         *
         * @return the options
         * @throws IllegalArgumentException for a TCP address that is not loopback and has no token
         */
        public AdminOptions build() {
            if (address instanceof InetSocketAddress && token == null) {
                final InetSocketAddress i = (InetSocketAddress) address;
                if (!i.getAddress().isLoopbackAddress()) {
                    throw new IllegalArgumentException("--admin " + describe(address) + ": a TCP admin socket on a "
                        + "non-loopback address needs --admin-token-file (or use unix:PATH or 127.0.0.1)");
                }
            }
            return new AdminOptions(this);
        }
    }
}
