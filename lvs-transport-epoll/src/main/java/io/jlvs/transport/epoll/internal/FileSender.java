package io.jlvs.transport.epoll.internal;

/**
 * Sends a byte range of an open file to a socket with sendfile(2): the page cache goes to the socket
 * without passing through user space (the sorry-file answer). Resumable: on EAGAIN it returns
 * {@link Relay#WANT_WRITE} and continues from where it stopped on the next {@link #pump()}.
 *
 * <p>The file descriptor belongs to the caller (one open sorry file serves every connection; sendfile at an
 * explicit offset does not move the file's position). Not thread-safe; confined to the loop thread.
 */
public final class FileSender {
    private final Syscalls sys;
    private final int fileFd;
    private final int socketFd;
    private final long endOffset;
    private long offset;
    private int errno;
    private int state;

    /**
     * Prepares to send {@code [offset, offset + length)} of a file.
     *
     * @param sys the loop thread's system calls
     * @param fileFd the open file
     * @param offset the first byte
     * @param length how many bytes
     * @param socketFd the connected, non-blocking socket
     */
    public FileSender(final Syscalls sys, final int fileFd, final long offset, final long length,
                      final int socketFd) {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("offset " + offset + ", length " + length + " (expected: >= 0)");
        }
        this.sys = sys;
        this.fileFd = fileFd;
        this.socketFd = socketFd;
        this.offset = offset;
        this.endOffset = offset + length;
    }

    /** {@return the file's descriptor (the sender does not close it)} */
    public int fileFd() {
        return fileFd;
    }

    /**
     * Sends until the socket would block, the range is sent, or a call fails.
     *
     * @return {@link Relay#WANT_WRITE}, {@link Relay#DONE} (every byte sent; the socket is left open) or
     *     {@link Relay#ERROR} (see {@link #errno()}; a file shorter than the range fails with EIO)
     */
    public int pump() {
        if (state == Relay.DONE || state == Relay.ERROR) {
            return state;
        }
        while (offset < endOffset) {
            final long n = sys.sendfile(socketFd, fileFd, offset, endOffset - offset);
            if (n > 0) {
                offset += n;
            } else if (n == -Errno.EAGAIN) {
                return Relay.WANT_WRITE;
            } else {
                errno = n == 0 ? Errno.EIO : (int) -n; // 0: the file ended before the range did
                state = Relay.ERROR;
                return state;
            }
        }
        state = Relay.DONE;
        return state;
    }

    /** {@return the next file offset to send} */
    public long offset() {
        return offset;
    }

    /** {@return the errno after {@link Relay#ERROR}, else 0} */
    public int errno() {
        return errno;
    }
}
