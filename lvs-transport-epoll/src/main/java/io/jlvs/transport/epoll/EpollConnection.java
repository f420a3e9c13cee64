package io.jlvs.transport.epoll;

import io.jlvs.core.service.RealServer;
import io.jlvs.core.session.Session;
import io.jlvs.core.transport.DirectorOptions;
import io.jlvs.core.transport.LoopLinks;
import io.jlvs.transport.epoll.internal.Errno;
import io.jlvs.transport.epoll.internal.FileSender;
import io.jlvs.transport.epoll.internal.Linux;
import io.jlvs.transport.epoll.internal.Relay;
import io.jlvs.transport.epoll.internal.SockAddr;
import io.jlvs.transport.epoll.internal.Syscalls;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * The epoll side of one proxied TCP connection: the client's and the real server's descriptors, their epoll
 * registrations (level-triggered), the two relay directions between them (splice, copy or splice-auto:
 * {@link SpliceMode}), timers, and the sorry file. Every
 * decision (PROXY header, placement, redispatch, preamble, sorry answer, accounting) is the core {@link Session}'s;
 * this class does what it asks ({@link Session.Io}) and tells it what the sockets did.
 *
 * <p>Life: accepted; a trusted client's PROXY header is read off first (with a timeout; bytes behind it go to the
 * server in the preamble); a non-blocking connect with a timeout follows, and a failure makes the session try
 * another server or answer; then bytes are spliced both ways, the preamble (PROXY header out, early client bytes)
 * sent before any relayed byte. End of stream is carried as {@code shutdown(SHUT_WR)}; a failure of either direction
 * resets both sockets (SO_LINGER 0); the sockets close when both directions have ended. Bytes are counted from the
 * relays' totals (splice bypasses user space) after every pump.
 *
 * <p>Its phases live beside it, stateless, on its own fields (no object per connection): {@link ClientPhases} the
 * PROXY header and the sorry file with its linger, {@link EpollSockets} socket setup; its place in the loop's lists
 * is {@link LoopLinks}'.
 *
 * <p>Not thread-safe; confined to its event loop.
 */
final class EpollConnection extends LoopLinks<EpollConnection> implements EpollLoop.Handler, Session.Io {
    private static final long BUDGET_BYTES = 256 * 1024;

    final EpollLoop loop;
    final EpollEngine.ServiceState state;
    final Session session;
    private final int slot;
    int clientFd;
    private int serverFd = -1;
    // epoll interest sets (EPOLLIN | EPOLLOUT | EPOLLRDHUP fit a short) and relay states (Relay's constants fit a
    // byte) are kept narrow: with the sorry file's descriptor kept by its FileSender, an entry is 112 bytes, not 128
    private short clientInterest = -1;
    private short serverInterest = -1;
    boolean awaitingHeader;
    private boolean connecting;
    private boolean connected;
    private boolean closed;
    private Relay up;
    private Relay down;
    private byte upState;
    private byte downState;
    private long upCounted;
    private long downCounted;
    private boolean upFin;
    private boolean downFin;
    private Arena preambleArena;
    FileSender sorry;
    boolean lingering;

    private EpollConnection(final EpollLoop loop, final EpollEngine.ServiceState state, final int clientFd) {
        this.loop = loop;
        this.state = state;
        this.clientFd = clientFd;
        this.session = new Session(loop.sessions, state, this);
        this.slot = loop.register(this);
    }

    /** Takes a freshly accepted client (its address in {@code loop.peer}) on its loop. */
    static void accept(final EpollLoop loop, final EpollEngine.ServiceState state, final int fd) {
        final InetSocketAddress client = loop.peer.toInetSocketAddress();
        final EpollConnection c = new EpollConnection(loop, state, fd);
        loop.live.add(c);
        try {
            c.start(client);
        } catch (final IOException | RuntimeException e) {
            loop.counters.handlerErrors.incrementAndGet();
            c.close(true);
        }
    }

    private void start(final InetSocketAddress client) throws IOException {
        final DirectorOptions o = loop.engine.runtime.options();
        // no setsockopt: the socket inherited the director's options from its listener (EpollListener.open)
        final int r = loop.sys.getsockname(clientFd, loop.local);
        if (r < 0) {
            throw new IOException("getsockname: " + Errno.name(-r));
        }
        final InetSocketAddress virtual = EpollSockets.virtualAddress(loop);
        // the client is registered with epoll only when it first needs an event (setClientInterest): one
        // epoll_ctl(ADD) with that interest instead of an ADD with none and a MOD
        if (session.start(client, virtual, loop.now)) {
            awaitingHeader = true;
            loop.awaitingHeader.add(this, loop.now + o.proxyHeaderTimeoutNs());
            setClientInterest(Linux.EPOLLIN | Linux.EPOLLRDHUP);
        }
    }

    /** Sets the client socket's interest; the first non-empty interest registers it (-1: not registered). */
    void setClientInterest(final int interest) {
        if (interest == clientInterest || clientFd < 0) {
            return;
        }
        if (clientInterest >= 0) {
            clientInterest = (short) interest;
            loop.epoll.modify(clientFd, interest, (long) slot << 1);
        } else if (interest != 0) {
            final int r = loop.epoll.add(clientFd, interest, (long) slot << 1);
            if (r < 0) {
                loop.counters.handlerErrors.incrementAndGet();
                close(true);
                return;
            }
            clientInterest = (short) interest;
        }
    }

    private void setServerInterest(final int interest) {
        if (interest != serverInterest && serverFd >= 0) {
            serverInterest = (short) interest;
            loop.epoll.modify(serverFd, interest, (long) slot << 1 | 1);
        }
    }

    // ---------------------------------------------------------------- Session.Io

    @Override
    public void connect(final InetSocketAddress to) {
        final Syscalls sys = loop.sys;
        final SockAddr a = loop.target.set(to);
        final int fd = sys.socket(a.family(), Linux.SOCK_STREAM | Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            // no socket to be had (EMFILE): this connection ends, the loop goes on
            loop.counters.handlerErrors.incrementAndGet();
            close(true);
            return;
        }
        EpollSockets.configure(sys, fd, loop.engine.runtime.options());
        serverFd = fd;
        connecting = true;
        loop.connecting.add(this, loop.now + loop.engine.runtime.options().connectTimeoutNs());
        final int r = sys.connect(fd, a);
        if (r < 0 && r != -Errno.EINPROGRESS) {
            connectFailed("connect " + to + ": " + Errno.name(-r));
            return;
        }
        final int e = loop.epoll.add(fd, Linux.EPOLLOUT, (long) slot << 1 | 1);
        if (e < 0) {
            loop.counters.handlerErrors.incrementAndGet();
            close(true);
            return;
        }
        serverInterest = Linux.EPOLLOUT;
        if (r == 0) {
            connected();
        }
    }

    @Override
    public void sendFile(final FileChannel file) {
        ClientPhases.sendFile(this, file);
    }

    // ---------------------------------------------------------------- events

    @Override
    public void onEvent(final boolean server, final int events) {
        if (closed) {
            return;
        }
        if (server && connecting) {
            finishConnect(events);
            return;
        }
        if (!server) {
            if (awaitingHeader) {
                ClientPhases.readHeader(this);
                return;
            }
            if (sorry != null) {
                ClientPhases.pumpSorry(this);
                return;
            }
            if (lingering) {
                ClientPhases.drainLingering(this);
                return;
            }
        }
        if (!connected) {
            return;
        }
        final boolean broken = (events & (Linux.EPOLLERR | Linux.EPOLLHUP)) != 0;
        final boolean readable = broken || (events & (Linux.EPOLLIN | Linux.EPOLLRDHUP)) != 0;
        final boolean writable = broken || (events & Linux.EPOLLOUT) != 0;
        if (!server) {
            if (readable && upState == Relay.WANT_READ || broken) {
                upState = (byte) up.pump();
            }
            if (writable && downState == Relay.WANT_WRITE || broken) {
                downState = (byte) down.pump();
            }
        } else {
            if (readable && downState == Relay.WANT_READ || broken) {
                downState = (byte) down.pump();
            }
            if (writable && upState == Relay.WANT_WRITE || broken) {
                upState = (byte) up.pump();
            }
        }
        settle();
    }

    /** Pumps the directions that yielded their budget (the loop calls it before its next wait). */
    void resume() {
        if (closed || !connected) {
            return;
        }
        if (upState == Relay.YIELD) {
            upState = (byte) up.pump();
        }
        if (downState == Relay.YIELD) {
            downState = (byte) down.pump();
        }
        settle();
    }

    private void settle() {
        final long u = up.bytes();
        if (u != upCounted) {
            session.clientBytes((int) (u - upCounted), loop.now);
            upCounted = u;
        }
        final long d = down.bytes();
        if (d != downCounted) {
            session.serverBytes((int) (d - downCounted), loop.now);
            downCounted = d;
        }
        if (upState == Relay.ERROR || downState == Relay.ERROR) {
            if (upState == Relay.ERROR) {
                session.clientReset(loop.now);
            } else {
                session.serverReset(loop.now);
            }
            close(true);
            return;
        }
        if (upState == Relay.DONE && !upFin) {
            upFin = true;
            session.clientFin(loop.now);
        }
        if (downState == Relay.DONE && !downFin) {
            downFin = true;
            session.serverFin(loop.now);
        }
        if (upState == Relay.DONE && downState == Relay.DONE) {
            close(false);
            return;
        }
        if (upFin) {
            down.closeFollows(); // its end closes both sockets: close(2) sends its FIN
        } else if (downFin) {
            up.closeFollows();
        }
        if (upFin && preambleArena != null) {
            preambleArena.close();
            preambleArena = null;
        }
        setClientInterest(interest(upState, downState));
        setServerInterest(interest(downState, upState));
        if (upState == Relay.YIELD || downState == Relay.YIELD) {
            loop.yielded(this);
        }
    }

    /** A socket's interest: read while its outgoing side reads, write while its incoming side writes. */
    private static int interest(final int outgoing, final int incoming) {
        return (outgoing == Relay.WANT_READ ? Linux.EPOLLIN | Linux.EPOLLRDHUP : 0)
            | (incoming == Relay.WANT_WRITE ? Linux.EPOLLOUT : 0);
    }

    void headerTimedOut() {
        session.headerTimedOut(loop.now);
    }

    private void finishConnect(final int events) {
        // EPOLLOUT alone means the connect succeeded; only EPOLLERR/EPOLLHUP need getsockopt(SO_ERROR) for the why
        if ((events & (Linux.EPOLLERR | Linux.EPOLLHUP)) != 0) {
            final int err = loop.sys.soError(serverFd);
            if (err != 0) {
                connectFailed(Errno.name(err < 0 ? -err : err));
                return;
            }
        } else if ((events & Linux.EPOLLOUT) == 0) {
            return; // not this socket's connect outcome yet
        }
        connected();
    }

    private void connected() {
        loop.connecting.remove(this);
        connecting = false;
        connected = true;
        up = loop.engine.splice.relay(loop, clientFd, serverFd, BUDGET_BYTES);
        down = loop.engine.splice.relay(loop, serverFd, clientFd, BUDGET_BYTES);
        // level-triggered: a short read means the socket is drained for now; epoll reports it again (measured:
        // 4.2 instead of 6.2 system calls per request/response round trip)
        up.stopAfterShortRead(true);
        down.stopAfterShortRead(true);
        final ByteBuffer preamble = session.connected(loop.now);
        if (preamble != null && preamble.hasRemaining()) {
            preambleArena = Arena.ofConfined();
            final MemorySegment p = preambleArena.allocate(preamble.remaining());
            MemorySegment.copy(MemorySegment.ofBuffer(preamble), 0, p, 0, preamble.remaining());
            up.prefix(p, 0, p.byteSize());
        }
        upState = (byte) up.pump();
        // the server has sent nothing yet (it was connecting): no read that would only say EAGAIN, its first bytes
        // are reported by epoll (level-triggered EPOLLIN)
        downState = Relay.WANT_READ;
        settle();
    }

    void connectTimedOut() {
        if (lingering) {
            close(false);
            return;
        }
        dropServer();
        session.connectTimedOut(loop.now);
    }

    private void connectFailed(final String why) {
        dropServer();
        session.connectFailed(why, loop.now);
    }

    private void dropServer() {
        loop.connecting.remove(this);
        connecting = false;
        serverFd = loop.sys.closeSocket(serverFd, true);
        serverInterest = -1;
    }

    @Override
    public void fail() {
        close(true);
    }

    /** The real server this connection is bound to, or null. */
    RealServer server() {
        return session.server();
    }

    @Override
    public void close(final boolean reset) {
        if (closed) {
            return;
        }
        closed = true;
        if (up != null) {
            up.release();
            down.release();
        }
        final Syscalls sys = loop.sys;
        clientFd = sys.closeSocket(clientFd, reset); // closing the last descriptor removes it from the epoll set
        serverFd = sys.closeSocket(serverFd, reset);
        if (sorry != null) {
            sys.close(sorry.fileFd());
            sorry = null;
        }
        if (preambleArena != null) {
            preambleArena.close();
            preambleArena = null;
        }
        session.closed();
        loop.connecting.remove(this);
        loop.awaitingHeader.remove(this);
        loop.unregister(slot);
        loop.live.remove(this);
        state.live.decrementAndGet();
        loop.engine.live.decrementAndGet();
    }

    @Override
    public String toString() {
        return "EpollConnection[" + session + ", " + (up == null ? "-" : up.path()) + "]";
    }
}
