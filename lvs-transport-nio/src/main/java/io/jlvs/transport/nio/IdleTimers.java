package io.jlvs.transport.nio;

import io.jlvs.core.config.Extensions;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.session.Session;

/**
 * The idle-timer policy of a proxied connection ({@code --timeout-client}, {@code -server}, {@code -tunnel},
 * {@code -first-byte}): which of its {@link IdleTimer}s starts, restarts or stops when the connection is accepted,
 * connects, reads and writes. The timers are fields of the {@link ProxySession} (null unless the service sets the
 * timeout); this class has no state and makes no object per connection beyond the timers a service asks for.
 *
 * <p>Not thread-safe; runs on the session's event loop.
 */
final class IdleTimers {
    private IdleTimers() {
    }

    /** A new connection: makes the timers its service sets; the client's starts now. */
    static void arm(final ProxySession s, final VirtualServiceConfig cfg) {
        s.clientIdle = timer(s, cfg, Extensions.TIMEOUT_CLIENT, Session.IdleTimeout.CLIENT);
        s.serverIdle = timer(s, cfg, Extensions.TIMEOUT_SERVER, Session.IdleTimeout.SERVER);
        s.tunnelIdle = timer(s, cfg, Extensions.TIMEOUT_TUNNEL, Session.IdleTimeout.TUNNEL);
        s.firstByte = timer(s, cfg, Extensions.TIMEOUT_FIRST_BYTE, Session.IdleTimeout.FIRST_BYTE);
        if (s.clientIdle != null) {
            s.clientIdle.touch(s.loop.now);
        }
    }

    private static IdleTimer timer(final ProxySession s, final VirtualServiceConfig cfg, final String option,
        final Session.IdleTimeout kind) {
        final long ns = Extensions.idleTimeoutNs(cfg, option);
        return ns <= 0 ? null : new IdleTimer(s, kind, s.loop.idleList(ns));
    }

    /** The server accepted: the tunnel timer replaces the client's, or the server's starts; so does the first byte. */
    static void connected(final ProxySession s) {
        final long now = s.loop.now;
        if (s.tunnelIdle != null) {
            if (s.clientIdle != null) {
                s.clientIdle.disarm();
            }
            s.tunnelIdle.touch(now);
        } else if (s.serverIdle != null) {
            s.serverIdle.touch(now);
        }
        if (s.firstByte != null) {
            s.firstByte.touch(now);
        }
    }

    /** Bytes were read from one side: its timer (or the tunnel's) starts again; the first server byte ends that one. */
    static void readFrom(final ProxySession s, final boolean clientSide) {
        touchSide(s, clientSide);
        if (!clientSide && s.firstByte != null) {
            s.firstByte.disarm();
            s.firstByte = null;
        }
    }

    /**
     * Bytes were written to one side: as a read for the idle timers; a write to the server restarts the first-byte
     * wait.
     */
    static void wroteTo(final ProxySession s, final boolean clientSide) {
        touchSide(s, clientSide);
        if (!clientSide && s.firstByte != null && s.firstByte.armed()) {
            s.firstByte.touch(s.loop.now);
        }
    }

    /** Activity on one side: the tunnel timer when it runs, else that side's (the server's only once armed). */
    private static void touchSide(final ProxySession s, final boolean clientSide) {
        final long now = s.loop.now;
        if (s.tunnelIdle != null && s.tunnelIdle.armed()) {
            s.tunnelIdle.touch(now);
        } else if (clientSide) {
            if (s.clientIdle != null) {
                s.clientIdle.touch(now);
            }
        } else if (s.serverIdle != null && s.serverIdle.armed()) {
            s.serverIdle.touch(now);
        }
    }

    /** The connection closes: every timer it has stops. */
    static void disarmAll(final ProxySession s) {
        disarm(s.clientIdle);
        disarm(s.serverIdle);
        disarm(s.tunnelIdle);
        disarm(s.firstByte);
    }

    private static void disarm(final IdleTimer t) {
        if (t != null) {
            t.disarm();
        }
    }
}
