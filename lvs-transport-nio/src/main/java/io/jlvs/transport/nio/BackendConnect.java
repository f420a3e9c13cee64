package io.jlvs.transport.nio;

import io.jlvs.core.config.Extensions;
import io.jlvs.core.config.SourceAddresses;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.transport.DirectorOptions;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnsupportedAddressTypeException;

/**
 * The connect phase of a proxied connection, once its session has picked a real server: open the server's socket,
 * bind it to the next source address of the service's pool (each address of the pool tried once when ports run
 * out), start the non-blocking connect with the connect timeout and register for its completion. A shortage of
 * local addresses or ports is the director's failure, told to the session as such, not the server's. Stateless:
 * what it opens is kept in the {@link ProxySession}'s fields.
 *
 * <p>Not thread-safe; runs on the session's event loop.
 */
final class BackendConnect {
    private BackendConnect() {
    }

    /** Opens the real server's socket (bound to a source address when the service names a pool) and connects. */
    static void connect(final ProxySession s, final InetSocketAddress to) {
        final EventLoop loop = s.loop;
        final DirectorOptions o = loop.engine.runtime.options();
        final RealServer target = s.session.target();
        final SourceAddresses addresses = target == null ? null
            : Extensions.sourceAddresses(s.state.service.config(), target.config());
        final SourcePool pool = addresses == null ? null : loop.sourcePool(addresses);
        final int attempts = pool == null ? 1 : pool.size();
        Exception shortage = null;
        for (int i = 0; i < attempts; i++) {
            final InetSocketAddress from = pool == null ? null : pool.next();
            try {
                s.backend = SocketChannel.open(Families.of(to.getAddress()));
                s.backend.configureBlocking(false);
                NioSockets.configure(s.backend, o);
                if (from != null) {
                    // SO_REUSEADDR: a port whose last connection is in TIME_WAIT may be taken again
                    s.backend.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                    s.backend.bind(from);
                }
            } catch (final BindException | UnsupportedAddressTypeException e) {
                // this source address has no free port (EADDRINUSE) or is gone: try the next one
                shortage = e;
                s.dropBackend();
                continue;
            } catch (final IOException e) {
                // no socket to be had (EMFILE): this connection ends, the loop goes on
                loop.counters.handlerErrors.incrementAndGet();
                loop.handlerFailed(e);
                s.dropBackend();
                s.close(true);
                return;
            }
            s.connecting = true;
            loop.connecting.add(s, loop.now + o.connectTimeoutNs());
            final boolean done;
            try {
                done = s.backend.connect(to);
            } catch (final BindException e) {
                // EADDRNOTAVAIL: no local port left for this destination (a local shortage, not the server's fault)
                shortage = e;
                s.dropBackend();
                continue;
            } catch (final IOException e) {
                s.connectFailed(e.toString());
                return;
            }
            registerBackend(s, done);
            return;
        }
        s.session.localFailure("TCP " + s.state.service.key().addressAndPort() + " -> "
            + to.getAddress().getHostAddress() + ":" + to.getPort() + ": " + shortage + " (source " + (addresses == null
            ? "ephemeral ports of the default address; see net.ipv4.ip_local_port_range or set --source-addresses"
            : "addresses " + addresses + ", all " + attempts + " tried") + ")", loop.now);
    }

    private static void registerBackend(final ProxySession s, final boolean done) {
        final EventLoop loop = s.loop;
        try {
            s.backendKey = s.backend.register(loop.selector, SelectionKey.OP_CONNECT, s);
        } catch (final IOException e) {
            s.close(true);
            return;
        }
        s.backendOps = SelectionKey.OP_CONNECT;
        if (done) {
            s.connected();
        }
    }
}
