package io.jlvs.examples.ops;

/**
 * A real server of one service as JMX shows it
 * ({@code io.jlvs:type=RealServer,service="TCP 127.0.0.1:8080",name="127.0.0.1:9001"}), with the operations to
 * change its weight and to drain it.
 */
public interface RealServerMXBean {
    /**
     * The service.
     *
     * @return for example {@code TCP 127.0.0.1:8080}
     */
    String getService();

    /**
     * The server.
     *
     * @return for example {@code 127.0.0.1:9001}
     */
    String getServer();

    /**
     * The state: {@code up}, {@code down}, {@code draining}, {@code overloaded} or {@code inhibited}.
     *
     * @return the state
     */
    String getState();

    /**
     * Whether health checking has the server up.
     *
     * @return true if up
     */
    boolean isUp();

    /**
     * The weight schedulers use, as {@code -Ln} shows it (lower than the configured one during slow start, 0 while
     * inhibited).
     *
     * @return the weight
     */
    int getWeight();

    /**
     * The configured weight.
     *
     * @return the weight
     */
    int getConfiguredWeight();

    /**
     * ActiveConn.
     *
     * @return the count
     */
    int getActiveConnections();

    /**
     * InActConn.
     *
     * @return the count
     */
    int getInactiveConnections();

    /**
     * PersistConn.
     *
     * @return the count
     */
    int getPersistentConnections();

    /**
     * Connections scheduled to the server.
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
     * Failed connects of real traffic.
     *
     * @return the count since the server was added
     */
    long getConnectFailures();

    /**
     * Mean connect time of real traffic.
     *
     * @return milliseconds, 0 before the first connect
     */
    double getConnectLatencyMeanMillis();

    /**
     * Slowest connect of real traffic.
     *
     * @return milliseconds
     */
    double getConnectLatencyMaxMillis();

    /**
     * The last health check's result.
     *
     * @return for example {@code passed (tcp): connected in 0 ms}, or {@code none}
     */
    String getLastCheck();

    /**
     * How long the last health check took.
     *
     * @return milliseconds, -1 if none or unknown
     */
    double getLastCheckLatencyMillis();

    /**
     * Changes the configured weight (0 drains), keeping the server's other settings; live connections stay.
     *
     * @param weight 0..65535
     */
    void changeWeight(int weight);

    /**
     * Drains the server: weight 0, no new connections, live ones continue.
     */
    void drain();
}
