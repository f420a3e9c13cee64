package io.jlvs.core.conn;

/**
 * What a user-space proxy sees of a TCP connection, and the segment IPVS would have seen for it. Each event is fed
 * through {@link TcpTransitions} as that segment:
 *
 * <table>
 * <caption>Socket events and the IPVS states they lead to</caption>
 * <tr><th>event</th><th>as IPVS segment</th><th>typical move</th></tr>
 * <tr><td>{@link #ACCEPTED}</td><td>client SYN (INPUT syn)</td><td>NONE to SYN_RECV: active</td></tr>
 * <tr><td>{@link #CONNECTING}</td><td>(the SYN forwarded; no change)</td><td>SYN_RECV</td></tr>
 * <tr><td>{@link #CONNECTED}</td><td>handshake completed (INPUT ack)</td><td>SYN_RECV to ESTABLISHED</td></tr>
 * <tr><td>{@link #CONNECT_FAILED}</td><td>server RST to the SYN (OUTPUT rst)</td><td>SYN_RECV to CLOSE</td></tr>
 * <tr><td>{@link #CLIENT_DATA}</td><td>INPUT ack</td><td>stays, timer re-armed</td></tr>
 * <tr><td>{@link #SERVER_DATA}</td><td>OUTPUT ack</td><td>stays, timer re-armed</td></tr>
 * <tr><td>{@link #CLIENT_FIN}</td><td>INPUT fin (EOF read from the client)</td><td>ESTABLISHED to CLOSE_WAIT;
 * FIN_WAIT to TIME_WAIT</td></tr>
 * <tr><td>{@link #SERVER_FIN}</td><td>OUTPUT fin (EOF read from the server)</td><td>ESTABLISHED to FIN_WAIT;
 * CLOSE_WAIT to TIME_WAIT</td></tr>
 * <tr><td>{@link #CLIENT_RESET}</td><td>INPUT rst</td><td>to CLOSE</td></tr>
 * <tr><td>{@link #SERVER_RESET}</td><td>OUTPUT rst</td><td>to CLOSE</td></tr>
 * </table>
 *
 * <p>After both sides closed, the entry stays in TIME_WAIT (or CLOSE after a reset) for that state's timeout and
 * counts as InActConn, as a kernel entry does.
 *
 * <p>Immutable.
 */
public enum SocketEvent {
    /** The client's connection was accepted. */
    ACCEPTED(TcpTransitions.Direction.INPUT, TcpTransitions.Flag.SYN),
    /** A non-blocking connect to the real server started. */
    CONNECTING(null, null),
    /** The connect to the real server completed. */
    CONNECTED(TcpTransitions.Direction.INPUT, TcpTransitions.Flag.ACK),
    /** The connect to the real server failed (refused, unreachable, timed out). */
    CONNECT_FAILED(TcpTransitions.Direction.OUTPUT, TcpTransitions.Flag.RST),
    /** Bytes came from the client. */
    CLIENT_DATA(TcpTransitions.Direction.INPUT, TcpTransitions.Flag.ACK),
    /** Bytes came from the server. */
    SERVER_DATA(TcpTransitions.Direction.OUTPUT, TcpTransitions.Flag.ACK),
    /** The client half-closed (EOF on read). */
    CLIENT_FIN(TcpTransitions.Direction.INPUT, TcpTransitions.Flag.FIN),
    /** The server half-closed (EOF on read). */
    SERVER_FIN(TcpTransitions.Direction.OUTPUT, TcpTransitions.Flag.FIN),
    /** The client reset the connection. */
    CLIENT_RESET(TcpTransitions.Direction.INPUT, TcpTransitions.Flag.RST),
    /** The server reset the connection. */
    SERVER_RESET(TcpTransitions.Direction.OUTPUT, TcpTransitions.Flag.RST);

    private final TcpTransitions.Direction direction;
    private final TcpTransitions.Flag flag;

    SocketEvent(final TcpTransitions.Direction direction, final TcpTransitions.Flag flag) {
        this.direction = direction;
        this.flag = flag;
    }

    /**
     * The state after this event.
     *
     * @param current the current TCP state
     * @return the next state
     */
    public ConnState next(final ConnState current) {
        return direction == null ? current : TcpTransitions.next(current, direction, flag);
    }
}
