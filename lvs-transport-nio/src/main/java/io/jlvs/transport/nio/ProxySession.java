package io.jlvs.transport.nio;

import io.jlvs.core.config.Extensions;
import io.jlvs.core.config.SourceAddresses;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.session.Session;
import io.jlvs.core.transport.DirectorOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnsupportedAddressTypeException;

/**
 * The NIO side of one proxied TCP connection: the client's socket, the real server's socket, their selection keys,
 * the relay between them ({@link RelayDirection} twice), timers, and sending the sorry file. Every decision (PROXY
 * header, placement, redispatch, preamble, sorry answer, accounting) is the core {@link Session}'s; this class does
 * what it asks ({@link Session.Io}) and tells it what the sockets did.
 *
 * <p>Life: accepted; optionally a PROXY header is read (with a timeout); a non-blocking connect with a timeout
 * follows, and a failure makes the session try another server or answer; then bytes are relayed both ways.
 * Half-close is carried through with {@code shutdownOutput}; a reset on one side becomes a reset on the other
 * (SO_LINGER 0); the sockets close when both directions have ended. A connection that finds no buffer (the relay
 * budget is spent) stops reading both sockets until its loop has buffers again; it is not closed.
 *
 * <p>Not thread-safe; confined to its event loop.
 */
final class ProxySession implements Handler, Session.Io {
    private static final Logger LOG = LoggerFactory.getLogger(ProxySession.class);

    final EventLoop loop;
    final NioEngine.ServiceState state;
    final SocketChannel client;
    final Session session;
    private final RelayDirection c2s = new RelayDirection(this, true);
    private final RelayDirection s2c = new RelayDirection(this, false);
    private SelectionKey clientKey;
    private SocketChannel backend;
    private SelectionKey backendKey;
    /** The sorry file being sent, or null. */
    private SorryFileReply sorry;
    private boolean awaitingHeader;
    private boolean connecting;
    private boolean connected;
    private boolean closed;
    /** No buffer could be had (the relay budget is spent): reading stops until the loop resumes this session. */
    private boolean starved;
    private int clientOps = -1;
    private int backendOps = -1;

    // timer list links (owned by SessionList)
    ProxySession timerPrev;
    ProxySession timerNext;
    SessionList timerList;
    long timerDeadline;
    // idle timers (null unless the service sets the timeout)
    private IdleTimer clientIdle;
    private IdleTimer serverIdle;
    private IdleTimer tunnelIdle;
    private IdleTimer firstByte;
    // live list links
    ProxySession livePrev;
    ProxySession liveNext;

    private ProxySession(final EventLoop loop, final NioEngine.ServiceState state, final SocketChannel client) {
        this.loop = loop;
        this.state = state;
        this.client = client;
        this.session = new Session(loop.sessions, state, this);
    }

    /** Takes a freshly accepted client connection on its loop. */
    static void accept(final EventLoop loop, final NioEngine.ServiceState state, final SocketChannel client) {
        final ProxySession s = new ProxySession(loop, state, client);
        loop.addLive(s);
        try {
            s.start();
        } catch (final IOException | RuntimeException | Error e) {
            loop.counters.handlerErrors.incrementAndGet();
            loop.handlerFailed(e);
            LOG.debug("accepting a connection on {}", state.service.key(), e);
            s.close(true);
        }
    }

    private void start() throws IOException {
        final DirectorOptions o = loop.engine.runtime.options();
        client.configureBlocking(false);
        configure(client, o);
        final InetSocketAddress source = (InetSocketAddress) client.getRemoteAddress();
        final InetSocketAddress local = (InetSocketAddress) client.getLocalAddress();
        clientKey = client.register(loop.selector, 0, this);
        final VirtualServiceConfig cfg = state.service.config();
        clientIdle = timer(cfg, Extensions.TIMEOUT_CLIENT, Session.IdleTimeout.CLIENT);
        serverIdle = timer(cfg, Extensions.TIMEOUT_SERVER, Session.IdleTimeout.SERVER);
        tunnelIdle = timer(cfg, Extensions.TIMEOUT_TUNNEL, Session.IdleTimeout.TUNNEL);
        firstByte = timer(cfg, Extensions.TIMEOUT_FIRST_BYTE, Session.IdleTimeout.FIRST_BYTE);
        if (clientIdle != null) {
            clientIdle.touch(loop.now);
        }
        if (session.start(source, local, loop.now)) {
            awaitingHeader = true;
            loop.awaitingHeader.add(this, loop.now + o.proxyHeaderTimeoutNs());
            updateInterest();
        }
    }

    private IdleTimer timer(final VirtualServiceConfig cfg, final String option, final Session.IdleTimeout kind) {
        final long ns = Extensions.idleTimeoutNs(cfg, option);
        return ns <= 0 ? null : new IdleTimer(this, kind, loop.idleList(ns));
    }

    /** Bytes were read from one side: its timer (or the tunnel's) starts again; the first server byte ends that one. */
    void readFrom(final boolean clientSide) {
        if (tunnelIdle != null && tunnelIdle.armed()) {
            tunnelIdle.touch(loop.now);
        } else if (clientSide) {
            if (clientIdle != null) {
                clientIdle.touch(loop.now);
            }
        } else if (serverIdle != null && serverIdle.armed()) {
            serverIdle.touch(loop.now);
        }
        if (!clientSide && firstByte != null) {
            firstByte.disarm();
            firstByte = null;
        }
    }

    /**
     * Bytes were written to one side: as a read for the idle timers; a write to the server restarts the first-byte
     * wait.
     */
    void wroteTo(final boolean clientSide) {
        if (tunnelIdle != null && tunnelIdle.armed()) {
            tunnelIdle.touch(loop.now);
        } else if (clientSide) {
            if (clientIdle != null) {
                clientIdle.touch(loop.now);
            }
        } else {
            if (serverIdle != null && serverIdle.armed()) {
                serverIdle.touch(loop.now);
            }
        }
        if (!clientSide && firstByte != null && firstByte.armed()) {
            firstByte.touch(loop.now);
        }
    }

    /** An idle timer expired: the session counts it and the entry closes; both sockets end with a FIN. */
    void idleExpired(final IdleTimer t) {
        if (closed) {
            return;
        }
        session.idleTimedOut(t.kind, loop.now);
        close(false);
    }

    private void disarmTimers() {
        disarm(clientIdle);
        disarm(serverIdle);
        disarm(tunnelIdle);
        disarm(firstByte);
    }

    private static void disarm(final IdleTimer t) {
        if (t != null) {
            t.disarm();
        }
    }

    static void configure(final SocketChannel ch, final DirectorOptions o) throws IOException {
        ch.setOption(StandardSocketOptions.TCP_NODELAY, o.tcpNoDelay());
        ch.setOption(StandardSocketOptions.SO_KEEPALIVE, o.keepAlive());
        if (o.sendBufferSize() > 0) {
            ch.setOption(StandardSocketOptions.SO_SNDBUF, o.sendBufferSize());
        }
        if (o.receiveBufferSize() > 0) {
            ch.setOption(StandardSocketOptions.SO_RCVBUF, o.receiveBufferSize());
        }
    }

    @Override
    public void connect(final InetSocketAddress to) {
        final DirectorOptions o = loop.engine.runtime.options();
        final RealServer target = session.target();
        final SourceAddresses addresses = target == null ? null
            : Extensions.sourceAddresses(state.service.config(), target.config());
        final SourcePool pool = addresses == null ? null : loop.sourcePool(addresses);
        final int attempts = pool == null ? 1 : pool.size();
        Exception shortage = null;
        for (int i = 0; i < attempts; i++) {
            final InetSocketAddress from = pool == null ? null : pool.next();
            try {
                backend = SocketChannel.open(Families.of(to.getAddress()));
                backend.configureBlocking(false);
                configure(backend, o);
                if (from != null) {
                    // SO_REUSEADDR: a port whose last connection is in TIME_WAIT may be taken again
                    backend.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                    backend.bind(from);
                }
            } catch (final BindException | UnsupportedAddressTypeException e) {
                // this source address has no free port (EADDRINUSE) or is gone: try the next one
                shortage = e;
                dropBackend();
                continue;
            } catch (final IOException e) {
                // no socket to be had (EMFILE): this connection ends, the loop goes on
                loop.counters.handlerErrors.incrementAndGet();
                loop.handlerFailed(e);
                dropBackend();
                close(true);
                return;
            }
            connecting = true;
            loop.connecting.add(this, loop.now + o.connectTimeoutNs());
            final boolean done;
            try {
                done = backend.connect(to);
            } catch (final BindException e) {
                // EADDRNOTAVAIL: no local port left for this destination (a local shortage, not the server's fault)
                shortage = e;
                dropBackend();
                continue;
            } catch (final IOException e) {
                connectFailed(e.toString());
                return;
            }
            registerBackend(done);
            return;
        }
        session.localFailure("TCP " + state.service.key().addressAndPort() + " -> " + to.getAddress().getHostAddress()
            + ":" + to.getPort() + ": " + shortage + " (source " + (addresses == null
            ? "ephemeral ports of the default address; see net.ipv4.ip_local_port_range or set --source-addresses"
            : "addresses " + addresses + ", all " + attempts + " tried") + ")", loop.now);
    }

    private void registerBackend(final boolean done) {
        try {
            backendKey = backend.register(loop.selector, SelectionKey.OP_CONNECT, this);
        } catch (final IOException e) {
            close(true);
            return;
        }
        backendOps = SelectionKey.OP_CONNECT;
        if (done) {
            connected();
        }
    }

    @Override
    public void handle(final SelectionKey key) {
        if (closed) {
            return;
        }
        try {
            final int ready = key.readyOps();
            if (key == backendKey) {
                if (connecting && (ready & SelectionKey.OP_CONNECT) != 0) {
                    finishConnect();
                    return;
                }
                if ((ready & SelectionKey.OP_WRITE) != 0) {
                    c2s.drain();
                }
                if (!closed && (ready & SelectionKey.OP_READ) != 0) {
                    s2c.read();
                }
            } else {
                if ((ready & SelectionKey.OP_WRITE) != 0) {
                    if (sorry != null && sorry.sending()) {
                        sorry.send();
                    } else {
                        s2c.drain();
                    }
                }
                if (!closed && (ready & SelectionKey.OP_READ) != 0) {
                    readClient();
                }
            }
            if (!closed) {
                updateInterest();
            }
        } catch (final IOException e) {
            fail(e);
        }
    }

    @Override
    public void fail(final Throwable cause) {
        LOG.debug("connection to {} failed", state.service.key(), cause);
        close(true);
    }

    private void readClient() throws IOException {
        if (awaitingHeader) {
            readHeader();
        } else if (lingering()) {
            sorry.drain();
        } else {
            c2s.read();
        }
    }

    private void finishConnect() {
        try {
            if (!backend.finishConnect()) {
                return;
            }
        } catch (final IOException e) {
            connectFailed(e.toString());
            return;
        }
        connected();
    }

    private void connected() {
        loop.connecting.remove(this);
        connecting = false;
        connected = true;
        if (tunnelIdle != null) {
            if (clientIdle != null) {
                clientIdle.disarm();
            }
            tunnelIdle.touch(loop.now);
        } else if (serverIdle != null) {
            serverIdle.touch(loop.now);
        }
        if (firstByte != null) {
            firstByte.touch(loop.now);
        }
        final ByteBuffer preamble = session.connected(loop.now);
        if (preamble != null) {
            c2s.park(preamble);
            c2s.drain();
        }
        if (!closed) {
            updateInterest();
        }
    }

    private boolean lingering() {
        return sorry != null && sorry.lingering;
    }

    void connectTimedOut() {
        if (lingering()) {
            close(false);
            return;
        }
        dropBackend();
        session.connectTimedOut(loop.now);
    }

    private void connectFailed(final String why) {
        dropBackend();
        session.connectFailed(why, loop.now);
    }

    private void dropBackend() {
        loop.connecting.remove(this);
        connecting = false;
        closeQuietly(loop, backendKey, backend, true);
        backendKey = null;
        backend = null;
        backendOps = -1;
    }

    @Override
    public void sendFile(final FileChannel file) {
        sorry = new SorryFileReply(this, client, file);
        try {
            sorry.send();
        } catch (final IOException e) {
            close(true);
            return;
        }
        if (!closed) {
            updateInterest();
        }
    }

    private void readHeader() throws IOException {
        final int n;
        try {
            n = client.read(session.headerBuffer());
        } catch (final IOException e) {
            close(true);
            return;
        }
        if (n < 0) {
            close(false);
            return;
        }
        if (session.parseHeader(loop.now) == Session.HeaderStatus.DONE) {
            loop.awaitingHeader.remove(this);
            awaitingHeader = false;
            session.schedule(loop.now);
        }
    }

    void headerTimedOut() {
        session.headerTimedOut(loop.now);
    }

    /** {@return the real server's socket, or null before it is opened and after it is dropped} */
    SocketChannel backend() {
        return backend;
    }

    /** Whether a direction's sink may be shut: the client always, the server once connected. */
    boolean sinkReady(final RelayDirection d) {
        return d == s2c || backend != null && connected;
    }

    /** A socket failed: {@code clientSide} tells which; both close with a reset. */
    void reset(final boolean clientSide) {
        if (clientSide) {
            session.clientReset(loop.now);
        } else {
            session.serverReset(loop.now);
        }
        close(true);
    }

    void maybeFinish() {
        if (!closed && c2s.ended && s2c.ended && c2s.parked == null && s2c.parked == null) {
            close(false);
        }
    }

    boolean closed() {
        return closed;
    }

    boolean starved() {
        return starved;
    }

    /** Out of buffers: stop reading both sockets (the connection stays) until the loop has buffers again. */
    void starve() {
        if (!starved) {
            starved = true;
            loop.starved(this);
        }
    }

    /** The loop has buffers again: read where the session left off. Returns whether the session was waiting. */
    boolean resume() {
        if (!starved || closed) {
            return false;
        }
        starved = false;
        updateInterest();
        return true;
    }

    private void updateInterest() {
        int c = 0;
        if (awaitingHeader || lingering()) {
            c = SelectionKey.OP_READ;
        } else if (sorry != null) {
            c = SelectionKey.OP_WRITE;
        } else if (connected) {
            if (c2s.wantsRead()) {
                c |= SelectionKey.OP_READ;
            }
            if (s2c.parked != null) {
                c |= SelectionKey.OP_WRITE;
            }
        }
        if (c != clientOps && clientKey != null && clientKey.isValid()) {
            clientKey.interestOps(c);
            clientOps = c;
        }
        if (backendKey != null && backendKey.isValid()) {
            int b = 0;
            if (connecting) {
                b = SelectionKey.OP_CONNECT;
            } else if (connected) {
                if (s2c.wantsRead()) {
                    b |= SelectionKey.OP_READ;
                }
                if (c2s.parked != null) {
                    b |= SelectionKey.OP_WRITE;
                }
            }
            if (b != backendOps) {
                backendKey.interestOps(b);
                backendOps = b;
            }
        }
    }

    /** The real server this connection is bound to, or null. */
    RealServer server() {
        return session.server();
    }

    /** Closes now with resets (end of a drain, loop shutdown). */
    void abort() {
        close(true);
    }

    @Override
    public void close(final boolean reset) {
        if (closed) {
            return;
        }
        closed = true;
        if (clientIdle != null || serverIdle != null || tunnelIdle != null || firstByte != null) {
            disarmTimers();
        }
        c2s.release();
        s2c.release();
        if (sorry != null) {
            sorry.close();
        }
        closeQuietly(loop, clientKey, client, reset);
        closeQuietly(loop, backendKey, backend, reset);
        session.closed();
        loop.connecting.remove(this);
        loop.awaitingHeader.remove(this);
        loop.removeLive(this);
        state.live.decrementAndGet();
        loop.engine.live.decrementAndGet();
    }

    /**
     * Cancels the key, sets SO_LINGER 0 for a reset, and leaves the close to the loop once its selector has dropped
     * the registration: the JDK closes a registered channel by reading SO_LINGER and shutting the output down first,
     * two system calls per socket that a deregistered close does without (the FIN or, with linger 0, the RST is the
     * same).
     */
    private static void closeQuietly(final EventLoop loop, final SelectionKey key, final SocketChannel ch,
        final boolean reset) {
        if (key != null) {
            key.cancel();
        }
        if (ch == null) {
            return;
        }
        try {
            if (reset && ch.isOpen()) {
                ch.setOption(StandardSocketOptions.SO_LINGER, 0);
            }
        } catch (final IOException | RuntimeException ignored) {
            // best effort
        }
        loop.closeWhenDeregistered(ch);
    }

    @Override
    public String toString() {
        return "ProxySession[" + session + "]";
    }
}
