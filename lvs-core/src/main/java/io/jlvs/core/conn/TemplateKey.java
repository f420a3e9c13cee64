package io.jlvs.core.conn;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.net.Addresses;

import java.net.InetAddress;
import java.util.Arrays;

/**
 * What a persistence template is found by: protocol, the client's network (address masked with the service's
 * granularity), the virtual address, and the virtual port (0 for port-0 services and for port 21, so that FTP data
 * connections share their control connection's server, as in IPVS).
 *
 * <p>Immutable.
 */
public final class TemplateKey {
    private final Protocol protocol;
    private final byte[] clientNetwork;
    private final byte[] virtualAddress;
    private final int virtualPort;
    private final int hash;

    /**
     * Makes a key.
     *
     * @param protocol the protocol
     * @param clientNetwork the masked client address bytes
     * @param virtualAddress the virtual address bytes
     * @param virtualPort the template's virtual port
     */
    public TemplateKey(final Protocol protocol, final byte[] clientNetwork, final byte[] virtualAddress,
        final int virtualPort) {
        this.protocol = protocol;
        this.clientNetwork = clientNetwork.clone();
        this.virtualAddress = virtualAddress.clone();
        this.virtualPort = virtualPort;
        this.hash = ((protocol.hashCode() * 31 + Arrays.hashCode(clientNetwork)) * 31
            + Arrays.hashCode(virtualAddress)) * 31 + virtualPort;
    }

    /**
     * The client network.
     *
     * @return the masked address
     */
    public InetAddress clientNetwork() {
        return addr(clientNetwork);
    }

    /**
     * The virtual address.
     *
     * @return the address
     */
    public InetAddress virtualAddress() {
        return addr(virtualAddress);
    }

    /**
     * The template's virtual port.
     *
     * @return the port (0 for port-0 and FTP services)
     */
    public int virtualPort() {
        return virtualPort;
    }

    /**
     * The protocol.
     *
     * @return the protocol
     */
    public Protocol protocol() {
        return protocol;
    }

    private static InetAddress addr(final byte[] b) {
        try {
            return InetAddress.getByAddress(b);
        } catch (final java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public boolean equals(final Object o) {
        if (!(o instanceof TemplateKey)) {
            return false;
        }
        final TemplateKey k = (TemplateKey) o;
        return hash == k.hash && virtualPort == k.virtualPort && protocol == k.protocol
            && Arrays.equals(clientNetwork, k.clientNetwork) && Arrays.equals(virtualAddress, k.virtualAddress);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return protocol.label() + " " + Addresses.format(clientNetwork) + " -> "
            + Addresses.formatWithPort(virtualAddress(), virtualPort);
    }
}
