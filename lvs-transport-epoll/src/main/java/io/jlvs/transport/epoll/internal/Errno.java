package io.jlvs.transport.epoll.internal;

/**
 * Linux errno values (asm-generic/errno-base.h and asm-generic/errno.h; the same numbers on x86-64 and
 * AArch64) with their symbolic names.
 *
 * <p>The system-call wrappers in {@link Syscalls} return a non-negative result or the negated errno, the
 * kernel's own convention, so that {@code EAGAIN}, {@code EINTR} and {@code EINPROGRESS} are ordinary return
 * values on the data path and nothing allocates. {@link #name(int)} turns a value into its symbol for logs and
 * exceptions; {@link NativeException} carries one on the control path.
 *
 * <p>Immutable (constants only).
 */
public final class Errno {
    /** Operation not permitted. */
    public static final int EPERM = 1;
    /** No such file or directory. */
    public static final int ENOENT = 2;
    /** Interrupted system call. */
    public static final int EINTR = 4;
    /** I/O error. */
    public static final int EIO = 5;
    /** Bad file descriptor. */
    public static final int EBADF = 9;
    /** Try again: the operation would block. */
    public static final int EAGAIN = 11;
    /** Out of memory. */
    public static final int ENOMEM = 12;
    /** Permission denied. */
    public static final int EACCES = 13;
    /** Bad address. */
    public static final int EFAULT = 14;
    /** File exists. */
    public static final int EEXIST = 17;
    /** Invalid argument. */
    public static final int EINVAL = 22;
    /** File table overflow (system-wide limit). */
    public static final int ENFILE = 23;
    /** Too many open files (per-process limit, RLIMIT_NOFILE). */
    public static final int EMFILE = 24;
    /** Illegal seek. */
    public static final int ESPIPE = 29;
    /** Broken pipe: the reading end is closed. */
    public static final int EPIPE = 32;
    /** Function not implemented. */
    public static final int ENOSYS = 38;
    /** Socket operation on a non-socket. */
    public static final int ENOTSOCK = 88;
    /** Destination address required (a send on an unconnected datagram socket without one). */
    public static final int EDESTADDRREQ = 89;
    /** Protocol not supported. */
    public static final int EPROTONOSUPPORT = 93;
    /** Operation not supported. */
    public static final int EOPNOTSUPP = 95;
    /** Address family not supported by protocol. */
    public static final int EAFNOSUPPORT = 97;
    /** Address already in use. */
    public static final int EADDRINUSE = 98;
    /** Cannot assign requested address. */
    public static final int EADDRNOTAVAIL = 99;
    /** Network is unreachable. */
    public static final int ENETUNREACH = 101;
    /** Connection aborted by the software. */
    public static final int ECONNABORTED = 103;
    /** Connection reset by peer. */
    public static final int ECONNRESET = 104;
    /** No buffer space available. */
    public static final int ENOBUFS = 105;
    /** The socket is already connected. */
    public static final int EISCONN = 106;
    /** The socket is not connected. */
    public static final int ENOTCONN = 107;
    /** Connection timed out. */
    public static final int ETIMEDOUT = 110;
    /** Connection refused. */
    public static final int ECONNREFUSED = 111;
    /** No route to host. */
    public static final int EHOSTUNREACH = 113;
    /** A non-blocking connect is already in progress. */
    public static final int EALREADY = 114;
    /** A non-blocking connect has started. */
    public static final int EINPROGRESS = 115;

    private static final String[] NAMES = new String[134];

    static {
        NAMES[EPERM] = "EPERM";
        NAMES[ENOENT] = "ENOENT";
        NAMES[EINTR] = "EINTR";
        NAMES[EIO] = "EIO";
        NAMES[EBADF] = "EBADF";
        NAMES[EAGAIN] = "EAGAIN";
        NAMES[ENOMEM] = "ENOMEM";
        NAMES[EACCES] = "EACCES";
        NAMES[EFAULT] = "EFAULT";
        NAMES[EEXIST] = "EEXIST";
        NAMES[EINVAL] = "EINVAL";
        NAMES[ENFILE] = "ENFILE";
        NAMES[EMFILE] = "EMFILE";
        NAMES[ESPIPE] = "ESPIPE";
        NAMES[EPIPE] = "EPIPE";
        NAMES[ENOSYS] = "ENOSYS";
        NAMES[ENOTSOCK] = "ENOTSOCK";
        NAMES[EDESTADDRREQ] = "EDESTADDRREQ";
        NAMES[EPROTONOSUPPORT] = "EPROTONOSUPPORT";
        NAMES[EOPNOTSUPP] = "EOPNOTSUPP";
        NAMES[EAFNOSUPPORT] = "EAFNOSUPPORT";
        NAMES[EADDRINUSE] = "EADDRINUSE";
        NAMES[EADDRNOTAVAIL] = "EADDRNOTAVAIL";
        NAMES[ENETUNREACH] = "ENETUNREACH";
        NAMES[ECONNABORTED] = "ECONNABORTED";
        NAMES[ECONNRESET] = "ECONNRESET";
        NAMES[ENOBUFS] = "ENOBUFS";
        NAMES[EISCONN] = "EISCONN";
        NAMES[ENOTCONN] = "ENOTCONN";
        NAMES[ETIMEDOUT] = "ETIMEDOUT";
        NAMES[ECONNREFUSED] = "ECONNREFUSED";
        NAMES[EHOSTUNREACH] = "EHOSTUNREACH";
        NAMES[EALREADY] = "EALREADY";
        NAMES[EINPROGRESS] = "EINPROGRESS";
    }

    private Errno() {
    }

    /**
     * The symbolic name of an errno value.
     *
     * @param errno a positive errno, or a negative system-call result (its negation is looked up)
     * @return the name, such as {@code "ECONNREFUSED"}, or {@code "errno 42"} for a value without a name here
     */
    public static String name(final int errno) {
        final int e = errno < 0 ? -errno : errno;
        if (e < NAMES.length && NAMES[e] != null) {
            return NAMES[e];
        }
        return "errno " + e;
    }

    /**
     * Whether a system-call result means "would block, wait for readiness".
     *
     * @param result a result of a {@link Syscalls} method
     * @return true for {@code -EAGAIN} (which Linux also spells EWOULDBLOCK)
     */
    public static boolean wouldBlock(final long result) {
        return result == -EAGAIN;
    }
}
