package io.jlvs.transport.epoll.internal;

/**
 * A kernel pipe used as the splice(2) buffer of one relay direction: the bytes in it are in flight from a
 * source socket to a destination socket, bounded by its {@link #capacity()}.
 *
 * <p>Owned by a {@link PipePool}, lent to one {@link SpliceRelay} at a time. Not thread-safe; confined to
 * the pool's loop thread.
 */
public final class Pipe {
    private int readFd;
    private int writeFd;
    private final int capacity;
    /** Bytes spliced in and not yet spliced out. */
    int bytes;

    Pipe(final int readFd, final int writeFd, final int capacity) {
        this.readFd = readFd;
        this.writeFd = writeFd;
        this.capacity = capacity;
    }

    /** {@return the read end, -1 once closed} */
    public int readFd() {
        return readFd;
    }

    /** {@return the write end, -1 once closed} */
    public int writeFd() {
        return writeFd;
    }

    /** {@return the pipe's capacity in bytes (what F_SETPIPE_SZ granted)} */
    public int capacity() {
        return capacity;
    }

    /** {@return bytes in the pipe, in flight} */
    public int bytes() {
        return bytes;
    }

    void close(final Syscalls sys) {
        if (readFd >= 0) {
            sys.close(readFd);
            readFd = -1;
        }
        if (writeFd >= 0) {
            sys.close(writeFd);
            writeFd = -1;
        }
    }
}
