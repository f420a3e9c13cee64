package io.jlvs.transport.nio;

import io.jlvs.core.transport.PausedListeners;
import io.jlvs.core.session.RateLimitedLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * A listening socket of one service on one event loop. With SO_REUSEPORT every loop has its own and the kernel
 * spreads connections over them; without it one loop accepts and hands connections to the loops in turn.
 *
 * <p>Running out of file descriptors (EMFILE/ENFILE) pauses accepting for the back-off time, counted and logged
 * at most once per interval, instead of spinning on a listener that stays readable. A service at its
 * {@code --max-conns} stops accepting (the kernel's backlog holds new clients) until a connection ends.
 *
 * <p>Not thread-safe; confined to its event loop.
 */
final class TcpListener extends PausedListeners.Pausable implements Handler {
    private static final Logger LOG = LoggerFactory.getLogger(TcpListener.class);
    private static final int ACCEPTS_PER_EVENT = 64;

    final EventLoop loop;
    final NioEngine.ServiceState state;
    final ServerSocketChannel channel;
    final boolean handsOff;
    private final SelectionKey key;
    private final RateLimitedLog fdLog;
    private int nextLoop;

    TcpListener(final EventLoop loop, final NioEngine.ServiceState state, final ServerSocketChannel channel,
        final boolean handsOff) throws IOException {
        this.loop = loop;
        this.state = state;
        this.channel = channel;
        this.handsOff = handsOff;
        this.key = channel.register(loop.selector, SelectionKey.OP_ACCEPT, this);
        this.fdLog = new RateLimitedLog(LOG, "accept paused: out of file descriptors", 5, TimeUnit.SECONDS);
    }

    static ServerSocketChannel open(final InetSocketAddress address, final boolean reusePort, final int backlog)
        throws IOException {
        final ServerSocketChannel ch = ServerSocketChannel.open(Families.of(address.getAddress()));
        try {
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            if (reusePort) {
                ch.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            }
            ch.bind(address, backlog);
            return ch;
        } catch (final IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    boolean mayAccept() {
        return state.mayAccept();
    }

    @Override
    public boolean mayResume() {
        return mayAccept();
    }

    @Override
    public void resume() {
        if (key.isValid()) {
            key.interestOps(SelectionKey.OP_ACCEPT);
        }
    }

    @Override
    public void handle(final SelectionKey k) {
        for (int i = 0; i < ACCEPTS_PER_EVENT; i++) {
            if (!mayAccept()) {
                loop.counters.maxConnsPauses.incrementAndGet();
                key.interestOps(0);
                loop.pause(this, loop.now);
                return;
            }
            final SocketChannel c;
            try {
                c = channel.accept();
            } catch (final IOException e) {
                final String m = String.valueOf(e.getMessage());
                if (m.contains("Too many open files")) {
                    loop.counters.acceptPauses.incrementAndGet();
                    fdLog.warn(loop.now, state.service.key() + ": " + m);
                    key.interestOps(0);
                    loop.pause(this, loop.now + loop.engine.runtime.options().acceptBackoffNs());
                    return;
                }
                throw new IllegalStateException("accept on " + state.service.key() + ": " + e, e);
            }
            if (c == null) {
                return;
            }
            loop.counters.accepted.incrementAndGet();
            state.live.incrementAndGet();
            loop.engine.live.incrementAndGet();
            if (handsOff) {
                final EventLoop[] loops = loop.engine.loops;
                final EventLoop target = loops[nextLoop++ % loops.length];
                if (target == loop) {
                    ProxySession.accept(loop, state, c);
                } else {
                    target.execute(() -> ProxySession.accept(target, state, c));
                }
            } else {
                ProxySession.accept(loop, state, c);
            }
        }
    }

    @Override
    public void fail(final Throwable cause) {
        // a listener error is logged by the loop; the listener stays open
    }

    void close() {
        key.cancel();
        try {
            channel.close();
        } catch (final IOException ignored) {
            // closing
        }
    }
}
