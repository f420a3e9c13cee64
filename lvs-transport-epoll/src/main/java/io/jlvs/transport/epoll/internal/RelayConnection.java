package io.jlvs.transport.epoll.internal;

/**
 * Both directions of one proxied TCP connection on one epoll instance: client to server ("up") and server
 * to client ("down"), each a {@link Relay} (splice or copy), driven by readiness events.
 *
 * <p>Two readiness disciplines, chosen per connection:
 * <ul>
 *   <li>{@link Trigger#EDGE}: both sockets are registered once with
 *       {@code EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET} and never modified; every pump runs until the
 *       kernel says EAGAIN (or the budget yields, and the loop resumes the connection itself).
 *       Back-pressure costs no system call: a direction waiting for the destination simply does not read.
 *   <li>{@link Trigger#LEVEL}: each socket's interest set is what its directions wait for (EPOLLIN while
 *       its outgoing direction wants to read, EPOLLOUT while its incoming direction wants to write), kept
 *       up to date with {@code EPOLL_CTL_MOD} whenever that changes.
 * </ul>
 * {@link #epollCtlCalls()} counts the registrations and modifications, the difference the measurement in
 * the module's notes compares.
 *
 * <p>When both directions are {@link Relay#DONE} (each side's end of stream was carried to the other as a
 * FIN) the sockets are closed; the second direction to end carries its FIN by that close, not by a shutdown call
 * ({@link Relay#closeFollows()}). When either fails, both are closed with a reset (SO_LINGER 0), the way a
 * reset is carried through.
 *
 * <p>Not thread-safe; confined to the loop thread of its epoll instance. It owns both descriptors from
 * construction on and closes each once, setting it to -1.
 */
public final class RelayConnection {
    /** The readiness discipline. */
    public enum Trigger {
        /** Edge-triggered, registered once. */
        EDGE,
        /** Level-triggered, interest kept equal to what the directions wait for. */
        LEVEL
    }

    /**
     * The default: level-triggered, with relays that stop after a short read. Measured on loopback
     * ({@code lvs-transport-epoll/bench.sh}, system calls counted by {@link Syscalls#calls()}): 4.1 system
     * calls per 1 KiB request/response round trip against 6.2 edge-triggered, because edge-triggered must
     * read until EAGAIN after every event; on a 1 GiB stream both take 33.5-33.6 per MiB, the 0.3 epoll_ctl
     * per MiB that back-pressure costs level-triggered being offset by the reads it skips. The rows where
     * JLVS trails its peers are the per-event ones.
     */
    public static final Trigger DEFAULT_TRIGGER = Trigger.LEVEL;

    /** The connection is relaying. */
    public static final int OPEN = 0;
    /** Both directions ended with end of stream; the sockets are closed. */
    public static final int CLOSED = 1;
    /** A direction failed; the sockets were reset and closed. */
    public static final int RESET = 2;

    private static final int EDGE_INTEREST = Linux.EPOLLIN | Linux.EPOLLOUT | Linux.EPOLLRDHUP | Linux.EPOLLET;

    private final Syscalls sys;
    private final Epoll epoll;
    private final Trigger trigger;
    private final long clientToken;
    private final long serverToken;
    private final Relay up;
    private final Relay down;
    private int clientFd;
    private int serverFd;
    private int upState = Relay.WANT_READ;
    private int downState = Relay.WANT_READ;
    private int clientInterest = -1;
    private int serverInterest = -1;
    private int status = OPEN;
    private int errno;
    private long epollCtlCalls;

    /**
     * Takes ownership of two connected non-blocking sockets and registers them.
     *
     * @param sys the loop thread's system calls
     * @param epoll the loop's epoll instance
     * @param trigger edge- or level-triggered
     * @param clientFd the accepted client socket
     * @param serverFd the connected real-server socket
     * @param clientToken the epoll data word for the client socket
     * @param serverToken the epoll data word for the server socket
     * @param up the relay client to server (its source must be clientFd, its destination serverFd)
     * @param down the relay server to client
     * @throws NativeException if epoll_ctl refuses a socket (both sockets are closed then)
     */
    public RelayConnection(final Syscalls sys, final Epoll epoll, final Trigger trigger, final int clientFd,
                           final int serverFd, final long clientToken, final long serverToken, final Relay up,
                           final Relay down) throws NativeException {
        this.sys = sys;
        this.epoll = epoll;
        this.trigger = trigger;
        this.clientFd = clientFd;
        this.serverFd = serverFd;
        this.clientToken = clientToken;
        this.serverToken = serverToken;
        this.up = up;
        this.down = down;
        up.stopAfterShortRead(trigger == Trigger.LEVEL);
        down.stopAfterShortRead(trigger == Trigger.LEVEL);
        final int r = register();
        if (r < 0) {
            closeBoth(true);
            throw new NativeException("epoll_ctl(ADD)", r);
        }
    }

    private int register() {
        if (trigger == Trigger.EDGE) {
            epollCtlCalls += 2;
            final int r = epoll.add(clientFd, EDGE_INTEREST, clientToken);
            return r < 0 ? r : epoll.add(serverFd, EDGE_INTEREST, serverToken);
        }
        clientInterest = Linux.EPOLLIN | Linux.EPOLLRDHUP;
        serverInterest = Linux.EPOLLIN | Linux.EPOLLRDHUP;
        epollCtlCalls += 2;
        final int r = epoll.add(clientFd, clientInterest, clientToken);
        return r < 0 ? r : epoll.add(serverFd, serverInterest, serverToken);
    }

    /**
     * Pumps both directions once, right after construction: sends a prefix (PROXY header) before the real
     * server waits for it, and moves bytes that arrived before the sockets were registered.
     *
     * @return {@link #OPEN}, {@link #CLOSED} or {@link #RESET}
     */
    public int start() {
        if (status != OPEN) {
            return status;
        }
        upState = up.pump();
        downState = down.pump();
        return settle();
    }

    /**
     * Handles a ready event of one of the two sockets.
     *
     * @param token the event's data word (the client's or the server's token)
     * @param events the ready set
     * @return {@link #OPEN}, {@link #CLOSED} or {@link #RESET}
     */
    public int onEvent(final long token, final int events) {
        if (status != OPEN) {
            return status;
        }
        final boolean broken = (events & (Linux.EPOLLERR | Linux.EPOLLHUP)) != 0;
        final boolean readable = broken || (events & (Linux.EPOLLIN | Linux.EPOLLRDHUP)) != 0;
        final boolean writable = broken || (events & Linux.EPOLLOUT) != 0;
        if (token == clientToken) {
            // client readable feeds "up"; client writable drains "down"
            if (readable && upState == Relay.WANT_READ || broken) {
                upState = up.pump();
            }
            if (writable && downState == Relay.WANT_WRITE || broken) {
                downState = down.pump();
            }
        } else {
            if (readable && downState == Relay.WANT_READ || broken) {
                downState = down.pump();
            }
            if (writable && upState == Relay.WANT_WRITE || broken) {
                upState = up.pump();
            }
        }
        return settle();
    }

    /**
     * Pumps the directions that yielded their budget; the loop calls this after its ready events for each
     * connection whose {@link #wantsResume()} is true.
     *
     * @return {@link #OPEN}, {@link #CLOSED} or {@link #RESET}
     */
    public int resume() {
        if (status != OPEN) {
            return status;
        }
        if (upState == Relay.YIELD) {
            upState = up.pump();
        }
        if (downState == Relay.YIELD) {
            downState = down.pump();
        }
        return settle();
    }

    /** {@return true when a direction yielded with bytes possibly left to read: call {@link #resume()}} */
    public boolean wantsResume() {
        return status == OPEN && (upState == Relay.YIELD || downState == Relay.YIELD);
    }

    private int settle() {
        if (upState == Relay.ERROR || downState == Relay.ERROR) {
            errno = upState == Relay.ERROR ? up.errno() : down.errno();
            closeBoth(true);
            status = RESET;
            return status;
        }
        if (upState == Relay.DONE && downState == Relay.DONE) {
            closeBoth(false);
            status = CLOSED;
            return status;
        }
        if (upState == Relay.DONE) {
            down.closeFollows();
        } else if (downState == Relay.DONE) {
            up.closeFollows();
        }
        if (trigger == Trigger.LEVEL) {
            final int c = interest(upState, downState);
            if (c != clientInterest) {
                clientInterest = c;
                epollCtlCalls++;
                epoll.modify(clientFd, c, clientToken);
            }
            final int s = interest(downState, upState);
            if (s != serverInterest) {
                serverInterest = s;
                epollCtlCalls++;
                epoll.modify(serverFd, s, serverToken);
            }
        }
        return status;
    }

    /** A socket's level-triggered interest: read while its outgoing side reads, write while its incoming side writes. */
    private static int interest(final int outgoing, final int incoming) {
        return (outgoing == Relay.WANT_READ ? Linux.EPOLLIN | Linux.EPOLLRDHUP : 0)
            | (incoming == Relay.WANT_WRITE ? Linux.EPOLLOUT : 0);
    }

    /**
     * Closes both sockets now, with a reset when asked (the director's own abort, e.g. on shutdown).
     *
     * @param reset true to send a reset (SO_LINGER 0) instead of a FIN
     */
    public void abort(final boolean reset) {
        if (status == OPEN) {
            closeBoth(reset);
            status = reset ? RESET : CLOSED;
        }
    }

    private void closeBoth(final boolean reset) {
        up.release();
        down.release();
        clientFd = sys.closeSocket(clientFd, reset); // closing the last descriptor removes it from the epoll set
        serverFd = sys.closeSocket(serverFd, reset);
    }

    /** {@return {@link #OPEN}, {@link #CLOSED} or {@link #RESET}} */
    public int status() {
        return status;
    }

    /** {@return the errno that reset the connection, else 0} */
    public int errno() {
        return errno;
    }

    /** {@return the client-to-server direction} */
    public Relay up() {
        return up;
    }

    /** {@return the server-to-client direction} */
    public Relay down() {
        return down;
    }

    /** {@return epoll_ctl calls made for this connection (registration included)} */
    public long epollCtlCalls() {
        return epollCtlCalls;
    }

    /** {@return the client socket, -1 once closed} */
    public int clientFd() {
        return clientFd;
    }

    /** {@return the server socket, -1 once closed} */
    public int serverFd() {
        return serverFd;
    }
}
