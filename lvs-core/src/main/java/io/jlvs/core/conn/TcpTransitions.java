package io.jlvs.core.conn;

/**
 * IPVS's TCP state transition table (the default one, not secure_tcp's): the next state for a segment's event
 * (RST over SYN over FIN over ACK), its direction and the current state. A segment with none of these flags gives
 * CLOSE.
 *
 * <p>Thread-safe (constants).
 */
public final class TcpTransitions {
    /** Which way a segment travels. */
    public enum Direction {
        /** Client to server. */
        INPUT,
        /** Server to client (seen only when the director sees replies, as a proxy always does). */
        OUTPUT,
        /** Client to server on a connection whose replies bypass the director (DR, TUN). */
        INPUT_ONLY
    }

    /** The event a segment gives. */
    public enum Flag {
        /** SYN. */
        SYN,
        /** FIN. */
        FIN,
        /** ACK (also any data segment). */
        ACK,
        /** RST. */
        RST
    }

    private static final ConnState NO = ConnState.NONE;
    private static final ConnState ES = ConnState.ESTABLISHED;
    private static final ConnState SS = ConnState.SYN_SENT;
    private static final ConnState SR = ConnState.SYN_RECV;
    private static final ConnState FW = ConnState.FIN_WAIT;
    private static final ConnState TW = ConnState.TIME_WAIT;
    private static final ConnState CL = ConnState.CLOSE;
    private static final ConnState CW = ConnState.CLOSE_WAIT;
    private static final ConnState LA = ConnState.LAST_ACK;
    private static final ConnState LI = ConnState.LISTEN;
    private static final ConnState SA = ConnState.SYNACK;

    // [direction][flag][current state ordinal 0..10]; columns NO ES SS SR FW TW CL CW LA LI SA
    private static final ConnState[][][] TABLE = {
        { // INPUT
            {SR, ES, ES, SR, SR, SR, SR, SR, SR, SR, SR},
            {CL, CW, SS, TW, TW, TW, CL, CW, LA, LI, TW},
            {ES, ES, SS, ES, FW, TW, CL, CW, CL, LI, ES},
            {CL, CL, CL, SR, CL, CL, CL, CL, LA, LI, SR},
        },
        { // OUTPUT
            {SS, ES, SS, SR, SS, SS, SS, SS, SS, LI, SR},
            {TW, FW, SS, TW, FW, TW, CL, TW, LA, LI, TW},
            {ES, ES, SS, ES, FW, TW, CL, CW, LA, ES, ES},
            {CL, CL, SS, CL, CL, TW, CL, CL, CL, CL, CL},
        },
        { // INPUT_ONLY
            {SR, ES, ES, SR, SR, SR, SR, SR, SR, SR, SR},
            {CL, FW, SS, TW, FW, TW, CL, CW, LA, LI, TW},
            {ES, ES, SS, ES, FW, TW, CL, CW, CL, LI, ES},
            {CL, CL, CL, SR, CL, CL, CL, CL, LA, LI, CL},
        },
    };

    private TcpTransitions() {
    }

    /**
     * The next state.
     *
     * @param current a TCP state (not UDP)
     * @param direction the segment's direction
     * @param flag the segment's event
     * @return the next state
     */
    public static ConnState next(final ConnState current, final Direction direction, final Flag flag) {
        if (current == ConnState.UDP) {
            throw new IllegalArgumentException("state: UDP (expected: a TCP state)");
        }
        return TABLE[direction.ordinal()][flag.ordinal()][current.ordinal()];
    }
}
