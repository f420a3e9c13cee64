package io.jlvs.examples;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The operator's runtime socket: each line a client sends is an ipvsadm command, answered with what ipvsadm would
 * print (or an error line). It listens on a Unix domain socket ({@code socat - UNIX-CONNECT:/run/jlvs/admin.sock})
 * or on TCP ({@code nc -N 127.0.0.1 9900}); what it allows depends on {@link AdminOptions#level()}.
 *
 * <p>Limits: lines of at most {@value AdminOptions#MAX_LINE_BYTES} bytes (a longer one is answered with an error
 * that quotes its first 80 characters, and the connection closed); at most {@link AdminOptions#maxConnections()}
 * connections at once (one more is told so and closed); a connection idle for {@link AdminOptions#idleTimeout()}
 * is closed. When accepting fails (out of file descriptors, for example) the acceptor logs it once, backs off
 * (10 ms doubling to 1 s) and tries again; it stops only when the server is closed.
 *
 * <p>Thread-safe. Threads: {@code jlvs-admin-accept} owns the server channel's accept loop and the back-off state
 * (local variables); each connection is served by one {@code jlvs-admin} thread that owns its read buffer and line
 * state; {@code jlvs-admin-idle} reads each connection's {@code lastActiveNs} (volatile, written by its session
 * thread) and closes idle ones; {@link #sessions} and {@link #open} are concurrent; {@link #closed} is volatile.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
    /** Characters of an offending line that an error quotes. */
    static final int QUOTE_CHARS = 80;
    /** Longest rules text one {@code -R} may send (characters). */
    static final int MAX_RESTORE_CHARS = 16 << 20;
    private static final long MAX_BACKOFF_MS = 1000;

    private final AdminOptions options;
    private final ServerSocketChannel server;
    private final SocketAddress bound;
    private final AdminCommands commands;
    private final ExecutorService sessions;
    private final ScheduledExecutorService idle;
    private final Set<Session> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger active = new AtomicInteger();
    private final Thread acceptor;
    private final byte[] tokenDigest;
    private volatile boolean closed;

    /**
     * Opens a loopback TCP admin socket at the level of its commands.
     *
     * @param address where to listen (loopback)
     * @param commands what to run (file-valued options are refused unless they were built with a folder)
     * @throws IOException if the address cannot be bound
     */
    public AdminServer(final InetSocketAddress address, final AdminCommands commands) throws IOException {
        this(AdminOptions.builder(address).level(commands.level()).build(), commands);
    }

    /**
     * Opens the socket. A Unix domain socket's file is created with {@link AdminOptions#unixMode()} (connections
     * made before the mode was set are closed unserved); a stale socket file that nothing listens on is replaced,
     * anything else at that path is an error.
     *
     * @param options where to listen and what to allow
     * @param commands what to run, at the options' level (built with the same options)
     * @throws IOException if the address cannot be bound
     * @throws IllegalArgumentException if the commands run at another level than the options say
     */
    public AdminServer(final AdminOptions options, final AdminCommands commands) throws IOException {
        if (commands.level() != options.level()) {
            throw new IllegalArgumentException("admin commands at level " + commands.level().label()
                + " for an admin socket at level " + options.level().label());
        }
        this.options = options;
        this.commands = commands;
        this.tokenDigest = options.token() == null ? null : sha256(options.token());
        final SocketAddress a = options.address();
        if (a instanceof UnixDomainSocketAddress) {
            final Path p = ((UnixDomainSocketAddress) a).getPath();
            removeStaleSocket(p);
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                server.bind(a, 16);
                Files.setPosixFilePermissions(p, options.unixMode());
                dropEarlyConnections(server);
            } catch (final IOException e) {
                server.close();
                throw e;
            }
        } else {
            final InetSocketAddress i = (InetSocketAddress) a;
            server = ServerSocketChannel.open(i.getAddress() instanceof java.net.Inet6Address
                ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
            try {
                server.setOption(java.net.StandardSocketOptions.SO_REUSEADDR, true);
                server.bind(a, 16);
            } catch (final IOException e) {
                server.close();
                throw e;
            }
        }
        this.bound = server.getLocalAddress();
        commands.reserve(bound);
        final int max = options.maxConnections();
        this.sessions = Executors.newFixedThreadPool(max, r -> {
            final Thread t = new Thread(r, "jlvs-admin");
            t.setDaemon(true);
            return t;
        });
        this.idle = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread t = new Thread(r, "jlvs-admin-idle");
            t.setDaemon(true);
            return t;
        });
        final long period = Math.max(10, Math.min(1000, options.idleTimeout().toMillis() / 4));
        idle.scheduleWithFixedDelay(this::closeIdle, period, period, TimeUnit.MILLISECONDS);
        this.acceptor = new Thread(this::acceptLoop, "jlvs-admin-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * Closes connections made between bind and chmod: the socket file had the process umask's mode then, which may
     * have let other users connect. Java cannot set the umask, so they are dropped before anything is served.
     */
    private static void dropEarlyConnections(final ServerSocketChannel server) throws IOException {
        server.configureBlocking(false);
        for (SocketChannel early = server.accept(); early != null; early = server.accept()) {
            early.close();
        }
        server.configureBlocking(true);
    }

    private static void removeStaleSocket(final Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            final Path dir = p.toAbsolutePath().getParent();
            if (dir != null && !Files.isDirectory(dir)) {
                throw new IOException("folder " + dir + " does not exist");
            }
            return;
        }
        final Object mode = Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        final int socketType = 0140000;
        if (!(mode instanceof Integer) || ((Integer) mode & 0170000) != socketType) {
            throw new IOException(p + " exists and is not a socket");
        }
        boolean live;
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(p))) {
            live = probe.isConnected();
        } catch (final IOException e) {
            live = false;
        }
        if (live) {
            throw new IOException(p + ": another process listens on it");
        }
        Files.deleteIfExists(p); // nothing listens: a socket left by a process that did not close it
    }

    /**
     * The bound address.
     *
     * @return the TCP address, or null for a Unix domain socket
     */
    public InetSocketAddress address() {
        return bound instanceof InetSocketAddress ? (InetSocketAddress) bound : null;
    }

    /**
     * The bound address, TCP or Unix domain.
     *
     * @return the address
     */
    public SocketAddress socketAddress() {
        return options.address() instanceof UnixDomainSocketAddress ? options.address() : bound;
    }

    /**
     * How many connections are being served now.
     *
     * @return the count
     */
    public int activeConnections() {
        return active.get();
    }

    private void acceptLoop() {
        long backoffMs = 0;
        long failures = 0;
        while (!closed) {
            final SocketChannel ch;
            try {
                ch = server.accept();
            } catch (final ClosedChannelException e) {
                return;
            } catch (final IOException | RuntimeException e) {
                if (closed) {
                    return;
                }
                failures++;
                backoffMs = backoffMs == 0 ? 10 : Math.min(MAX_BACKOFF_MS, backoffMs * 2);
                if (failures == 1) {
                    LOG.warn("admin socket {}: cannot accept ({}); retrying with back-off up to {} ms",
                        AdminOptions.describe(socketAddress()), e.toString(), MAX_BACKOFF_MS);
                }
                try {
                    Thread.sleep(backoffMs);
                } catch (final InterruptedException ie) {
                    if (closed) {
                        return;
                    }
                }
                continue;
            }
            if (failures > 0) {
                LOG.warn("admin socket {}: accepting again after {} failed attempt(s)",
                    AdminOptions.describe(socketAddress()), failures);
                failures = 0;
                backoffMs = 0;
            }
            hand(ch);
        }
    }

    private void hand(final SocketChannel ch) {
        if (active.incrementAndGet() > options.maxConnections()) {
            active.decrementAndGet();
            refuse(ch, "error: too many admin connections (at most " + options.maxConnections() + " at once); "
                + "try again later\n");
            return;
        }
        final Session s = new Session(ch);
        open.add(s);
        try {
            sessions.execute(() -> s.run());
        } catch (final RuntimeException | Error e) {
            s.end();
            LOG.warn("admin socket: cannot serve a connection ({})", e.toString());
        }
    }

    private static void refuse(final SocketChannel ch, final String message) {
        try (ch) {
            ch.configureBlocking(false);
            ch.write(ByteBuffer.wrap(message.getBytes(StandardCharsets.UTF_8)));
            ch.shutdownOutput();
        } catch (final IOException ignored) {
            // the client left
        }
    }

    private void closeIdle() {
        final long now = System.nanoTime();
        final long limit = options.idleTimeout().toNanos();
        for (final Session s : open) {
            if (now - s.lastActiveNs > limit) {
                LOG.debug("admin connection idle for {}, closing", options.idleTimeout());
                s.end();
            }
        }
    }

    private static byte[] sha256(final byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /** Quotes the start of an offending line. */
    static String quote(final String line) {
        if (line.length() <= QUOTE_CHARS) {
            return "'" + line + "'";
        }
        return "'" + line.substring(0, QUOTE_CHARS) + "...' (" + line.length() + " characters)";
    }

    /** One connection; its fields belong to its session thread except {@link #lastActiveNs} (volatile). */
    private final class Session {
        private final SocketChannel ch;
        private volatile long lastActiveNs = System.nanoTime();
        private final AtomicInteger ended = new AtomicInteger();

        Session(final SocketChannel ch) {
            this.ch = ch;
        }

        void run() {
            try {
                serve();
            } catch (final IOException e) {
                LOG.debug("admin session ended", e);
            } catch (final RuntimeException e) {
                LOG.warn("admin session failed", e);
            } finally {
                end();
            }
        }

        void end() {
            if (ended.getAndIncrement() != 0) {
                return;
            }
            open.remove(this);
            active.decrementAndGet();
            try {
                ch.close();
            } catch (final IOException ignored) {
                // closing
            }
        }

        private void serve() throws IOException {
            final int max = AdminOptions.MAX_LINE_BYTES;
            final byte[] line = new byte[max];
            final ByteBuffer buf = ByteBuffer.allocate(8192);
            int len = 0;
            int n = 0;
            boolean authenticated = tokenDigest == null;
            StringBuilder restore = null; // the rules after -R, until a line "." or the end of the input
            int restoreLine = 0;
            while (!closed) {
                buf.clear();
                final int r = ch.read(buf);
                if (r < 0) {
                    break;
                }
                lastActiveNs = System.nanoTime();
                buf.flip();
                while (buf.hasRemaining()) {
                    final byte b = buf.get();
                    if (b != '\n') {
                        if (len == max) {
                            n++;
                            write("error: line " + n + ": longer than " + max + " bytes: "
                                + quote(text(line, len)) + "; closing\n");
                            finish(buf);
                            return;
                        }
                        line[len++] = b;
                        continue;
                    }
                    n++;
                    final String text = text(line, len);
                    len = 0;
                    if (!authenticated) {
                        if (!MessageDigest.isEqual(tokenDigest, sha256(text.strip().getBytes(
                            StandardCharsets.UTF_8)))) {
                            write("error: the first line must be the admin token; closing\n");
                            finish(buf);
                            return;
                        }
                        authenticated = true;
                        continue;
                    }
                    if (restore != null) {
                        if (text.strip().equals(".")) {
                            write(commands.restore(restore.toString(), restoreLine));
                            restore = null;
                        } else if (restore.length() + text.length() >= MAX_RESTORE_CHARS) {
                            write("error: line " + restoreLine + ": -R: the rules are longer than "
                                + MAX_RESTORE_CHARS + " characters; nothing changed; closing\n");
                            finish(buf);
                            return;
                        } else {
                            restore.append(text).append('\n');
                        }
                    } else if (AdminCommands.isRestore(text)) {
                        restore = new StringBuilder();
                        restoreLine = n;
                    } else {
                        write(commands.execute(text, n));
                    }
                    lastActiveNs = System.nanoTime();
                }
            }
            if (restore != null) {
                // the end of the input ends -R's rules, as ipvsadm -R reads standard input to its end
                if (len > 0 && !text(line, len).strip().equals(".")) {
                    restore.append(text(line, len)).append('\n');
                }
                write(commands.restore(restore.toString(), restoreLine));
            } else if (len > 0 && authenticated) {
                // a last line without a newline, as BufferedReader.readLine would return it
                write(commands.execute(text(line, len), n + 1));
            }
        }

        /**
         * Ends a connection the server gives up on: the answer is sent with a FIN, and what the client still sends
         * (at most 1 MiB, within the idle timeout) is read and dropped, so that closing does not reset the
         * connection and lose the answer.
         */
        private void finish(final ByteBuffer buf) throws IOException {
            ch.shutdownOutput();
            long dropped = 0;
            while (dropped < (1 << 20)) {
                buf.clear();
                final int r = ch.read(buf);
                if (r < 0) {
                    return;
                }
                dropped += r;
            }
        }

        private String text(final byte[] b, final int len) {
            final int end = len > 0 && b[len - 1] == '\r' ? len - 1 : len;
            return new String(b, 0, end, StandardCharsets.UTF_8);
        }

        private void write(final String s) throws IOException {
            if (s.isEmpty()) {
                return;
            }
            final ByteBuffer out = ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                ch.write(out);
            }
        }
    }

    /**
     * Stops accepting, closes every connection and, for a Unix domain socket, removes its file.
     *
     * @throws IOException if closing the server socket fails
     */
    @Override
    public void close() throws IOException {
        closed = true;
        try {
            server.close();
        } finally {
            acceptor.interrupt();
            for (final Session s : open) {
                s.end();
            }
            sessions.shutdownNow();
            idle.shutdownNow();
            if (options.address() instanceof UnixDomainSocketAddress) {
                Files.deleteIfExists(((UnixDomainSocketAddress) options.address()).getPath());
            }
        }
    }
}
