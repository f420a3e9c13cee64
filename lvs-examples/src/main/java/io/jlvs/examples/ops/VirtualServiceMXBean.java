package io.jlvs.examples.ops;

/**
 * A virtual service as JMX shows it ({@code io.jlvs:type=VirtualService,name="TCP 127.0.0.1:8080"}). Counters are
 * those of {@code ipvsadm -Ln --stats}, rates those of {@code --rate}.
 */
public interface VirtualServiceMXBean {
    /**
     * The service as ipvsadm prints it.
     *
     * @return for example {@code TCP 127.0.0.1:8080}
     */
    String getService();

    /**
     * The scheduler's name.
     *
     * @return for example {@code wlc}
     */
    String getScheduler();

    /**
     * Whether the service lost quorum and answers with its sorry response.
     *
     * @return true in sorry mode
     */
    boolean isSorryMode();

    /**
     * Configured real servers (in or out of rotation).
     *
     * @return the count
     */
    int getServerCount();

    /**
     * Real servers health checking has up.
     *
     * @return the count
     */
    int getServersUp();

    /**
     * Connections scheduled.
     *
     * @return Conns
     */
    long getConnections();

    /**
     * Bytes from clients.
     *
     * @return InBytes
     */
    long getInBytes();

    /**
     * Bytes to clients.
     *
     * @return OutBytes
     */
    long getOutBytes();

    /**
     * Connections per second.
     *
     * @return CPS
     */
    long getConnectionsPerSecond();

    /**
     * Bytes per second from clients.
     *
     * @return InBPS
     */
    long getInBytesPerSecond();

    /**
     * Bytes per second to clients.
     *
     * @return OutBPS
     */
    long getOutBytesPerSecond();
}
