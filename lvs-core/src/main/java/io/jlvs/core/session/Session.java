package io.jlvs.core.session;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.config.Extensions;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.conn.Connection;
import io.jlvs.core.conn.SocketEvent;
import io.jlvs.core.service.RealServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

/**
 * What one proxied TCP connection decides, whatever transport carries its bytes: whether to read a PROXY header
 * first (trusted networks only) and what it says, where the connection goes (persistence, then the scheduler, through
 * the loop's {@link io.jlvs.core.conn.ConnectionTable}), what a failed connect leads to (another server that has not
 * failed this connection, bounded by {@code connectRetries}, then the sorry answer), the PROXY preamble to send to
 * the server, the sorry answer (sorry server, sorry file, or a reset), the connection-table events and statistics.
 *
 * <p>The transport owns sockets, readiness, timers and bytes. It tells the session what happened ({@link #start},
 * {@link #parseHeader}, {@link #connected}, {@link #connectFailed}, bytes relayed, ends and resets) and the session
 * asks it to act through {@link Io}: connect to an address, send a file, close. Calls into {@link Io} may come back
 * into the session at once (a connect that fails immediately reports {@link #connectFailed} from inside
 * {@link Io#connect}); the session is written for that.
 *
 * <p>The session is the connection-table entry's attachment while it holds sockets; the table's expiry listener
 * calls {@link #expired()}.
 *
 * <p>Not thread-safe; confined to the event loop of its context.
 */
public final class Session {
    /** What a session asks its transport to do. */
    public interface Io {
        /**
         * Starts a connect to a real server or the sorry server; the transport reports {@link #connected} or
         * {@link #connectFailed} (also from inside this call).
         *
         * @param to where to connect
         */
        void connect(InetSocketAddress to);

        /**
         * Sends a file to the client (the sorry file), then ends the client's stream and lets it close.
         *
         * @param file the open file, which the transport closes
         */
        void sendFile(FileChannel file);

        /**
         * Closes both sockets.
         *
         * @param reset true to reset (SO_LINGER 0), false for an orderly close
         */
        void close(boolean reset);
    }

    /** What {@link #parseHeader} found. */
    public enum HeaderStatus {
        /** Not complete yet: read more. */
        MORE,
        /** Complete: call {@link #schedule}. */
        DONE,
        /** Malformed or too long: the session closed the connection. */
        FAILED
    }

    private final SessionContext ctx;
    private final ForwardedService svc;
    private final Io io;
    private InetSocketAddress source;
    private InetSocketAddress local;
    private Connection conn;
    private RealServer server;
    private ByteBuffer headerIn;
    private ByteBuffer leftover;
    private boolean sorry;
    private int attempts;
    private RealServer[] failed;
    private long connectStart;

    /**
     * Makes a session for an accepted connection.
     *
     * @param ctx the loop's context
     * @param svc the service it was accepted for
     * @param io the transport's side
     */
    public Session(final SessionContext ctx, final ForwardedService svc, final Io io) {
        this.ctx = ctx;
        this.svc = svc;
        this.io = io;
    }

    /**
     * The connection was accepted: either a PROXY header must be read first (a trusted client: read into
     * {@link #headerBuffer()} and call {@link #parseHeader}, with a timeout), or the session schedules at once.
     *
     * @param client the client's address
     * @param virtual the address the client connected to
     * @param now the current time
     * @return true if a PROXY header must be read first
     */
    public boolean start(final InetSocketAddress client, final InetSocketAddress virtual, final long now) {
        this.source = client;
        this.local = virtual;
        if (trusted(svc.service.config())) {
            headerIn = ByteBuffer.allocate(ProxyProtocol.V2_MAX);
            return true;
        }
        schedule(now);
        return false;
    }

    private boolean trusted(final VirtualServiceConfig cfg) {
        for (final Extensions.Network n : Extensions.acceptProxy(cfg)) {
            if (n.contains(source.getAddress())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Where the transport reads the PROXY header's bytes (heap, at most {@link ProxyProtocol#V2_MAX} bytes).
     *
     * @return the buffer, or null when no header is awaited
     */
    public ByteBuffer headerBuffer() {
        return headerIn;
    }

    /**
     * Parses what {@link #headerBuffer()} holds. On {@link HeaderStatus#DONE} the client is the header's source and
     * bytes after the header wait for the server; call {@link #schedule} next. On {@link HeaderStatus#FAILED} the
     * error is counted and logged and the connection closed (reset).
     *
     * @param now the current time
     * @return what was found
     */
    public HeaderStatus parseHeader(final long now) {
        final ByteBuffer view = headerIn.duplicate();
        view.flip();
        final ProxyProtocol.Header h = ProxyProtocol.parse(view);
        if (h.error() != null || !h.complete() && !headerIn.hasRemaining()) {
            ctx.counters.proxyHeaderErrors.incrementAndGet();
            svc.proxyHeaderLog.warn(now, "from " + source + " on " + svc.service.key() + ": "
                + (h.error() != null ? h.error() : "too long"));
            io.close(true);
            return HeaderStatus.FAILED;
        }
        if (!h.complete()) {
            return HeaderStatus.MORE;
        }
        if (h.source() != null) {
            source = h.source();
        }
        view.position(h.length());
        if (view.hasRemaining()) {
            leftover = ByteBuffer.allocate(view.remaining());
            leftover.put(view).flip();
        }
        headerIn = null;
        return HeaderStatus.DONE;
    }

    /**
     * No complete PROXY header arrived in time: counted, logged, closed (reset).
     *
     * @param now the current time
     */
    public void headerTimedOut(final long now) {
        ctx.counters.proxyHeaderTimeouts.incrementAndGet();
        svc.proxyHeaderLog.warn(now, "from " + source + " on " + svc.service.key() + ": no header within "
            + TimeUnit.NANOSECONDS.toMillis(ctx.options.proxyHeaderTimeoutNs()) + " ms");
        io.close(true);
    }

    private void setFlow() {
        ctx.flow.set(Protocol.TCP, source.getAddress(), source.getPort(), local.getAddress(), local.getPort());
    }

    /**
     * Places the connection (persistence, then the scheduler) and connects, or answers with the sorry server, the
     * sorry file or a reset; a connection whose key a live one holds is refused (reset) and counted.
     *
     * @param now the current time
     */
    public void schedule(final long now) {
        if (svc.service.inSorryMode()) {
            sorry(now);
            return;
        }
        setFlow();
        conn = ctx.table.open(svc.service, ctx.flow, Protocol.TCP, source.getAddress(), source.getPort(),
            local.getAddress(), local.getPort(), now);
        if (conn == null && ctx.table.lastOpenRefusedDuplicate()) {
            // a trusted PROXY header named the client of a live connection: that one keeps going, this one is reset
            ctx.counters.duplicateConnections.incrementAndGet();
            svc.duplicateLog.warn(now, "TCP " + source + " -> " + svc.service.key().addressAndPort()
                + " is a live connection already (repeated by a PROXY header): the new connection was reset");
            io.close(true);
            return;
        }
        if (conn == null) {
            ctx.counters.noDestination.incrementAndGet();
            svc.noDestinationLog.warn(now, svc.service.config().scheduler() + ": TCP "
                + svc.service.key().addressAndPort() + " - no destination available");
            sorry(now);
            return;
        }
        conn.attachment(this);
        ctx.table.event(conn, SocketEvent.ACCEPTED, now);
        server = conn.server();
        connect(server.socketAddress(), now);
    }

    private void connect(final InetSocketAddress to, final long now) {
        connectStart = now;
        if (conn != null) {
            ctx.table.event(conn, SocketEvent.CONNECTING, now);
        }
        io.connect(to);
    }

    /**
     * The connect succeeded. Returns what to send to the server before the client's bytes: the PROXY header the
     * server's configuration asks for, then bytes the client sent behind its own PROXY header.
     *
     * @param now the current time
     * @return the preamble (a heap buffer, not pooled), or null
     */
    public ByteBuffer connected(final long now) {
        ByteBuffer preamble = leftover;
        leftover = null;
        if (conn != null) {
            ctx.table.event(conn, SocketEvent.CONNECTED, now);
            server.connectSucceeded();
            server.connectLatency().record(now - connectStart);
            svc.service.scheduler().observeLatency(server, now - connectStart);
            if (preamble != null) { // client bytes read with its PROXY header, before there was a connection
                ctx.table.countIn(conn, preamble.remaining(), now);
            }
            final int version = Extensions.proxyProtocol(svc.service.config(), server.config());
            if (version != 0) {
                final byte[] h = version == 1 ? ProxyProtocol.v1(source, local) : ProxyProtocol.v2(source, local,
                    true);
                final ByteBuffer p = ByteBuffer.allocate(h.length + (preamble == null ? 0 : preamble.remaining()));
                p.put(h);
                if (preamble != null) {
                    p.put(preamble);
                }
                p.flip();
                preamble = p;
            }
        }
        return preamble;
    }

    /** Why an idle timer closed a connection (the options of the same names, in milliseconds). */
    public enum IdleTimeout {
        /** {@code --timeout-client}: nothing read from or written to the client. */
        CLIENT("timeout_client"),
        /** {@code --timeout-server}: nothing read from or written to the real server. */
        SERVER("timeout_server"),
        /** {@code --timeout-tunnel}: nothing on either side once connected. */
        TUNNEL("timeout_tunnel"),
        /** {@code --timeout-first-byte}: the real server never answered. */
        FIRST_BYTE("timeout_first_byte");

        private final String counter;

        IdleTimeout(final String counter) {
            this.counter = counter;
        }

        /**
         * The name of its counter.
         *
         * @return for example {@code timeout_client}
         */
        public String counter() {
            return counter;
        }
    }

    /**
     * An idle timer expired: counted by reason; the entry sees both sides end (FIN each way) so it passes through
     * IPVS's closing states and stays listed until their timeouts; the transport then closes both sockets with a
     * FIN.
     *
     * @param which the timer
     * @param now the current time
     */
    public void idleTimedOut(final IdleTimeout which, final long now) {
        ctx.counters.idleTimeouts[which.ordinal()].incrementAndGet();
        if (conn != null) {
            ctx.table.event(conn, SocketEvent.SERVER_FIN, now);
            ctx.table.event(conn, SocketEvent.CLIENT_FIN, now);
        }
    }

    /**
     * The real server being connected to or relayed to, or null (before scheduling, and for the sorry server).
     * A transport reads its configuration on the connect path, for example its source-address pool.
     *
     * @return the server, or null
     */
    public RealServer target() {
        return sorry ? null : server;
    }

    /**
     * The connect could not start for a local reason: no local address and port were free (the ephemeral port
     * range of every source address is in use: {@code EADDRNOTAVAIL} on connect, {@code EADDRINUSE} on bind). The
     * transport has closed the server socket. This is the director's shortage, not the server's: it is counted
     * ({@code local_port_exhausted}), logged at most once per 10 s, not counted against the server and not
     * redispatched (another server would meet the same shortage); the entry closes and the client is reset.
     *
     * @param why what the transport saw, naming the local address and the server
     * @param now the current time
     */
    public void localFailure(final String why, final long now) {
        ctx.counters.localPortsExhausted.incrementAndGet();
        svc.localFailureLog.warn(now, why);
        if (conn != null) {
            ctx.table.event(conn, SocketEvent.CONNECT_FAILED, now);
            conn.attachment(null);
            conn = null;
        }
        server = null;
        io.close(true);
    }

    /**
     * The connect timed out (the transport has closed the server socket): counted, then as {@link #connectFailed}.
     *
     * @param now the current time
     */
    public void connectTimedOut(final long now) {
        ctx.counters.connectTimeouts.incrementAndGet();
        connectFailed("connect timed out", now);
    }

    /**
     * The connect failed (the transport has closed the server socket): counted against the server, then another
     * server that has not failed this connection is tried ({@code connectRetries} times at most), else the sorry
     * answer. A failed connect to the sorry server resets the client.
     *
     * @param why what the transport saw
     * @param now the current time
     */
    public void connectFailed(final String why, final long now) {
        ctx.counters.connectFailures.incrementAndGet();
        if (sorry) {
            io.close(true);
            return;
        }
        ctx.failures.connectFailed(svc.service, server, why, now);
        final int retries = ctx.options.connectRetries();
        if (failed == null) {
            failed = new RealServer[retries + 1];
        }
        failed[attempts++] = server;
        if (attempts <= retries) {
            setFlow();
            final RealServer next = svc.service.scheduleExcluding(ctx.flow, failed, attempts);
            if (next != null) {
                ctx.counters.redispatches.incrementAndGet();
                ctx.table.rebind(conn, next, now);
                server = next;
                connect(next.socketAddress(), now);
                return;
            }
        }
        ctx.table.event(conn, SocketEvent.CONNECT_FAILED, now);
        conn.attachment(null);
        conn = null;
        server = null;
        sorry(now);
    }

    /** No real server: the sorry server, the sorry file, or a close. */
    private void sorry(final long now) {
        final VirtualServiceConfig cfg = svc.service.config();
        final InetSocketAddress sorryServer = Extensions.sorryServer(cfg);
        if (sorryServer != null) {
            ctx.counters.sorryServer.incrementAndGet();
            sorry = true;
            connect(sorryServer, now);
            return;
        }
        final String file = Extensions.sorryFile(cfg);
        if (file != null) {
            final FileChannel ch;
            try {
                ch = FileChannel.open(Path.of(file), StandardOpenOption.READ);
            } catch (final IOException | RuntimeException e) {
                svc.noDestinationLog.warn(now, "sorry file " + file + ": " + e);
                io.close(true);
                return;
            }
            ctx.counters.sorryFile.incrementAndGet();
            sorry = true;
            io.sendFile(ch);
            return;
        }
        io.close(true);
    }

    /**
     * Bytes read from the client (one read).
     *
     * @param bytes how many
     * @param now the current time
     */
    public void clientBytes(final int bytes, final long now) {
        if (conn != null) {
            ctx.table.countIn(conn, bytes, now);
        }
    }

    /**
     * Bytes read from the server (one read).
     *
     * @param bytes how many
     * @param now the current time
     */
    public void serverBytes(final int bytes, final long now) {
        if (conn != null) {
            ctx.table.countOut(conn, bytes, now);
        }
    }

    /**
     * Parked bytes were written at last: the connection is active.
     *
     * @param now the current time
     */
    public void touch(final long now) {
        if (conn != null) {
            ctx.table.touch(conn, now);
        }
    }

    /**
     * The client ended its stream (FIN).
     *
     * @param now the current time
     */
    public void clientFin(final long now) {
        if (conn != null) {
            ctx.table.event(conn, SocketEvent.CLIENT_FIN, now);
        }
    }

    /**
     * The server ended its stream (FIN).
     *
     * @param now the current time
     */
    public void serverFin(final long now) {
        if (conn != null) {
            ctx.table.event(conn, SocketEvent.SERVER_FIN, now);
        }
    }

    /**
     * The client's socket failed (reset): counted; the transport closes with a reset.
     *
     * @param now the current time
     */
    public void clientReset(final long now) {
        ctx.counters.resets.incrementAndGet();
        if (conn != null) {
            ctx.table.event(conn, SocketEvent.CLIENT_RESET, now);
        }
    }

    /**
     * The server's socket failed (reset): counted; the transport closes with a reset.
     *
     * @param now the current time
     */
    public void serverReset(final long now) {
        ctx.counters.resets.incrementAndGet();
        if (conn != null) {
            ctx.table.event(conn, SocketEvent.SERVER_RESET, now);
        }
    }

    /**
     * The transport closed the sockets: the table entry, if any, lingers without them.
     */
    public void closed() {
        leftover = null;
        headerIn = null;
        if (conn != null && conn.attachment() == this) {
            conn.attachment(null);
        }
    }

    /**
     * The table expired the entry (idle too long, or its server went away with {@code expire_nodest_conn}): the
     * sockets close.
     */
    public void expired() {
        conn = null;
        io.close(false);
    }

    /**
     * The real server this connection is bound to.
     *
     * @return the server, or null (not placed yet, or answered by the sorry server)
     */
    public RealServer server() {
        return sorry ? null : server;
    }

    /**
     * The client as the session knows it (from the PROXY header if one was read).
     *
     * @return the address
     */
    public InetSocketAddress client() {
        return source;
    }

    /**
     * The service.
     *
     * @return the service's engine state
     */
    public ForwardedService service() {
        return svc;
    }

    @Override
    public String toString() {
        return "Session[" + source + " -> " + (server == null ? "-" : server.addressAndPort()) + "]";
    }
}
