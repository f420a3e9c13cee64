package io.jlvs.transport.nio;

import io.jlvs.core.Protocol;
import io.jlvs.core.config.Extensions;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.conn.Connection;
import io.jlvs.core.conn.SocketEvent;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.transport.DirectorOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

/**
 * One proxied TCP connection: the client's socket, the real server's socket, and the relay between them.
 *
 * <p>Life: accepted; optionally a PROXY header is read (trusted networks only, with a timeout); the connection
 * table places it (persistence, then the scheduler); a non-blocking connect with a timeout follows, and a failure
 * counts against that server and tries another (bounded retries: the scheduler's pick if it is not a server that
 * already failed this connection, otherwise the least loaded of the others per weight); then bytes are relayed both ways. When no server
 * is left the sorry server, the sorry file (sent with {@code transferTo}) or an immediate close answers. Half-close
 * is carried through with {@code shutdownOutput}; a reset on one side becomes a reset on the other (SO_LINGER 0);
 * the sockets close when both directions have ended. Every socket event is fed to the connection table.
 *
 * <p>Back-pressure: a direction reads into a pooled direct buffer and writes it to the peer at once; if the write
 * is partial the buffer is parked and the source is not read again until the peer drained it, so a connection holds
 * at most one buffer per direction, and none while idle.
 *
 * <p>Not thread-safe; confined to its event loop.
 */
final class ProxySession implements Handler {
    private static final Logger LOG = LoggerFactory.getLogger(ProxySession.class);
    private static final int READS_PER_EVENT = 4;

    final EventLoop loop;
    final NioEngine.ServiceState state;
    final SocketChannel client;
    private SelectionKey clientKey;
    private SocketChannel backend;
    private SelectionKey backendKey;
    private Connection conn;
    private RealServer server;
    private InetSocketAddress source;
    private InetSocketAddress local;
    private ByteBuffer c2s;
    private ByteBuffer s2c;
    private ByteBuffer preamble;
    private ByteBuffer headerIn;
    private FileChannel sorryFile;
    private long sorryPosition;
    private boolean awaitingHeader;
    private boolean connecting;
    private boolean connected;
    private boolean clientEof;
    private boolean serverEof;
    private boolean backendShut;
    private boolean lingering;
    private boolean closed;
    private boolean sorry;
    private int attempts;
    private RealServer[] failed;
    private long connectStart;
    private int clientOps = -1;
    private int backendOps = -1;
    /** Whether the last read of each direction filled its buffer: the next one uses a large buffer. */
    private boolean c2sBulk;
    private boolean s2cBulk;

    // timer list links (owned by EventLoop.SessionList)
    ProxySession timerPrev;
    ProxySession timerNext;
    EventLoop.SessionList timerList;
    long timerDeadline;
    // live list links
    ProxySession livePrev;
    ProxySession liveNext;

    private ProxySession(final EventLoop loop, final NioEngine.ServiceState state, final SocketChannel client) {
        this.loop = loop;
        this.state = state;
        this.client = client;
    }

    /** Takes a freshly accepted client connection on its loop. */
    static void accept(final EventLoop loop, final NioEngine.ServiceState state, final SocketChannel client) {
        final ProxySession s = new ProxySession(loop, state, client);
        loop.addLive(s);
        try {
            s.start();
        } catch (final IOException | RuntimeException e) {
            loop.counters.handlerErrors.incrementAndGet();
            LOG.debug("accepting a connection on {}", state.service.key(), e);
            s.close(true);
        }
    }

    private void start() throws IOException {
        final DirectorOptions o = loop.engine.runtime.options();
        client.configureBlocking(false);
        configure(client, o);
        source = (InetSocketAddress) client.getRemoteAddress();
        local = (InetSocketAddress) client.getLocalAddress();
        clientKey = client.register(loop.selector, 0, this);
        final VirtualServiceConfig cfg = state.service.config();
        if (trusted(cfg)) {
            awaitingHeader = true;
            headerIn = ByteBuffer.allocate(ProxyProtocol.V2_MAX);
            loop.awaitingHeader.add(this, loop.now + o.proxyHeaderTimeoutNs());
            updateInterest();
            return;
        }
        schedule();
    }

    private boolean trusted(final VirtualServiceConfig cfg) {
        for (final Extensions.Network n : Extensions.acceptProxy(cfg)) {
            if (n.contains(source.getAddress())) {
                return true;
            }
        }
        return false;
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

    private void setFlow() {
        loop.flow.set(Protocol.TCP, source.getAddress(), source.getPort(), local.getAddress(), local.getPort());
    }

    private void schedule() throws IOException {
        if (state.service.inSorryMode()) {
            sorry();
            return;
        }
        setFlow();
        conn = loop.table.open(state.service, loop.flow, Protocol.TCP, source.getAddress(), source.getPort(),
            local.getAddress(), local.getPort(), loop.now);
        if (conn == null) {
            loop.counters.noDestination.incrementAndGet();
            state.noDestinationLog.warn(loop.now, state.service.config().scheduler() + ": TCP "
                + state.service.key().addressAndPort() + " - no destination available");
            sorry();
            return;
        }
        conn.attachment(this);
        loop.table.event(conn, SocketEvent.ACCEPTED, loop.now);
        server = conn.server();
        connect(server.socketAddress());
    }

    private void connect(final InetSocketAddress to) throws IOException {
        final DirectorOptions o = loop.engine.runtime.options();
        backend = SocketChannel.open(Families.of(to.getAddress()));
        backend.configureBlocking(false);
        configure(backend, o);
        connecting = true;
        connectStart = loop.now;
        if (conn != null) {
            loop.table.event(conn, SocketEvent.CONNECTING, loop.now);
        }
        loop.connecting.add(this, loop.now + o.connectTimeoutNs());
        final boolean done;
        try {
            done = backend.connect(to);
        } catch (final IOException e) {
            connectFailed(e.toString());
            return;
        }
        backendKey = backend.register(loop.selector, SelectionKey.OP_CONNECT, this);
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
                    writeBackend();
                }
                if (!closed && (ready & SelectionKey.OP_READ) != 0) {
                    readBackend();
                }
            } else {
                if ((ready & SelectionKey.OP_WRITE) != 0) {
                    writeClient();
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

    private void finishConnect() throws IOException {
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

    private void connected() throws IOException {
        loop.connecting.remove(this);
        connecting = false;
        connected = true;
        if (conn != null) {
            loop.table.event(conn, SocketEvent.CONNECTED, loop.now);
            server.connectSucceeded();
            server.connectLatency().record(loop.now - connectStart);
            state.service.scheduler().observeLatency(server, loop.now - connectStart);
            final int version = Extensions.proxyProtocol(state.service.config(), server.config());
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
        if (preamble != null) {
            writeBackend();
        }
        if (!closed) {
            updateInterest();
        }
    }

    void connectTimedOut() {
        if (lingering) {
            close(false);
            return;
        }
        loop.counters.connectTimeouts.incrementAndGet();
        try {
            connectFailed("connect timed out");
        } catch (final IOException e) {
            close(true);
        }
    }

    private void connectFailed(final String why) throws IOException {
        loop.connecting.remove(this);
        connecting = false;
        loop.counters.connectFailures.incrementAndGet();
        closeQuietly(loop, backendKey, backend, true);
        backendKey = null;
        backend = null;
        backendOps = -1;
        if (sorry) {
            close(true);
            return;
        }
        loop.engine.connectFailed(state, server, why, loop.now);
        if (failed == null) {
            failed = new RealServer[loop.engine.runtime.options().connectRetries() + 1];
        }
        failed[attempts++] = server;
        if (attempts <= loop.engine.runtime.options().connectRetries()) {
            final RealServer next = pickOther();
            if (next != null) {
                loop.counters.redispatches.incrementAndGet();
                loop.table.rebind(conn, next, loop.now);
                server = next;
                connect(next.socketAddress());
                return;
            }
        }
        loop.table.event(conn, SocketEvent.CONNECT_FAILED, loop.now);
        conn.attachment(null);
        conn = null;
        server = null;
        sorry();
    }

    private RealServer pickOther() {
        for (int tries = 0; tries < 4; tries++) {
            setFlow();
            final RealServer r = state.service.schedule(loop.flow);
            if (r == null) {
                return null;
            }
            if (!hasFailed(r)) {
                return r;
            }
        }
        // a deterministic scheduler (wlc on a tie, sh, mh...) keeps answering with the failed server: take the
        // least loaded of the others, by the weighted least-connection rule
        final var list = state.service.servers();
        RealServer least = null;
        long leastLoad = 0;
        int leastWeight = 0;
        for (int i = 0; i < list.size(); i++) {
            final RealServer d = list.get(i);
            final int w = d.weight();
            if (w <= 0 || d.isOverloaded() || hasFailed(d)) {
                continue;
            }
            final long load = d.overhead();
            if (least == null || load * leastWeight < leastLoad * w) {
                least = d;
                leastLoad = load;
                leastWeight = w;
            }
        }
        return least;
    }

    private boolean hasFailed(final RealServer r) {
        for (int i = 0; i < attempts; i++) {
            if (failed[i] == r) {
                return true;
            }
        }
        return false;
    }

    /** No real server: the sorry server, the sorry file, or a close. */
    private void sorry() throws IOException {
        final VirtualServiceConfig cfg = state.service.config();
        final InetSocketAddress sorryServer = Extensions.sorryServer(cfg);
        if (sorryServer != null) {
            loop.counters.sorryServer.incrementAndGet();
            sorry = true;
            connect(sorryServer);
            return;
        }
        final String file = Extensions.sorryFile(cfg);
        if (file != null) {
            try {
                sorryFile = FileChannel.open(Path.of(file), StandardOpenOption.READ);
            } catch (final IOException e) {
                state.noDestinationLog.warn(loop.now, "sorry file " + file + ": " + e);
                close(true);
                return;
            }
            loop.counters.sorryFile.incrementAndGet();
            sorry = true;
            sorryPosition = 0;
            writeClient();
            if (!closed) {
                updateInterest();
            }
            return;
        }
        close(true);
    }

    private void readClient() throws IOException {
        if (awaitingHeader) {
            readHeader();
            return;
        }
        if (lingering) {
            drainAfterSorry();
            return;
        }
        for (int i = 0; i < READS_PER_EVENT && !closed && c2s == null && !clientEof; i++) {
            final ByteBuffer buf = loop.pool.acquire(c2sBulk);
            final int n;
            try {
                n = client.read(buf);
            } catch (final IOException e) {
                loop.pool.release(buf);
                clientReset();
                return;
            }
            if (n < 0) {
                loop.pool.release(buf);
                clientEof();
                return;
            }
            if (n == 0) {
                loop.pool.release(buf);
                return;
            }
            if (conn != null) {
                loop.table.countIn(conn, n, loop.now);
            }
            final boolean full = n == buf.capacity();
            c2sBulk = full;
            buf.flip();
            try {
                backend.write(buf);
            } catch (final IOException e) {
                loop.pool.release(buf);
                serverReset();
                return;
            }
            if (buf.hasRemaining()) {
                c2s = buf;
                return;
            }
            loop.pool.release(buf);
            if (!full) {
                return;
            }
        }
    }

    private void readBackend() throws IOException {
        for (int i = 0; i < READS_PER_EVENT && !closed && s2c == null && !serverEof; i++) {
            final ByteBuffer buf = loop.pool.acquire(s2cBulk);
            final int n;
            try {
                n = backend.read(buf);
            } catch (final IOException e) {
                loop.pool.release(buf);
                serverReset();
                return;
            }
            if (n < 0) {
                loop.pool.release(buf);
                serverEof();
                return;
            }
            if (n == 0) {
                loop.pool.release(buf);
                return;
            }
            if (conn != null) {
                loop.table.countOut(conn, n, loop.now);
            }
            final boolean full = n == buf.capacity();
            s2cBulk = full;
            buf.flip();
            try {
                client.write(buf);
            } catch (final IOException e) {
                loop.pool.release(buf);
                clientReset();
                return;
            }
            if (buf.hasRemaining()) {
                s2c = buf;
                return;
            }
            loop.pool.release(buf);
            if (!full) {
                return;
            }
        }
    }

    private void writeBackend() throws IOException {
        try {
            if (preamble != null) {
                backend.write(preamble);
                if (preamble.hasRemaining()) {
                    return;
                }
                preamble = null;
            }
            if (c2s != null) {
                backend.write(c2s);
                if (c2s.hasRemaining()) {
                    return;
                }
                loop.pool.release(c2s);
                c2s = null;
                if (conn != null) {
                    loop.table.touch(conn, loop.now);
                }
            }
        } catch (final IOException e) {
            serverReset();
            return;
        }
        if (clientEof) {
            shutBackend();
        }
    }

    private void writeClient() throws IOException {
        if (sorryFile != null) {
            sendSorryFile();
            return;
        }
        if (s2c == null) {
            return;
        }
        try {
            client.write(s2c);
        } catch (final IOException e) {
            clientReset();
            return;
        }
        if (s2c.hasRemaining()) {
            return;
        }
        loop.pool.release(s2c);
        s2c = null;
        if (conn != null) {
            loop.table.touch(conn, loop.now);
        }
        if (serverEof) {
            shutClient();
        }
    }

    private void sendSorryFile() throws IOException {
        final long size = sorryFile.size();
        try {
            while (sorryPosition < size) {
                final long n = sorryFile.transferTo(sorryPosition, size - sorryPosition, client);
                if (n <= 0) {
                    return; // the socket is full: wait for OP_WRITE
                }
                sorryPosition += n;
            }
        } catch (final IOException e) {
            close(true);
            return;
        }
        sorryFile.close();
        sorryFile = null;
        client.shutdownOutput();
        // read and drop what the client sends until it closes, so the close does not turn into a reset
        lingering = true;
        loop.connecting.add(this, loop.now + loop.engine.runtime.options().connectTimeoutNs());
    }

    private void drainAfterSorry() throws IOException {
        final ByteBuffer buf = loop.pool.acquire(false);
        try {
            for (int i = 0; i < READS_PER_EVENT; i++) {
                buf.clear();
                final int n = client.read(buf);
                if (n < 0) {
                    close(false);
                    return;
                }
                if (n == 0) {
                    return;
                }
            }
        } catch (final IOException e) {
            close(true);
        } finally {
            loop.pool.release(buf);
        }
    }

    private void readHeader() throws IOException {
        final int n;
        try {
            n = client.read(headerIn);
        } catch (final IOException e) {
            close(true);
            return;
        }
        if (n < 0) {
            close(false);
            return;
        }
        final ByteBuffer view = headerIn.duplicate();
        view.flip();
        final ProxyProtocol.Header h = ProxyProtocol.parse(view);
        if (h.error() != null || !h.complete() && !headerIn.hasRemaining()) {
            loop.counters.proxyHeaderErrors.incrementAndGet();
            state.proxyHeaderLog.warn(loop.now, "from " + source + " on " + state.service.key() + ": "
                + (h.error() != null ? h.error() : "too long"));
            close(true);
            return;
        }
        if (!h.complete()) {
            return;
        }
        loop.awaitingHeader.remove(this);
        awaitingHeader = false;
        if (h.source() != null) {
            source = h.source();
        }
        view.position(h.length());
        if (view.hasRemaining()) {
            preamble = ByteBuffer.allocate(view.remaining());
            preamble.put(view).flip();
            if (conn != null) {
                loop.table.countIn(conn, preamble.remaining(), loop.now);
            }
        }
        headerIn = null;
        schedule();
    }

    void headerTimedOut() {
        loop.counters.proxyHeaderTimeouts.incrementAndGet();
        state.proxyHeaderLog.warn(loop.now, "from " + source + " on " + state.service.key() + ": no header within "
            + TimeUnit.NANOSECONDS.toMillis(loop.engine.runtime.options().proxyHeaderTimeoutNs()) + " ms");
        close(true);
    }

    private void clientEof() throws IOException {
        clientEof = true;
        if (conn != null) {
            loop.table.event(conn, SocketEvent.CLIENT_FIN, loop.now);
        }
        if (c2s == null && preamble == null) {
            shutBackend();
        }
        maybeFinish();
    }

    private void serverEof() throws IOException {
        serverEof = true;
        if (conn != null) {
            loop.table.event(conn, SocketEvent.SERVER_FIN, loop.now);
        }
        if (s2c == null) {
            shutClient();
        }
        maybeFinish();
    }

    private void shutBackend() throws IOException {
        if (!backendShut && backend != null && connected) {
            backendShut = true;
            try {
                backend.shutdownOutput();
            } catch (final IOException e) {
                serverReset();
                return;
            }
        }
        maybeFinish();
    }

    private void shutClient() throws IOException {
        try {
            client.shutdownOutput();
        } catch (final IOException e) {
            clientReset();
            return;
        }
        maybeFinish();
    }

    private void maybeFinish() {
        if (!closed && clientEof && serverEof && c2s == null && s2c == null && preamble == null) {
            close(false);
        }
    }

    private void clientReset() {
        loop.counters.resets.incrementAndGet();
        if (conn != null) {
            loop.table.event(conn, SocketEvent.CLIENT_RESET, loop.now);
        }
        close(true);
    }

    private void serverReset() {
        loop.counters.resets.incrementAndGet();
        if (conn != null) {
            loop.table.event(conn, SocketEvent.SERVER_RESET, loop.now);
        }
        close(true);
    }

    private void updateInterest() {
        int c = 0;
        if (awaitingHeader || lingering) {
            c = SelectionKey.OP_READ;
        } else if (sorryFile != null) {
            c = SelectionKey.OP_WRITE;
        } else if (connected) {
            if (!clientEof && c2s == null && preamble == null) {
                c |= SelectionKey.OP_READ;
            }
            if (s2c != null) {
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
                if (!serverEof && s2c == null) {
                    b |= SelectionKey.OP_READ;
                }
                if (c2s != null || preamble != null) {
                    b |= SelectionKey.OP_WRITE;
                }
            }
            if (b != backendOps) {
                backendKey.interestOps(b);
                backendOps = b;
            }
        }
    }

    /** The real server this session is bound to, or null. */
    RealServer server() {
        return sorry ? null : server;
    }

    /** The table expired the entry (idle too long, or its server went away with expire_nodest_conn). */
    void expired() {
        conn = null;
        close(false);
    }

    /** Closes now with resets (end of a drain, loop shutdown). */
    void abort() {
        close(true);
    }

    private void close(final boolean reset) {
        if (closed) {
            return;
        }
        closed = true;
        if (c2s != null) {
            loop.pool.release(c2s);
            c2s = null;
        }
        if (s2c != null) {
            loop.pool.release(s2c);
            s2c = null;
        }
        preamble = null;
        headerIn = null;
        if (sorryFile != null) {
            try {
                sorryFile.close();
            } catch (final IOException ignored) {
                // closing
            }
            sorryFile = null;
        }
        closeQuietly(loop, clientKey, client, reset);
        closeQuietly(loop, backendKey, backend, reset);
        if (conn != null && conn.attachment() == this) {
            conn.attachment(null);
        }
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
        return "ProxySession[" + source + " -> " + (server == null ? "-" : server.addressAndPort()) + "]";
    }
}
