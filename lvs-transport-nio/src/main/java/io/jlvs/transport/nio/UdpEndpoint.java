package io.jlvs.transport.nio;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.config.Extensions;
import io.jlvs.core.conn.ConnState;
import io.jlvs.core.conn.Connection;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.VirtualService;
import io.jlvs.core.transport.LruList;
import io.jlvs.core.transport.UdpFlowImports;
import org.agrona.collections.Long2ObjectHashMap;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;

/**
 * A UDP virtual service on one event loop: the socket bound to the virtual address (one per loop with
 * SO_REUSEPORT), and the flows it feeds.
 *
 * <p>A datagram from a new client flow (client address and port) is placed like a connection (persistence, then
 * the scheduler) and gets its own socket connected to the chosen real server, so the server's replies come back on
 * that socket and are sent to the client from the virtual address. The flow is a UDP entry of the connection
 * table: always inactive, idle timeout {@code --set udp} (300 s by default). With one-packet scheduling every
 * datagram is placed on its own; its reply still finds the client because the per-flow sockets are kept per
 * (client, server) pair.
 *
 * <p>Synced flows of another director enter the table through {@link #importFlow} ({@link UdpFlowImports}); a
 * datagram of a flow this loop does not have first asks {@link UdpFlowImports#claim} whether another loop imported
 * it (only while imported flows are waiting there).
 *
 * <p>Per datagram: one table lookup with int keys (IPv4), no allocation once the flow exists (the JDK caches the
 * last sender's address), no lock. A datagram larger than the buffer is counted and dropped, not truncated. New
 * flows above the configured maximum are dropped and counted.
 *
 * <p>Not thread-safe; confined to its event loop.
 */
final class UdpEndpoint implements Handler, UdpFlowImports.Endpoint<EventLoop, UdpEndpoint> {
    private static final int DATAGRAMS_PER_EVENT = 64;

    final EventLoop loop;
    final NioEngine.ServiceState state;
    final DatagramChannel channel;
    private final SelectionKey key;
    private final ByteBuffer buffer;
    private final int maxDatagram;
    private final InetSocketAddress virtual;
    private final int virtualFold;
    private final ByteBuffer[] gather = new ByteBuffer[2];
    /** One-packet flows by client (address, port); a chain per client, one flow per server. */
    private final Long2ObjectHashMap<UdpFlow> opsFlows = new Long2ObjectHashMap<>();
    /** The one-packet flows, oldest use first, for their idle timeout (the UDP timeout). */
    private final LruList<UdpFlow> ops = new LruList<>();

    UdpEndpoint(final EventLoop loop, final NioEngine.ServiceState state, final DatagramChannel channel)
        throws IOException {
        this.loop = loop;
        this.state = state;
        this.channel = channel;
        this.maxDatagram = loop.pool.bufferSize();
        this.buffer = ByteBuffer.allocateDirect(maxDatagram + 1);
        this.virtual = (InetSocketAddress) channel.getLocalAddress();
        this.virtualFold = io.jlvs.core.net.Addresses.fold(state.service.key().address());
        this.key = channel.register(loop.selector, SelectionKey.OP_READ, this);
    }

    static DatagramChannel open(final InetSocketAddress address, final boolean reusePort, final int rcvBuf)
        throws IOException {
        final DatagramChannel ch = DatagramChannel.open(Families.of(address.getAddress()));
        try {
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            if (reusePort) {
                ch.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            }
            // a deep receive queue absorbs bursts while the loop is busy elsewhere (the kernel caps it at rmem_max)
            ch.setOption(StandardSocketOptions.SO_RCVBUF, rcvBuf > 0 ? rcvBuf : 4 << 20);
            ch.bind(address);
            return ch;
        } catch (final IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    static int ipv4(final InetAddress a) {
        return a.hashCode(); // Inet4Address.hashCode() is its address as a big-endian int: no allocation
    }

    @Override
    public void handle(final SelectionKey k) {
        for (int i = 0; i < DATAGRAMS_PER_EVENT; i++) {
            buffer.clear();
            final InetSocketAddress from;
            try {
                from = (InetSocketAddress) channel.receive(buffer);
            } catch (final IOException e) {
                return;
            }
            if (from == null) {
                return;
            }
            final int n = buffer.position();
            if (n > maxDatagram) {
                loop.counters.udpTruncated.incrementAndGet();
                continue;
            }
            buffer.flip();
            datagram(from, n);
        }
    }

    private void datagram(final InetSocketAddress from, final int n) {
        final InetAddress ca = from.getAddress();
        final VirtualService service = state.service;
        if (service.inSorryMode()) {
            loop.counters.udpNoDestination.incrementAndGet();
            return;
        }
        final boolean v4 = ca instanceof Inet4Address && virtual.getAddress() instanceof Inet4Address;
        final int vport = virtual.getPort();
        if (service.config().onePacket()) {
            onePacket(from, n, v4);
            return;
        }
        Connection c = v4 ? loop.table.lookup(Protocol.UDP, ipv4(ca), from.getPort(), virtualFold, vport)
            : loop.table.lookup(Protocol.UDP, ca, from.getPort(), virtual.getAddress(), vport);
        UdpFlow flow = c == null ? null : (UdpFlow) c.attachment();
        if (flow == null) {
            if (c != null) {
                loop.table.remove(c); // an entry whose socket is gone: place the flow again
            }
            if (loop.table.count(ConnState.UDP) >= loop.engine.runtime.options().maxUdpFlows()) {
                loop.counters.udpFlowsDropped.incrementAndGet();
                return;
            }
            final UdpFlowImports.Claim<EventLoop> claim = loop.engine.flowImport.claim(ca, from.getPort(),
                virtual.getAddress(), vport, loop);
            if (claim != null) {
                // an imported flow another loop holds, and the kernel hands its datagrams to this loop's socket
                final EventLoop owner = claim.owner();
                owner.execute(() -> dropClaimed(owner, claim));
            }
            if (claim != null && UdpFlowImports.usable(claim.server())) {
                c = loop.table.importEntry(service, claim.server(), Protocol.UDP, ca, from.getPort(),
                    virtual.getAddress(), vport, Long.MAX_VALUE, loop.now);
            } else if (v4) {
                loop.flow.setIpv4(Protocol.UDP, ipv4(ca), from.getPort(), virtualFold, vport);
                c = loop.table.open(service, loop.flow, Protocol.UDP, ipv4(ca), from.getPort(), virtualFold, vport,
                    loop.now);
            } else {
                loop.flow.set(Protocol.UDP, ca, from.getPort(), virtual.getAddress(), vport);
                c = loop.table.open(service, loop.flow, Protocol.UDP, ca, from.getPort(), virtual.getAddress(),
                    vport, loop.now);
            }
            if (c == null) {
                loop.counters.udpNoDestination.incrementAndGet();
                state.noDestinationLog().warn(loop.now, service.config().scheduler() + ": UDP "
                    + service.key().addressAndPort() + " - no destination available");
                return;
            }
            flow = UdpFlow.open(this, c, c.server(), from);
            if (flow == null) {
                loop.table.remove(c);
                return;
            }
            c.attachment(flow);
        }
        loop.table.countIn(c, n, loop.now);
        flow.send(buffer);
    }

    /** On the loop that imported a flow another loop took over: drops this loop's copy. */
    private static void dropClaimed(final EventLoop owner, final UdpFlowImports.Claim<EventLoop> claim) {
        final Connection c = claim.conn();
        if (c.isTracked() && c.attachment() instanceof UdpFlow f) {
            owner.table.remove(c);
            f.close();
        }
    }

    @Override
    public VirtualService service() {
        return state.service;
    }

    /**
     * Imports a synced flow into this loop's table ({@link UdpFlowImports}): bound to {@code server}, with the
     * remaining timeout, and its socket to the server open. Call on this loop, after {@link #evict}.
     *
     * @param index where to offer the flow to the other loops reading this address, or null when none does
     */
    @Override
    public UdpFlowImports.Outcome importFlow(final InetSocketAddress client, final RealServer server,
        final long remainingNs, final UdpFlowImports<EventLoop, UdpEndpoint> index) {
        if (!UdpFlowImports.usable(server)) {
            return UdpFlowImports.Outcome.SERVER_GONE;
        }
        if (loop.table.count(ConnState.UDP) >= loop.engine.runtime.options().maxUdpFlows()) {
            loop.counters.udpFlowsDropped.incrementAndGet();
            return UdpFlowImports.Outcome.TABLE_FULL;
        }
        final InetAddress ca = client.getAddress();
        final InetAddress va = virtual.getAddress();
        final Connection c = loop.table.importEntry(state.service, server, Protocol.UDP, ca, client.getPort(), va,
            virtual.getPort(), remainingNs, loop.now);
        if (c == null) {
            return UdpFlowImports.Outcome.FAILED;
        }
        final UdpFlow flow = UdpFlow.open(this, c, server, client);
        if (flow == null) {
            loop.table.remove(c);
            return UdpFlowImports.Outcome.FAILED;
        }
        c.attachment(flow);
        if (index != null) {
            flow.claim = index.offer(new UdpFlowImports.Key(ca, client.getPort(), va, virtual.getPort()), loop, c,
                server);
        }
        return UdpFlowImports.Outcome.IMPORTED;
    }

    /**
     * Removes this loop's entry of a client's flow, if it has one (made by a datagram that came before the import),
     * closing its socket. Call on this loop.
     *
     * @return whether there was one
     */
    @Override
    public boolean evict(final InetSocketAddress client) {
        final Connection c = loop.table.lookup(Protocol.UDP, client.getAddress(), client.getPort(),
            virtual.getAddress(), virtual.getPort());
        if (c == null) {
            return false;
        }
        loop.table.remove(c);
        if (c.attachment() instanceof UdpFlow f) {
            f.close();
        }
        return true;
    }

    private void onePacket(final InetSocketAddress from, final int n, final boolean v4) {
        final InetAddress ca = from.getAddress();
        final int cf = v4 ? ipv4(ca) : io.jlvs.core.net.Addresses.fold(ca);
        if (v4) {
            loop.flow.setIpv4(Protocol.UDP, cf, from.getPort(), virtualFold, virtual.getPort());
        } else {
            loop.flow.set(Protocol.UDP, ca, from.getPort(), virtual.getAddress(), virtual.getPort());
        }
        final RealServer server = loop.table.openOnePacket(state.service, loop.flow, Protocol.UDP, cf,
            virtualFold, virtual.getPort(), n, loop.now);
        if (server == null) {
            loop.counters.udpNoDestination.incrementAndGet();
            return;
        }
        final long k = (cf & 0xffffffffL) << 16 | from.getPort();
        UdpFlow f = opsFlows.get(k);
        while (f != null && f.server != server) {
            f = f.opsNext;
        }
        if (f == null) {
            f = UdpFlow.open(this, null, server, from);
            if (f == null) {
                return;
            }
            f.opsKey = k;
            f.opsNext = opsFlows.get(k);
            opsFlows.put(k, f);
            ops.add(f, loop.now);
        } else {
            touchOps(f);
        }
        f.send(buffer);
    }

    /** A one-packet flow was used: it moves to the young end. */
    void touchOps(final UdpFlow f) {
        ops.touch(f, loop.now);
    }

    /** Expires idle one-packet flows; returns how many. */
    int expireOps(final long now, final long timeoutNs, final int limit) {
        int n = 0;
        for (UdpFlow f; n < limit && (f = ops.expired(now, timeoutNs)) != null; n++) {
            removeOps(f);
        }
        return n;
    }

    void removeOps(final UdpFlow f) {
        ops.remove(f);
        UdpFlow head = opsFlows.get(f.opsKey);
        if (head == f) {
            if (f.opsNext == null) {
                opsFlows.remove(f.opsKey);
            } else {
                opsFlows.put(f.opsKey, f.opsNext);
            }
        } else {
            while (head != null && head.opsNext != f) {
                head = head.opsNext;
            }
            if (head != null) {
                head.opsNext = f.opsNext;
            }
        }
        f.close();
    }

    /** Sends a reply to a client from the virtual address. */
    void reply(final ByteBuffer data, final InetSocketAddress client) {
        try {
            channel.send(data, client);
        } catch (final IOException e) {
            // the client is gone; UDP has nothing to report to
        }
    }

    int proxyProtocol(final RealServer server) {
        return Extensions.proxyProtocol(state.service.config(), server.config());
    }

    InetSocketAddress virtual() {
        return virtual;
    }

    ByteBuffer[] gather() {
        return gather;
    }

    @Override
    public void fail(final Throwable cause) {
        // per-datagram failures drop the datagram; the endpoint stays
    }

    void close() {
        key.cancel();
        while (!ops.isEmpty()) {
            removeOps(ops.oldest());
        }
        try {
            channel.close();
        } catch (final IOException ignored) {
            // closing
        }
    }
}
