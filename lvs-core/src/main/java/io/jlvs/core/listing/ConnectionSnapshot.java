package io.jlvs.core.listing;

import io.jlvs.core.net.Addresses;

import java.net.InetAddress;

/**
 * One row of {@code ipvsadm -Lnc}: a connection or a persistence template.
 *
 * <p>Immutable.
 *
 * @param protocol {@code TCP}, {@code UDP} (or {@code IP} for fwmark templates)
 * @param expireSeconds whole seconds until the entry expires
 * @param state the state name, for example {@code ESTABLISHED}, {@code UDP}, {@code NONE} or {@code ASSURED}
 * @param clientAddress client address
 * @param clientPort client port (0 for templates)
 * @param virtualAddress virtual address
 * @param virtualPort virtual port
 * @param serverAddress real server address
 * @param serverPort real server port
 */
public record ConnectionSnapshot(String protocol, long expireSeconds, String state, InetAddress clientAddress,
    int clientPort, InetAddress virtualAddress, int virtualPort, InetAddress serverAddress, int serverPort) {
    /**
     * The row as {@code ipvsadm -Lnc} prints it.
     *
     * @return the row without a line end
     */
    public String row() {
        final long s = Math.max(0, expireSeconds);
        final String expire = String.format("%02d:%02d", s / 60, s % 60);
        return String.format("%-3s %-6s %-11s %-18s %-18s %s", protocol, expire, state,
            Addresses.formatWithPort(clientAddress, clientPort), Addresses.formatWithPort(virtualAddress, virtualPort),
            Addresses.formatWithPort(serverAddress, serverPort));
    }
}
