package io.jlvs.core.sched;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.net.Addresses;

import java.net.InetAddress;

/**
 * The fields of a {@link Flow} and their accessors, shared by the immutable flows of {@link Flows} and
 * {@link MutableFlow}.
 *
 * <p>Thread-safety is the subclass's.
 */
abstract class FlowFields implements Flow {
    Protocol protocol = Protocol.TCP;
    InetAddress clientAddress;
    int clientFold;
    int clientPort;
    InetAddress virtualAddress;
    int virtualFold;
    int virtualPort;
    long key;

    @Override
    public final Protocol protocol() {
        return protocol;
    }

    @Override
    public final InetAddress clientAddress() {
        return clientAddress;
    }

    @Override
    public final int clientAddressFold() {
        return clientFold;
    }

    @Override
    public final int clientPort() {
        return clientPort;
    }

    @Override
    public final InetAddress virtualAddress() {
        return virtualAddress;
    }

    @Override
    public final int virtualAddressFold() {
        return virtualFold;
    }

    @Override
    public final int virtualPort() {
        return virtualPort;
    }

    @Override
    public final long key() {
        return key;
    }

    @Override
    public String toString() {
        if (clientAddress == null) {
            return "key " + Long.toHexString(key);
        }
        return protocol.label() + " " + Addresses.formatWithPort(clientAddress, clientPort) + " -> "
            + Addresses.formatWithPort(virtualAddress, virtualPort);
    }
}
