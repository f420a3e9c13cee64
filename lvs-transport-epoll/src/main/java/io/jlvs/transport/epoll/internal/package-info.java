/**
 * The native layer of the epoll transport, on {@code java.lang.foreign} only (no JNI, no native library,
 * no JDK internals): the system calls ({@link io.jlvs.transport.epoll.internal.Syscalls}, errno values in
 * {@link io.jlvs.transport.epoll.internal.Errno}), socket addresses, epoll with an eventfd wake-up, and the
 * relay primitives built on them: splice(2) through pooled pipes, a copy path through direct memory,
 * sendfile(2) for files and recvmmsg/sendmmsg batches for UDP.
 *
 * <p>Internal: not part of the JLVS API, and free to change. Every call returns a non-negative result or
 * a negated errno; nothing on the data path allocates or throws for a failed call. Every class is confined
 * to one event-loop thread unless its Javadoc says otherwise.
 */
package io.jlvs.transport.epoll.internal;
