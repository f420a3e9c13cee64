package io.jlvs.transport.nio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * One direction of a proxied connection, client to server or server to client: its source and sink sockets, the
 * buffer parked when the sink took only part of a read (back-pressure: the source is not read again until the sink
 * drained it, so a direction holds at most one buffer, and none while idle), whether the last read filled its buffer
 * (the next one then uses a large buffer), and its half-close state (the source ended; the sink's output was shut).
 * A {@link ProxySession} has two and reports what they see to its core session. The sockets are the session's (no
 * copies here: 32 bytes of heap per direction instead of 40).
 *
 * <p>Not thread-safe; confined to its event loop.
 */
final class RelayDirection {
    private static final int READS_PER_EVENT = 4;

    private final ProxySession owner;
    /** True for client to server. */
    final boolean upstream;
    /** Bytes read and not yet written, or null. */
    ByteBuffer parked;
    /** Whether {@link #parked} came from the pool (a preamble does not). */
    private boolean parkedPooled;
    private boolean bulk;
    /** The source ended its stream (FIN). */
    boolean ended;
    /** The sink's output was shut down (the FIN carried through). */
    private boolean shut;

    RelayDirection(final ProxySession owner, final boolean upstream) {
        this.owner = owner;
        this.upstream = upstream;
    }

    /** {@return the socket this direction reads: the client's upstream, else the server's (null until it is open)} */
    private SocketChannel source() {
        return upstream ? owner.client : owner.backend();
    }

    /** {@return the socket this direction writes: the server's upstream (null until it is open), else the client's} */
    private SocketChannel sink() {
        return upstream ? owner.backend() : owner.client;
    }

    /** Whether the source should be read when ready: not ended, nothing parked, buffers to be had. */
    boolean wantsRead() {
        return !ended && parked == null && !owner.starved();
    }

    /** Parks bytes that are not from the pool (the preamble to a server) ahead of everything else. */
    void park(final ByteBuffer preamble) {
        parked = preamble;
        parkedPooled = false;
    }

    /** Reads from the source and writes to the sink, until the source is empty or a write is partial. */
    void read() {
        final EventLoop loop = owner.loop;
        for (int i = 0; i < READS_PER_EVENT && !owner.closed() && parked == null && !ended; i++) {
            final ByteBuffer buf = loop.pool.acquire(bulk);
            if (buf == null) {
                owner.starve();
                return;
            }
            final int n;
            try {
                n = source().read(buf);
            } catch (final IOException e) {
                loop.pool.release(buf);
                owner.reset(upstream);
                return;
            }
            if (n <= 0) {
                loop.pool.release(buf);
                if (n < 0) {
                    end();
                }
                return;
            }
            IdleTimers.readFrom(owner, upstream);
            if (upstream) {
                owner.session.clientBytes(n, loop.now);
            } else {
                owner.session.serverBytes(n, loop.now);
            }
            final boolean full = n == buf.capacity();
            bulk = full;
            buf.flip();
            try {
                sink().write(buf);
            } catch (final IOException e) {
                loop.pool.release(buf);
                owner.reset(!upstream);
                return;
            }
            IdleTimers.wroteTo(owner, !upstream);
            if (buf.hasRemaining()) {
                parked = buf;
                parkedPooled = true;
                return;
            }
            loop.pool.release(buf);
            if (!full) {
                return;
            }
        }
    }

    /** The sink is writable: writes the parked bytes, and carries a pending end through once they are out. */
    void drain() {
        if (parked != null) {
            try {
                sink().write(parked);
            } catch (final IOException e) {
                owner.reset(!upstream);
                return;
            }
            IdleTimers.wroteTo(owner, !upstream);
            if (parked.hasRemaining()) {
                return;
            }
            if (parkedPooled) {
                owner.loop.pool.release(parked);
                parked = null;
                owner.session.touch(owner.loop.now);
            } else {
                parked = null;
            }
        }
        if (ended) {
            shutSink();
        }
    }

    private void end() {
        ended = true;
        if (upstream) {
            owner.session.clientFin(owner.loop.now);
        } else {
            owner.session.serverFin(owner.loop.now);
        }
        if (parked == null) {
            shutSink();
        }
        owner.maybeFinish();
    }

    private void shutSink() {
        final SocketChannel sink = sink();
        if (!shut && sink != null && owner.sinkReady(this)) {
            shut = true;
            try {
                sink.shutdownOutput();
            } catch (final IOException e) {
                owner.reset(!upstream);
                return;
            }
        }
        owner.maybeFinish();
    }

    /** Returns a parked pool buffer (the connection is closing). */
    void release() {
        if (parked != null && parkedPooled) {
            owner.loop.pool.release(parked);
        }
        parked = null;
    }
}
