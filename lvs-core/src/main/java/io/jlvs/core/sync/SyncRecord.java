package io.jlvs.core.sync;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.conn.ConnState;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Objects;

/**
 * One unit of synced state. A record's addresses are all IPv4 or all IPv6; ports are 0..65535; remaining timeouts
 * are 0..{@link #MAX_REMAINING_MILLIS} milliseconds.
 *
 * <p>Immutable.
 */
public sealed interface SyncRecord permits SyncRecord.TemplateRecord, SyncRecord.FlowRecord,
    SyncRecord.ConnectionRecord, SyncRecord.Heartbeat {

    /** The largest remaining timeout a record carries (an unsigned 32-bit count of milliseconds). */
    long MAX_REMAINING_MILLIS = 0xffffffffL;

    /**
     * A persistence template: a client network's sticky real server for one service.
     *
     * @param protocol the service's protocol
     * @param clientNetwork the client address masked with the service's netmask
     * @param virtualAddress the service's address
     * @param servicePort the service's port (what finds the service)
     * @param templatePort the template's virtual port (0 for port-0 and FTP services, else the service port)
     * @param serverAddress the real server's address
     * @param serverPort the real server's port
     * @param remainingMillis time until the template expires
     * @param assured whether a controlled connection was ESTABLISHED (or a UDP reply seen)
     */
    record TemplateRecord(Protocol protocol, InetAddress clientNetwork, InetAddress virtualAddress, int servicePort,
        int templatePort, InetAddress serverAddress, int serverPort, long remainingMillis, boolean assured)
        implements SyncRecord {
        /**
         * Validates the fields.
         *
         * @param protocol see the record
         * @param clientNetwork see the record
         * @param virtualAddress see the record
         * @param servicePort see the record
         * @param templatePort see the record
         * @param serverAddress see the record
         * @param serverPort see the record
         * @param remainingMillis see the record
         * @param assured see the record
         * @throws IllegalArgumentException naming the field that is out of range or of another family
         */
        public TemplateRecord {
            Objects.requireNonNull(protocol, "protocol");
            sameFamily(clientNetwork, virtualAddress, serverAddress);
            port("servicePort", servicePort);
            port("templatePort", templatePort);
            port("serverPort", serverPort);
            remaining(remainingMillis);
        }
    }

    /**
     * A UDP flow: a client's address and port to a virtual address and port, forwarded to a real server.
     *
     * @param clientAddress the client's address
     * @param clientPort the client's port
     * @param virtualAddress the virtual address
     * @param virtualPort the virtual port
     * @param serverAddress the real server's address
     * @param serverPort the real server's port
     * @param remainingMillis time until the flow expires
     */
    record FlowRecord(InetAddress clientAddress, int clientPort, InetAddress virtualAddress, int virtualPort,
        InetAddress serverAddress, int serverPort, long remainingMillis) implements SyncRecord {
        /**
         * Validates the fields.
         *
         * @param clientAddress see the record
         * @param clientPort see the record
         * @param virtualAddress see the record
         * @param virtualPort see the record
         * @param serverAddress see the record
         * @param serverPort see the record
         * @param remainingMillis see the record
         * @throws IllegalArgumentException naming the field that is out of range or of another family
         */
        public FlowRecord {
            sameFamily(clientAddress, virtualAddress, serverAddress);
            port("clientPort", clientPort);
            port("virtualPort", virtualPort);
            port("serverPort", serverPort);
            remaining(remainingMillis);
        }
    }

    /**
     * A TCP connection entry with its IPVS state. A full proxy's connection cannot move to another process (its
     * sockets die with the director that owns them): a backup shows these as state only.
     *
     * @param state the IPVS state
     * @param clientAddress the client's address
     * @param clientPort the client's port
     * @param virtualAddress the virtual address
     * @param virtualPort the virtual port
     * @param serverAddress the real server's address
     * @param serverPort the real server's port
     * @param remainingMillis time until the entry expires in its state
     */
    record ConnectionRecord(ConnState state, InetAddress clientAddress, int clientPort, InetAddress virtualAddress,
        int virtualPort, InetAddress serverAddress, int serverPort, long remainingMillis) implements SyncRecord {
        /**
         * Validates the fields.
         *
         * @param state see the record
         * @param clientAddress see the record
         * @param clientPort see the record
         * @param virtualAddress see the record
         * @param virtualPort see the record
         * @param serverAddress see the record
         * @param serverPort see the record
         * @param remainingMillis see the record
         * @throws IllegalArgumentException naming the field that is out of range or of another family
         */
        public ConnectionRecord {
            Objects.requireNonNull(state, "state");
            if (state == ConnState.UDP) {
                throw new IllegalArgumentException("state: UDP (expected a TCP state; UDP flows are FlowRecords)");
            }
            sameFamily(clientAddress, virtualAddress, serverAddress);
            port("clientPort", clientPort);
            port("virtualPort", virtualPort);
            port("serverPort", serverPort);
            remaining(remainingMillis);
        }
    }

    /**
     * The master is alive. A backup that hears none for its dead interval takes over.
     *
     * @param masterId a random number the master picks at start (a new one means the master restarted)
     * @param intervalMillis how often the master sends, 1..65535 ms
     */
    record Heartbeat(long masterId, int intervalMillis) implements SyncRecord {
        /**
         * Validates the interval.
         *
         * @param masterId see the record
         * @param intervalMillis see the record
         * @throws IllegalArgumentException if the interval is not 1..65535
         */
        public Heartbeat {
            if (intervalMillis < 1 || intervalMillis > 0xffff) {
                throw new IllegalArgumentException("intervalMillis: " + intervalMillis + " (expected 1..65535)");
            }
        }
    }

    private static void sameFamily(final InetAddress a, final InetAddress b, final InetAddress c) {
        Objects.requireNonNull(a, "address");
        Objects.requireNonNull(b, "address");
        Objects.requireNonNull(c, "address");
        final boolean v4 = a instanceof Inet4Address;
        if (v4 != b instanceof Inet4Address || v4 != c instanceof Inet4Address) {
            throw new IllegalArgumentException("addresses " + a.getHostAddress() + ", " + b.getHostAddress() + ", "
                + c.getHostAddress() + ": expected all IPv4 or all IPv6");
        }
    }

    private static void port(final String name, final int port) {
        if (port < 0 || port > 0xffff) {
            throw new IllegalArgumentException(name + ": " + port + " (expected 0..65535)");
        }
    }

    private static void remaining(final long ms) {
        if (ms < 0 || ms > MAX_REMAINING_MILLIS) {
            throw new IllegalArgumentException("remainingMillis: " + ms + " (expected 0.." + MAX_REMAINING_MILLIS
                + ")");
        }
    }
}
