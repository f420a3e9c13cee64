package io.jlvs.transport.epoll.internal;

import java.io.IOException;

/**
 * A failed system call on the control path (opening a listener, creating an epoll instance), carrying the
 * errno and the call that failed. The data path never throws this: it returns negated errno values.
 *
 * <p>Immutable.
 */
public final class NativeException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The positive errno. */
    private final int errno;

    /**
     * Makes the exception.
     *
     * @param call what was attempted, e.g. {@code "bind 127.0.0.1:80"}
     * @param result the negative result of the call (a negated errno)
     */
    public NativeException(final String call, final long result) {
        super(call + ": " + Errno.name((int) -result) + " (errno " + -result + ")");
        this.errno = (int) -result;
    }

    /** {@return the positive errno of the failed call} */
    public int errno() {
        return errno;
    }

    /**
     * Throws when a system-call result is an error.
     *
     * @param call what was attempted, for the message
     * @param result the result of a {@link Syscalls} method
     * @return {@code result} when it is not negative
     * @throws NativeException when {@code result} is a negated errno
     */
    public static long check(final String call, final long result) throws NativeException {
        if (result < 0) {
            throw new NativeException(call, result);
        }
        return result;
    }

    /**
     * Throws when an int system-call result is an error.
     *
     * @param call what was attempted, for the message
     * @param result the result of a {@link Syscalls} method
     * @return {@code result} when it is not negative
     * @throws NativeException when {@code result} is a negated errno
     */
    public static int check(final String call, final int result) throws NativeException {
        if (result < 0) {
            throw new NativeException(call, result);
        }
        return result;
    }
}
