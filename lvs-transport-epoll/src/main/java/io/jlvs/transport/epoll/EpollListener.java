package io.jlvs.transport.epoll;

import io.jlvs.core.transport.PausedListeners;
import io.jlvs.core.session.RateLimitedLog;
import io.jlvs.transport.epoll.internal.Errno;
import io.jlvs.transport.epoll.internal.Linux;
import io.jlvs.transport.epoll.internal.NativeException;
import io.jlvs.transport.epoll.internal.SockAddr;
import io.jlvs.transport.epoll.internal.Syscalls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * A listening socket of one service on one event loop, opened with {@code SO_REUSEPORT} so every loop has its own
 * and the kernel spreads connections over them. Registered level-triggered for {@code EPOLLIN}. The director's
 * socket options are set on the listener, and accepted sockets inherit them.
 *
 * <p>Running out of file descriptors (EMFILE/ENFILE from {@code accept4}) pauses accepting for the back-off time
 * (the interest set is emptied, so the readable listener does not spin), counted and logged at most once per
 * interval. A service at its {@code --max-conns} stops accepting the same way (the kernel's backlog holds new
 * clients) until a connection ends.
 *
 * <p>Not thread-safe; confined to its event loop.
 */
final class EpollListener extends PausedListeners.Pausable implements EpollLoop.Handler {
    private static final Logger LOG = LoggerFactory.getLogger(EpollListener.class);
    private static final int ACCEPTS_PER_EVENT = 64;

    final EpollLoop loop;
    final EpollEngine.ServiceState state;
    private int fd;
    private final int slot;
    private final RateLimitedLog fdLog;

    private EpollListener(final EpollLoop loop, final EpollEngine.ServiceState state, final int fd)
        throws NativeException {
        this.loop = loop;
        this.state = state;
        this.fd = fd;
        this.slot = loop.register(this);
        this.fdLog = new RateLimitedLog(LOG, "accept paused: out of file descriptors", 5, TimeUnit.SECONDS);
        final int r = loop.epoll.add(fd, Linux.EPOLLIN, (long) slot << 1);
        if (r < 0) {
            loop.unregister(slot);
            throw new NativeException("epoll_ctl(ADD listener)", r);
        }
    }

    /**
     * Opens, binds and registers a listener on the loop thread.
     *
     * @param address where to listen (a port 0 takes an ephemeral port)
     * @return the listener
     * @throws NativeException if a call fails (the socket is closed then)
     */
    static EpollListener open(final EpollLoop loop, final EpollEngine.ServiceState state,
        final InetSocketAddress address, final int backlog) throws NativeException {
        final Syscalls sys = loop.sys;
        final SockAddr a = loop.target.set(address);
        final int fd = NativeException.check("socket", sys.socket(a.family(),
            Linux.SOCK_STREAM | Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC, 0));
        try {
            NativeException.check("setsockopt(SO_REUSEADDR)", sys.setsockopt(fd, Linux.SOL_SOCKET,
                Linux.SO_REUSEADDR, 1));
            NativeException.check("setsockopt(SO_REUSEPORT)", sys.setsockopt(fd, Linux.SOL_SOCKET,
                Linux.SO_REUSEPORT, 1));
            // accept4 gives each client socket a clone of the listener: TCP_NODELAY, SO_KEEPALIVE and the buffer sizes
            // set here are the accepted sockets' too (EpollSocketsTest checks it), so no setsockopt per connection
            EpollSockets.configure(sys, fd, loop.engine.runtime.options());
            NativeException.check("bind " + address, sys.bind(fd, a));
            NativeException.check("listen", sys.listen(fd, backlog));
            return new EpollListener(loop, state, fd);
        } catch (final NativeException | RuntimeException e) {
            sys.close(fd);
            throw e;
        }
    }

    /** {@return the address the socket is bound to} */
    InetSocketAddress localAddress() throws NativeException {
        NativeException.check("getsockname", loop.sys.getsockname(fd, loop.local));
        return loop.local.toInetSocketAddress();
    }

    @Override
    public boolean mayResume() {
        return state.mayAccept();
    }

    @Override
    public void resume() {
        if (fd >= 0) {
            loop.epoll.modify(fd, Linux.EPOLLIN, (long) slot << 1);
        }
    }

    private void stopReading() {
        loop.epoll.modify(fd, 0, (long) slot << 1);
    }

    @Override
    public void onEvent(final boolean server, final int events) {
        final Syscalls sys = loop.sys;
        for (int i = 0; i < ACCEPTS_PER_EVENT && fd >= 0; i++) {
            if (!state.mayAccept()) {
                loop.counters.maxConnsPauses.incrementAndGet();
                stopReading();
                loop.pause(this, loop.now);
                return;
            }
            final int c = sys.accept4(fd, loop.peer, Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC);
            if (c == -Errno.EAGAIN) {
                return;
            }
            if (c == -Errno.EMFILE || c == -Errno.ENFILE) {
                // pause first: with no descriptor free, even loading a class for the log line can fail
                stopReading();
                loop.pause(this, loop.now + loop.engine.runtime.options().acceptBackoffNs());
                loop.counters.acceptPauses.incrementAndGet();
                fdLog.warn(loop.now, state.service.key() + ": accept4: " + Errno.name(-c));
                return;
            }
            if (c < 0) {
                // ECONNABORTED, EPROTO, ENOBUFS...: that client is gone or the kernel is short; try the next
                LOG.debug("{}: accept4: {}", state.service.key(), Errno.name(-c));
                continue;
            }
            loop.counters.accepted.incrementAndGet();
            state.live.incrementAndGet();
            loop.engine.live.incrementAndGet();
            EpollConnection.accept(loop, state, c);
        }
    }

    @Override
    public void fail() {
        // a listener error is logged by the loop; the listener stays open
    }

    void close() {
        if (fd >= 0) {
            loop.sys.close(fd);
            fd = -1;
            loop.unregister(slot);
        }
    }
}
