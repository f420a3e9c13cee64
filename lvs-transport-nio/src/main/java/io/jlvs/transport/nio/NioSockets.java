package io.jlvs.transport.nio;

import io.jlvs.core.transport.DirectorOptions;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * What a proxied connection does to its two sockets beside relaying: applying the director's socket options, and
 * closing one (with a FIN, or a reset) cheaply. Stateless.
 *
 * <p>Not thread-safe; runs on the event loop that owns the socket.
 */
final class NioSockets {
    private NioSockets() {
    }

    /** Applies the director's socket options to a client or server socket. */
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

    /**
     * Cancels the key, sets SO_LINGER 0 for a reset, and leaves the close to the loop once its selector has dropped
     * the registration: the JDK closes a registered channel by reading SO_LINGER and shutting the output down first,
     * two system calls per socket that a deregistered close does without (the FIN or, with linger 0, the RST is the
     * same).
     */
    static void closeQuietly(final EventLoop loop, final SelectionKey key, final SocketChannel ch,
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
}
