package io.jlvs.core.conn;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.net.Addresses;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.VirtualService;

import java.net.InetAddress;

/**
 * One tracked connection (or UDP flow): its addresses, the real server and service it is bound to, its state, its
 * persistence template if any, its counters, and its creation and last-activity times.
 *
 * <p>Not thread-safe: owned by the event loop of its {@link ConnectionTable} (single writer). The table's listing
 * reads it on that same thread.
 */
public class Connection {
    final Protocol protocol;
    final int clientAddress;
    final int virtualAddress;
    final char clientPort;
    final char virtualPort;
    ConnState state;
    boolean hashed;
    final VirtualService service;
    RealServer server;
    Template template;
    Object attachment;
    Connection hashNext;
    Connection prev;
    Connection next;
    final int createdSeconds;
    int inPackets;
    int outPackets;
    long lastActivityNs;
    long inBytes;
    long outBytes;

    Connection(final Protocol protocol, final int clientAddress, final int clientPort, final int virtualAddress,
        final int virtualPort, final VirtualService service, final RealServer server, final int createdSeconds) {
        this.protocol = protocol;
        this.clientAddress = clientAddress;
        this.clientPort = (char) clientPort;
        this.virtualAddress = virtualAddress;
        this.virtualPort = (char) virtualPort;
        this.service = service;
        this.server = server;
        this.createdSeconds = createdSeconds;
        this.state = protocol == Protocol.UDP ? ConnState.UDP : ConnState.NONE;
    }

    /**
     * The protocol.
     *
     * @return TCP or UDP
     */
    public Protocol protocol() {
        return protocol;
    }

    /**
     * The client's address.
     *
     * @return the address
     */
    public InetAddress clientAddress() {
        return Addresses.ipv4(clientAddress);
    }

    /**
     * The client's port.
     *
     * @return the port
     */
    public int clientPort() {
        return clientPort;
    }

    /**
     * The virtual address.
     *
     * @return the address
     */
    public InetAddress virtualAddress() {
        return Addresses.ipv4(virtualAddress);
    }

    /**
     * The virtual port.
     *
     * @return the port
     */
    public int virtualPort() {
        return virtualPort;
    }

    /**
     * The service.
     *
     * @return the service
     */
    public VirtualService service() {
        return service;
    }

    /**
     * The real server this connection is bound to.
     *
     * @return the server
     */
    public RealServer server() {
        return server;
    }

    /**
     * The state.
     *
     * @return the state
     */
    public ConnState state() {
        return state;
    }

    /**
     * The persistence template this connection belongs to.
     *
     * @return the template, or null
     */
    public Template template() {
        return template;
    }

    /**
     * The transport's object for this connection (its sockets), or null once they are closed.
     *
     * @return the attachment
     */
    public Object attachment() {
        return attachment;
    }

    /**
     * Sets the transport's object; null once the sockets are closed.
     *
     * @param attachment the attachment
     */
    public void attachment(final Object attachment) {
        this.attachment = attachment;
    }

    /**
     * When the entry was created, in whole seconds of the table's clock.
     *
     * @return seconds
     */
    public int createdSeconds() {
        return createdSeconds;
    }

    /**
     * The last activity, in nanoseconds of the table's clock.
     *
     * @return nanoseconds
     */
    public long lastActivityNs() {
        return lastActivityNs;
    }

    /**
     * Client-to-server packets (reads).
     *
     * @return the count
     */
    public int inPackets() {
        return inPackets;
    }

    /**
     * Server-to-client packets (reads).
     *
     * @return the count
     */
    public int outPackets() {
        return outPackets;
    }

    /**
     * Client-to-server bytes.
     *
     * @return the count
     */
    public long inBytes() {
        return inBytes;
    }

    /**
     * Server-to-client bytes.
     *
     * @return the count
     */
    public long outBytes() {
        return outBytes;
    }

    /**
     * Whether the entry is still in its table.
     *
     * @return true while tracked
     */
    public boolean isTracked() {
        return hashed;
    }

    boolean matches(final Protocol p, final int ca, final int cp, final int va, final int vp) {
        return clientAddress == ca && clientPort == cp && virtualAddress == va && virtualPort == vp && protocol == p
            && !isIpv6();
    }

    boolean isIpv6() {
        return false;
    }

    /** An IPv6 entry: indexed by folded addresses, matched on the full ones. */
    static final class V6 extends Connection {
        final InetAddress client;
        final InetAddress virtual;

        V6(final Protocol protocol, final InetAddress client, final int clientPort, final InetAddress virtual,
            final int virtualPort, final VirtualService service, final RealServer server, final int createdSeconds) {
            super(protocol, Addresses.fold(client), clientPort, Addresses.fold(virtual), virtualPort, service, server,
                createdSeconds);
            this.client = client;
            this.virtual = virtual;
        }

        @Override
        boolean isIpv6() {
            return true;
        }

        boolean matches6(final Protocol p, final InetAddress ca, final int cp, final InetAddress va, final int vp) {
            return clientPort == cp && virtualPort == vp && protocol == p && client.equals(ca) && virtual.equals(va);
        }

        @Override
        public InetAddress clientAddress() {
            return client;
        }

        @Override
        public InetAddress virtualAddress() {
            return virtual;
        }
    }

    @Override
    public String toString() {
        return protocol.label() + " " + Addresses.formatWithPort(clientAddress(), clientPort) + " -> "
            + Addresses.formatWithPort(virtualAddress(), virtualPort) + " -> "
            + (server == null ? "-" : server.addressAndPort()) + " " + state.ipvsName();
    }
}
