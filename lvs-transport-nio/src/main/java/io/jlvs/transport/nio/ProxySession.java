package io.jlvs.transport.nio;

import io.jlvs.core.service.RealServer;
import io.jlvs.core.session.Session;
import io.jlvs.core.transport.DirectorOptions;
import io.jlvs.core.transport.LoopLinks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

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
 * <p>Its phases live beside it, stateless, on its own fields (no object per connection): {@link BackendConnect} the
 * connect, {@link IdleTimers} the idle-timer policy, {@link SorryFileReply} the sorry file and its linger,
 * {@link NioSockets} socket options and cheap closes; its place in the loop's lists is {@link LoopLinks}'.
 *
 * <p>Not thread-safe; confined to its event loop.
 */
final class ProxySession extends LoopLinks<ProxySession> implements Handler, Session.Io {
    private static final Logger LOG = LoggerFactory.getLogger(ProxySession.class);

    final EventLoop loop;
    final NioEngine.ServiceState state;
    final SocketChannel client;
    final Session session;
    private final RelayDirection c2s = new RelayDirection(this, true);
    private final RelayDirection s2c = new RelayDirection(this, false);
    private SelectionKey clientKey;
    SocketChannel backend;
    SelectionKey backendKey;
    /** The sorry file being sent, or null. */
    private SorryFileReply sorry;
    private boolean awaitingHeader;
    boolean connecting;
    private boolean connected;
    private boolean closed;
    /** No buffer could be had (the relay budget is spent): reading stops until the loop resumes this session. */
    private boolean starved;
    private int clientOps = -1;
    int backendOps = -1;

    // idle timers (null unless the service sets the timeout; their policy is IdleTimers')
    IdleTimer clientIdle;
    IdleTimer serverIdle;
    IdleTimer tunnelIdle;
    IdleTimer firstByte;

    private ProxySession(final EventLoop loop, final NioEngine.ServiceState state, final SocketChannel client) {
        this.loop = loop;
        this.state = state;
        this.client = client;
        this.session = new Session(loop.sessions, state, this);
    }

    /** Takes a freshly accepted client connection on its loop. */
    static void accept(final EventLoop loop, final NioEngine.ServiceState state, final SocketChannel client) {
        final ProxySession s = new ProxySession(loop, state, client);
        loop.live.add(s);
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
        NioSockets.configure(client, o);
        final InetSocketAddress source = (InetSocketAddress) client.getRemoteAddress();
        final InetSocketAddress local = (InetSocketAddress) client.getLocalAddress();
        clientKey = client.register(loop.selector, 0, this);
        IdleTimers.arm(this, state.service.config());
        if (session.start(source, local, loop.now)) {
            awaitingHeader = true;
            loop.awaitingHeader.add(this, loop.now + o.proxyHeaderTimeoutNs());
            updateInterest();
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

    @Override
    public void connect(final InetSocketAddress to) {
        BackendConnect.connect(this, to);
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

    void finishConnect() {
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

    void connected() {
        loop.connecting.remove(this);
        connecting = false;
        connected = true;
        IdleTimers.connected(this);
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

    void connectFailed(final String why) {
        dropBackend();
        session.connectFailed(why, loop.now);
    }

    void dropBackend() {
        loop.connecting.remove(this);
        connecting = false;
        NioSockets.closeQuietly(loop, backendKey, backend, true);
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
        IdleTimers.disarmAll(this);
        c2s.release();
        s2c.release();
        if (sorry != null) {
            sorry.close();
        }
        NioSockets.closeQuietly(loop, clientKey, client, reset);
        NioSockets.closeQuietly(loop, backendKey, backend, reset);
        session.closed();
        loop.connecting.remove(this);
        loop.awaitingHeader.remove(this);
        loop.live.remove(this);
        state.live.decrementAndGet();
        loop.engine.live.decrementAndGet();
    }

    @Override
    public String toString() {
        return "ProxySession[" + session + "]";
    }
}
