package io.jlvs.transport.epoll;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.conn.ConnState;
import io.jlvs.core.conn.Connection;
import io.jlvs.core.conn.ConnectionTable;
import io.jlvs.core.net.Addresses;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.VirtualService;
import io.jlvs.core.transport.UdpFlowImports;
import io.jlvs.transport.epoll.internal.DatagramBatch;
import io.jlvs.transport.epoll.internal.Linux;
import io.jlvs.transport.epoll.internal.NativeException;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * A UDP virtual service on one event loop: the datagram socket bound to the virtual address (one per loop with
 * {@code SO_REUSEPORT}: the kernel hashes a client's address and port to one of them, so a flow always reaches the
 * same loop and its table), registered level-triggered for {@code EPOLLIN}.
 *
 * <p>A readable socket is drained a batch per {@code recvmmsg(2)}. A datagram of a new client flow (client address
 * and port) is placed like a connection (persistence, then the scheduler) and gets a {@link UdpFlow}: a socket
 * connected to the chosen server, so the server's replies come back on it and are sent to the client from the
 * virtual address. The flow is a UDP entry of the connection table: inactive, idle timeout {@code --set udp}. With
 * one-packet scheduling every datagram is placed on its own and no entry is kept; its reply still finds the client
 * because the flow sockets are kept per (client, server) pair here, for the UDP timeout. Datagrams are sent to the
 * servers from the slots they were received in, one {@code sendmmsg(2)} per run of consecutive datagrams of a flow.
 *
 * <p>Per IPv4 datagram: one table lookup with int keys, no allocation once the flow exists, no lock. Per IPv6
 * datagram of a known flow: one lookup in this endpoint's index of its IPv6 flows ({@link Udp6Index}) by the raw
 * source address read from the batch (no Java address is made); a one-packet datagram of an IPv6 client finds its
 * pair's socket ({@link OnePacketFlows}) by the same raw address; only a new IPv6 flow or pair builds the Java
 * address. A datagram larger than a slot ({@code min(bufferSize, 65535)}) is counted ({@code udp_truncated}) and dropped, not
 * truncated. New flows above {@code maxUdpFlows} per loop are dropped and counted ({@code udp_flows_dropped}); a
 * datagram with no server to go to is counted ({@code udp_no_destination}).
 *
 * <p>Synced flows of another director enter the table through {@link #importFlow} ({@link UdpFlowImports}); a
 * datagram of a flow this loop does not have first asks {@link UdpFlowImports#claim} whether another loop imported
 * it (only while imported flows wait there).
 *
 * <p>Not thread-safe; confined to its event loop.
 */
final class UdpEndpoint implements EpollLoop.Handler, UdpFlowImports.Endpoint<EpollLoop, UdpEndpoint> {
    /** Batches read per readable event before the loop serves its other descriptors. */
    private static final int BATCHES_PER_EVENT = 4;

    final EpollLoop loop;
    final UdpLoop udp;
    final EpollEngine.ServiceState state;
    int fd;
    private final int slot;
    final InetSocketAddress virtual;
    private final boolean virtual4;
    private final int virtualFold;
    private final int virtualPort;
    /** The one-packet flows: one per (client, server), oldest use first. */
    final OnePacketFlows ops = new OnePacketFlows();
    /** IPv6 table flows by raw source address, so a known flow's datagram makes no Java address. */
    final Udp6Index index6 = new Udp6Index();

    UdpEndpoint(final EpollLoop loop, final EpollEngine.ServiceState state, final int fd,
        final InetSocketAddress virtual) throws NativeException {
        this.loop = loop;
        this.udp = loop.udp;
        this.state = state;
        this.fd = fd;
        this.virtual = virtual;
        this.virtual4 = virtual.getAddress() instanceof Inet4Address;
        this.virtualFold = Addresses.fold(state.service.key().address());
        this.virtualPort = virtual.getPort();
        this.slot = loop.register(this);
        final int r = loop.epoll.add(fd, Linux.EPOLLIN, (long) slot << 1);
        if (r < 0) {
            loop.unregister(slot);
            throw new NativeException("epoll_ctl(ADD udp)", r);
        }
    }

    @Override
    public void onEvent(final boolean server, final int events) {
        final DatagramBatch rx = udp.requests;
        for (int round = 0; round < BATCHES_PER_EVENT && fd >= 0; round++) {
            final int n = rx.receive(loop.sys, fd);
            if (n <= 0) {
                return; // EAGAIN: drained (a pending socket error is read and cleared by the call)
            }
            UdpFlow run = null;
            int runStart = 0;
            for (int i = 0; i < n; i++) {
                final UdpFlow f = route(rx, i);
                if (f != run) {
                    if (run != null) {
                        run.send(runStart, i - runStart);
                    }
                    run = f;
                    runStart = i;
                }
                if (f != null) {
                    f.prepare(rx, i, rx.length(i));
                }
            }
            if (run != null) {
                run.send(runStart, n - runStart);
            }
            if (n < rx.capacity()) {
                return;
            }
        }
    }

    /** The flow a received datagram goes to (placed if new), or null when it is dropped (and counted). */
    private UdpFlow route(final DatagramBatch rx, final int i) {
        if (rx.truncated(i)) {
            loop.counters.udpTruncated.incrementAndGet();
            return null;
        }
        final VirtualService service = state.service;
        if (service.inSorryMode()) {
            loop.counters.udpNoDestination.incrementAndGet();
            return null;
        }
        final int n = rx.length(i);
        final ConnectionTable table = loop.table;
        if (virtual4 && rx.sourceFamily(i) == Linux.AF_INET) {
            final int ca = rx.sourceIpv4(i);
            final int cp = rx.sourcePort(i);
            if (service.config().onePacket()) {
                udp.flow.setIpv4(Protocol.UDP, ca, cp, virtualFold, virtualPort);
                return onePacket(ca, cp, 0, 0, 0, null, 0, n);
            }
            final Connection c = table.lookup(Protocol.UDP, ca, cp, virtualFold, virtualPort);
            final Object a = c == null ? null : c.attachment();
            if (a instanceof UdpFlow) {
                table.countIn(c, n, loop.now);
                return (UdpFlow) a;
            }
            if (c != null) {
                table.remove(c); // an entry whose socket is gone: place the flow again
            }
            if (!mayOpen()) {
                return null;
            }
            return open4(ca, cp, n);
        }
        return route6(rx, i, n);
    }

    /** A new IPv4 flow: an imported one another loop holds, or placed by the scheduler. */
    private UdpFlow open4(final int ca, final int cp, final int n) {
        final Connection imported = imports().waiting() ? claimed(Addresses.ipv4(ca), cp) : null;
        if (imported != null) {
            return placed(imported, ca, cp, null, n);
        }
        udp.flow.setIpv4(Protocol.UDP, ca, cp, virtualFold, virtualPort);
        return placed(loop.table.open(state.service, udp.flow, Protocol.UDP, ca, cp, virtualFold, virtualPort,
            loop.now), ca, cp, null, n);
    }

    /**
     * {@link #route} for an IPv6 socket (an IPv6 client, or a v4-mapped one): a known flow, and a one-packet
     * datagram of a known (client, server) pair, are found by the raw source address without making a Java address; a
     * new flow builds it.
     */
    private UdpFlow route6(final DatagramBatch rx, final int i, final int n) {
        final VirtualService service = state.service;
        final ConnectionTable table = loop.table;
        final long hi = rx.sourceIpv6High(i);
        final long lo = rx.sourceIpv6Low(i);
        final int scope = rx.sourceIpv6Scope(i);
        final int cp6 = rx.sourcePort(i);
        if (service.config().onePacket()) {
            // the fold of the 16 address bytes, as Addresses.fold computes it
            final int cf = (int) (hi >>> 32) ^ (int) hi ^ (int) (lo >>> 32) ^ (int) lo;
            udp.flow.setFolded(Protocol.UDP, cf, cp6, virtual.getAddress(), virtualFold, virtualPort);
            return onePacket(cf, cp6, hi, lo, scope, rx, i, n);
        }
        final UdpFlow known = index6.find(hi, lo, scope, cp6);
        if (known != null) {
            table.countIn(known.conn, n, loop.now);
            return known;
        }
        // a new flow: the Java address is built
        rx.source(i, udp.address);
        final InetSocketAddress from = udp.address.toInetSocketAddress();
        final InetAddress ca = from.getAddress();
        final int cp = from.getPort();
        udp.flow.set(Protocol.UDP, ca, cp, virtual.getAddress(), virtualPort);
        final Connection c = table.lookup(Protocol.UDP, ca, cp, virtual.getAddress(), virtualPort);
        final Object a = c == null ? null : c.attachment();
        if (a instanceof UdpFlow) {
            // a flow the index missed (an imported one whose scope id the record did not carry): index it as the
            // kernel names the source, so its next datagrams take the allocation-free path
            final UdpFlow f = (UdpFlow) a;
            index6.add(f, hi, lo, scope);
            table.countIn(c, n, loop.now);
            return f;
        }
        if (c != null) {
            table.remove(c);
        }
        if (!mayOpen()) {
            return null;
        }
        final Connection imported = imports().waiting() ? claimed(ca, cp) : null;
        final UdpFlow f = placed(imported != null ? imported : table.open(service, udp.flow, Protocol.UDP, ca, cp,
            virtual.getAddress(), virtualPort, loop.now), 0, cp, from, n);
        if (f != null) {
            index6.add(f, hi, lo, scope);
        }
        return f;
    }

    private UdpFlowImports<EpollLoop, UdpEndpoint> imports() {
        return loop.engine.flowImport;
    }

    /**
     * On the new-flow path while imported flows wait: the entry of this client's flow if another loop imported it
     * (now this loop's, bound to the same server; the other loop drops its copy), else null.
     */
    private Connection claimed(final InetAddress ca, final int cp) {
        final UdpFlowImports.Claim<EpollLoop> claim = imports().claim(ca, cp, virtual.getAddress(), virtualPort,
            loop);
        if (claim == null) {
            return null;
        }
        // an imported flow another loop holds, and the kernel hands its datagrams to this loop's socket
        final EpollLoop owner = claim.owner();
        owner.execute(() -> dropClaimed(claim));
        if (!UdpFlowImports.usable(claim.server())) {
            return null;
        }
        return loop.table.importEntry(state.service, claim.server(), Protocol.UDP, ca, cp, virtual.getAddress(),
            virtualPort, Long.MAX_VALUE, loop.now);
    }

    /** On the loop that imported a flow another loop took over: drops this loop's copy. */
    private static void dropClaimed(final UdpFlowImports.Claim<EpollLoop> claim) {
        final Connection c = claim.conn();
        if (c.isTracked() && c.attachment() instanceof UdpFlow f) {
            f.drop();
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
        final long remainingNs, final UdpFlowImports<EpollLoop, UdpEndpoint> index) {
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
            virtualPort, remainingNs, loop.now);
        if (c == null) {
            return UdpFlowImports.Outcome.FAILED;
        }
        final boolean v4 = virtual4 && ca instanceof Inet4Address;
        final UdpFlow f = UdpFlow.open(this, c, server, v4 ? Addresses.fold(ca) : 0, client.getPort(),
            v4 ? null : client);
        if (f == null) {
            loop.table.remove(c);
            return UdpFlowImports.Outcome.FAILED;
        }
        c.attachment(f);
        if (!v4) {
            index6.add(f, ca);
        }
        if (index != null) {
            f.claim = index.offer(new UdpFlowImports.Key(ca, client.getPort(), va, virtualPort), loop, c, server);
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
            virtual.getAddress(), virtualPort);
        if (c == null) {
            return false;
        }
        loop.table.remove(c);
        if (c.attachment() instanceof UdpFlow f) {
            f.close();
        }
        return true;
    }

    private boolean mayOpen() {
        if (loop.table.count(ConnState.UDP) >= loop.engine.runtime.options().maxUdpFlows()) {
            loop.counters.udpFlowsDropped.incrementAndGet();
            return false;
        }
        return true;
    }

    /** A new table flow: its socket, or null (counted) when no server was available or no socket opened. */
    private UdpFlow placed(final Connection c, final int ca, final int cp, final InetSocketAddress from,
        final int n) {
        if (c == null) {
            loop.counters.udpNoDestination.incrementAndGet();
            state.noDestinationLog().warn(loop.now, state.service.config().scheduler() + ": UDP "
                + state.service.key().addressAndPort() + " - no destination available");
            return null;
        }
        final UdpFlow f = UdpFlow.open(this, c, c.server(), ca, cp, from);
        if (f == null) {
            loop.table.remove(c);
            return null;
        }
        c.attachment(f);
        loop.table.countIn(c, n, loop.now);
        return f;
    }

    /**
     * One-packet scheduling: places the datagram on its own (counted by the table; {@code udp.flow} is set) and finds
     * its pair's socket, opening one for a new (client, server) pair.
     *
     * @param hi the high half of an IPv6 client's raw address, 0 for IPv4 (so are {@code lo} and {@code scope})
     * @param rx the batch the datagram of an IPv6 client is in (its Java address is built only for a new pair), or
     *     null for IPv4
     */
    private UdpFlow onePacket(final int cf, final int cp, final long hi, final long lo, final int scope,
        final DatagramBatch rx, final int i, final int n) {
        final RealServer server = loop.table.openOnePacket(state.service, udp.flow, Protocol.UDP, cf, virtualFold,
            virtualPort, n, loop.now);
        if (server == null) {
            loop.counters.udpNoDestination.incrementAndGet();
            return null;
        }
        final long key = OnePacketFlows.key(cf, cp);
        UdpFlow f = ops.find(key, server, hi, lo, scope);
        if (f == null) {
            InetSocketAddress from = null;
            if (rx != null) {
                rx.source(i, udp.address);
                from = udp.address.toInetSocketAddress();
            }
            f = UdpFlow.open(this, null, server, cf, cp, from);
            if (f == null) {
                return null;
            }
            ops.add(f, key, hi, lo, scope, loop.now);
        } else {
            ops.touch(f, loop.now);
        }
        return f;
    }

    @Override
    public void fail() {
        // a failure drops the datagrams of this batch; the endpoint stays
    }

    /** Closes the socket and every flow of this endpoint (its service was removed, or the loop ends). */
    void close() {
        if (fd < 0) {
            return;
        }
        ops.closeAll();
        udp.closeFlows(this);
        loop.sys.close(fd);
        fd = -1;
        loop.unregister(slot);
    }
}
