package io.jlvs.transport.epoll.internal;

import java.lang.foreign.MemorySegment;

/**
 * One direction of a TCP relay: bytes from a source socket to a destination socket, with back-pressure
 * (at most one pipe or buffer in flight), half-close propagation (end of stream on the source becomes
 * {@code shutdown(SHUT_WR)} on the destination once every byte has left) and no allocation per call.
 *
 * <p>{@link #pump()} moves bytes until the sockets say "would block" and returns what the direction waits
 * for. With edge-triggered epoll the caller pumps again on the next edge of the awaited kind; on
 * {@link #YIELD} it must pump again on its own (no new edge will come).
 *
 * <p>Implementations are not thread-safe; each is confined to its connection's loop thread.
 */
public interface Relay {
    /** Waiting for the source to become readable. */
    int WANT_READ = 1;
    /** Waiting for the destination to become writable; nothing is read from the source meanwhile. */
    int WANT_WRITE = 2;
    /** The byte budget of one pump is spent while the source may still have bytes: pump again soon. */
    int YIELD = 3;
    /** The source ended, every byte was delivered and the destination's output was shut down. */
    int DONE = 4;
    /** A system call failed with something other than EAGAIN; see {@link #errno()}. */
    int ERROR = 5;

    /**
     * Moves bytes until a socket would block, the budget is spent, the source ends or a call fails.
     *
     * @return {@link #WANT_READ}, {@link #WANT_WRITE}, {@link #YIELD}, {@link #DONE} or {@link #ERROR};
     *     after DONE or ERROR further calls return the same
     */
    int pump();

    /**
     * Under level-triggered readiness: once a read returned less than asked (the socket is drained for
     * now) and those bytes are delivered, return {@link #WANT_READ} without the read that would only say
     * EAGAIN; epoll reports the socket again if more has arrived. Must stay off under edge-triggered
     * readiness, where a missed byte would never be reported again.
     *
     * @param stop true to stop after a short read
     */
    void stopAfterShortRead(boolean stop);

    /**
     * Tells the direction that the other one has ended (its source's end of stream was read and carried): at this
     * direction's own end of stream the connection closes both sockets at once, and close(2) sends the same FIN
     * that {@code shutdown(SHUT_WR)} would (end of stream has been read from both sockets, so no unread byte turns
     * the close into a reset). The direction then reaches {@link #DONE} without the shutdown call.
     */
    void closeFollows();

    /** {@return true if this direction ended with {@code shutdown(SHUT_WR)} of its destination} */
    boolean shutDown();

    /**
     * Sets bytes to deliver to the destination before any relayed byte (the PROXY protocol header to a real
     * server), sent by the next {@link #pump()} calls before anything is read from the source. The segment
     * is referenced, not copied: keep it alive until the first relayed byte has been delivered.
     *
     * @param bytes native memory holding the prefix
     * @param offset where it starts
     * @param length how many bytes
     * @throws IllegalStateException if bytes were relayed already
     */
    void prefix(MemorySegment bytes, long offset, long length);

    /** {@return bytes relayed from the source to the destination so far (a prefix not counted)} */
    long bytes();

    /** {@return the errno of the failure after {@link #ERROR}, else 0} */
    int errno();

    /** {@return true while the direction holds a pipe or buffer (bytes are in flight)} */
    boolean holdsBuffer();

    /** {@return bytes read from the source and not yet delivered} */
    long inFlight();

    /**
     * Gives back the pipe or buffer (a non-empty one is destroyed, not pooled). For a connection that
     * ends abnormally; a direction that reaches DONE has released already.
     */
    void release();

    /** {@return {@code "splice"} or {@code "copy"}: which path this direction uses, for listings and logs} */
    String path();
}
