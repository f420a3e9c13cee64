package io.jlvs.transport.nio;

import io.jlvs.core.session.ProxyProtocol;
import io.jlvs.core.conn.Connection;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.transport.LruLinks;
import io.jlvs.core.transport.UdpFlowImports;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;

/**
 * One UDP flow: a socket connected to the flow's real server. Datagrams from the client go out on it (after a
 * PROXY v2 DGRAM header when configured); the server's replies come in on it and go to the client from the virtual
 * address. An ICMP port unreachable from the server ({@link PortUnreachableException} on this connected socket)
 * counts like a failed connect and ends the flow, so the client's next datagram is placed again.
 *
 * <p>Not thread-safe; confined to its event loop.
 */
final class UdpFlow extends LruLinks<UdpFlow> implements Handler {
    final UdpEndpoint endpoint;
    final RealServer server;
    private final Connection conn;
    private final InetSocketAddress client;
    private final DatagramChannel channel;
    private final SelectionKey key;
    private final ByteBuffer header;
    private boolean closed;
    /** Set when the flow was imported and other loops may take it over ({@link UdpFlowImports}). */
    UdpFlowImports.Claim<EventLoop> claim;
    // one-packet flows only
    long opsKey;
    UdpFlow opsNext;

    private UdpFlow(final UdpEndpoint endpoint, final Connection conn, final RealServer server,
        final InetSocketAddress client, final DatagramChannel channel, final SelectionKey key, final ByteBuffer h) {
        this.endpoint = endpoint;
        this.conn = conn;
        this.server = server;
        this.client = client;
        this.channel = channel;
        this.key = key;
        this.header = h;
    }

    static UdpFlow open(final UdpEndpoint endpoint, final Connection conn, final RealServer server,
        final InetSocketAddress client) {
        DatagramChannel ch = null;
        try {
            final InetSocketAddress to = server.socketAddress();
            ch = DatagramChannel.open(Families.of(to.getAddress()));
            ch.configureBlocking(false);
            ch.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 1 << 20);
            ch.connect(to);
            final int version = endpoint.proxyProtocol(server);
            final ByteBuffer h = version == 0 ? null
                : ByteBuffer.wrap(ProxyProtocol.v2(client, endpoint.virtual(), false)).asReadOnlyBuffer();
            final SelectionKey key = ch.register(endpoint.loop.selector, SelectionKey.OP_READ);
            final UdpFlow flow = new UdpFlow(endpoint, conn, server, client, ch, key, h);
            key.attach(flow);
            return flow;
        } catch (final IOException e) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (final IOException ignored) {
                    // closing
                }
            }
            endpoint.loop.counters.handlerErrors.incrementAndGet();
            return null;
        }
    }

    void send(final ByteBuffer datagram) {
        try {
            if (header == null) {
                channel.write(datagram);
            } else {
                final ByteBuffer[] g = endpoint.gather();
                header.rewind();
                g[0] = header;
                g[1] = datagram;
                channel.write(g);
                g[0] = null;
                g[1] = null;
            }
        } catch (final PortUnreachableException e) {
            unreachable();
        } catch (final IOException e) {
            endpoint.loop.counters.handlerErrors.incrementAndGet();
        }
    }

    @Override
    public void handle(final SelectionKey k) {
        final EventLoop loop = endpoint.loop;
        final ByteBuffer buf = loop.scratch();
        try {
            for (int i = 0; i < 64 && !closed; i++) {
                buf.clear();
                final int n;
                try {
                    n = channel.read(buf);
                } catch (final PortUnreachableException e) {
                    unreachable();
                    return;
                }
                if (n <= 0) {
                    return;
                }
                if (conn != null) {
                    loop.table.countOut(conn, n, loop.now);
                } else {
                    loop.table.out(server.stats(), n);
                    loop.table.out(endpoint.state.service.stats(), n);
                    endpoint.touchOps(this);
                }
                buf.flip();
                endpoint.reply(buf, client);
            }
        } catch (final IOException e) {
            endpoint.loop.counters.handlerErrors.incrementAndGet();
        }
    }

    private void unreachable() {
        final EventLoop loop = endpoint.loop;
        loop.counters.udpPortUnreachable.incrementAndGet();
        loop.engine.connectFailed(endpoint.state.service, server, "ICMP port unreachable", loop.now);
        if (conn != null) {
            loop.table.remove(conn);
            close();
        } else {
            endpoint.removeOps(this);
        }
    }

    @Override
    public void fail(final Throwable cause) {
        if (conn != null) {
            endpoint.loop.table.remove(conn);
        }
        close();
    }

    /** The table expired the flow (idle for the UDP timeout). */
    void expired() {
        close();
    }

    void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (claim != null) {
            endpoint.loop.engine.flowImport.forget(claim);
        }
        if (conn != null && conn.attachment() == this) {
            conn.attachment(null);
        }
        key.cancel();
        try {
            channel.close();
        } catch (final IOException ignored) {
            // closing
        }
    }
}
