package io.jlvs.transport.epoll.internal;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The one owner of the native linker and of every downcall handle: each a {@code static final} field named
 * after the C library function it calls, looked up once when this class initialises, so that no call site
 * ever looks anything up. Only {@link Syscalls} (and the wake-up in {@link Epoll}) invoke these, with
 * {@code invokeExact}.
 *
 * <p>Every handle except {@link #EVENTFD_WRITE_NO_ERRNO} takes a leading capture-state segment
 * ({@link Linker.Option#captureCallState(String...) captureCallState("errno")}): the linker stores errno
 * there right after the call, on the calling thread, so nothing depends on what the JVM does to errno
 * afterwards.
 *
 * <p>Allocation. The JDK slices the capture segment on every call ({@code asSlice(0, captureStateLayout)}) and
 * passes the slice down the handle's adapter chain; the slice costs nothing only where C2 inlines that whole
 * chain and escape analysis removes it. In an ordinary (non-critical) handle the chain ends in a helper the JDK
 * does not force-inline ({@code SharedUtils.checkNative(slice)}, 38 bytecodes, just over the 35 C2 inlines at a
 * call site it profiles as cold); whether it is inlined then depends on the profile of the JDK's shared stub,
 * which a loaded machine (long compile queues, tier-2 code that counts calls without profiling them) leaves
 * cold, and the slice escapes: 40 bytes per call. A handle linked {@code critical(true)} passes every segment,
 * the capture segment included, as base and offset, with no such check, so what is left of the chain is
 * force-inlined or trivial and the slice is removed with the default JIT flags. Critical calls keep the
 * thread in Java state, so a safepoint waits for them: only calls that cannot block are linked so (the
 * {@code quick} handles, and the {@code _NB}/{@code _NOW} twins of calls that can block, which
 * {@link Syscalls} picks by the call's non-blocking flag or zero timeout).
 *
 * <p>Buffer addresses on the data path ({@code read}, {@code write}, {@code recv}, {@code send}) are passed
 * as {@code long} rather than as {@link MemorySegment}: a pointer and a 64-bit integer travel in the same
 * register class on both supported ABIs (System V x86-64, AAPCS64), and a raw address lets the caller pass
 * an offset into a pooled buffer without creating a slice object per call. {@link Syscalls} checks the
 * bounds and liveness against the segment before it passes the address.
 *
 * <p>Immutable (static final handles); the handles themselves are thread-safe.
 */
@SuppressWarnings("restricted")
final class LibC {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");

    /** The layout of the capture-state segment each errno-capturing call takes first. */
    static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    /** Where errno sits in a capture-state segment. */
    static final long ERRNO_OFFSET = CAPTURE_LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("errno"));

    /** Whether this JDK links errno capture together with {@code critical(true)} (Java 24 and later). */
    static final boolean CRITICAL_ERRNO = criticalErrno();

    /** {@code int socket(int domain, int type, int protocol)} */
    static final MethodHandle SOCKET = quick("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    /** {@code int setsockopt(int fd, int level, int name, const void *value, socklen_t len)} */
    static final MethodHandle SETSOCKOPT = quick("setsockopt",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    /** {@code int getsockopt(int fd, int level, int name, void *value, socklen_t *len)} */
    static final MethodHandle GETSOCKOPT = quick("getsockopt",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    /** {@code int bind(int fd, const struct sockaddr *addr, socklen_t len)} */
    static final MethodHandle BIND = quick("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    /** {@code int listen(int fd, int backlog)} */
    static final MethodHandle LISTEN = quick("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    /** {@code int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)} */
    static final MethodHandle ACCEPT4 = errno("accept4",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    /** {@code int connect(int fd, const struct sockaddr *addr, socklen_t len)} */
    static final MethodHandle CONNECT = errno("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    /** {@code int getsockname(int fd, struct sockaddr *addr, socklen_t *len)} */
    static final MethodHandle GETSOCKNAME = quick("getsockname",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    /** {@code int getpeername(int fd, struct sockaddr *addr, socklen_t *len)} */
    static final MethodHandle GETPEERNAME = quick("getpeername",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    /** {@code int shutdown(int fd, int how)} */
    static final MethodHandle SHUTDOWN = quick("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    /** {@code int close(int fd)} */
    static final MethodHandle CLOSE = errno("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    /** {@code ssize_t read(int fd, void *buf, size_t count)}, the buffer as a raw address */
    static final MethodHandle READ = errno("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    /** {@link #READ} linked critical: for a descriptor that cannot block (a non-blocking eventfd) */
    static final MethodHandle READ_NB = quick("read",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    /** {@code ssize_t write(int fd, const void *buf, size_t count)}, the buffer as a raw address */
    static final MethodHandle WRITE = errno("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    /** {@link #WRITE} linked critical: for a descriptor that cannot block (a non-blocking eventfd) */
    static final MethodHandle WRITE_NB = quick("write",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    /** {@code ssize_t recv(int fd, void *buf, size_t len, int flags)}, the buffer as a raw address */
    static final MethodHandle RECV = errno("recv",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    /** {@link #RECV} linked critical, for calls with {@code MSG_DONTWAIT} */
    static final MethodHandle RECV_NB = quick("recv",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    /** {@code ssize_t send(int fd, const void *buf, size_t len, int flags)}, the buffer as a raw address */
    static final MethodHandle SEND = errno("send",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    /** {@link #SEND} linked critical, for calls with {@code MSG_DONTWAIT} */
    static final MethodHandle SEND_NB = quick("send",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    /** {@code int epoll_create1(int flags)} */
    static final MethodHandle EPOLL_CREATE1 = quick("epoll_create1", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    /** {@code int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)} */
    static final MethodHandle EPOLL_CTL = quick("epoll_ctl",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    /** {@code int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout)} */
    static final MethodHandle EPOLL_WAIT = errno("epoll_wait",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    /** {@link #EPOLL_WAIT} linked critical, for a zero timeout (a poll that cannot block) */
    static final MethodHandle EPOLL_WAIT_NOW = quick("epoll_wait",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    /** {@code int eventfd(unsigned int initval, int flags)} */
    static final MethodHandle EVENTFD = quick("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    /**
     * {@code ssize_t write(int fd, const void *buf, size_t count)} without errno capture, for the
     * cross-thread wake-up, whose only possible failure (EAGAIN: the counter is already near its maximum)
     * means the loop is already being woken.
     */
    static final MethodHandle EVENTFD_WRITE_NO_ERRNO = LINKER.downcallHandle(symbol("write"),
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    /** {@code int pipe2(int pipefd[2], int flags)} */
    static final MethodHandle PIPE2 = quick("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    /** {@code int fcntl(int fd, int cmd, int arg)}, variadic after {@code cmd} */
    static final MethodHandle FCNTL = LINKER.downcallHandle(symbol("fcntl"),
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), ERRNO, Linker.Option.firstVariadicArg(2));
    /** {@code int open(const char *path, int flags, mode_t mode)}, variadic after {@code flags} */
    static final MethodHandle OPEN = LINKER.downcallHandle(symbol("open"),
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), ERRNO, Linker.Option.firstVariadicArg(2));
    /** {@code ssize_t splice(int in, loff_t *off_in, int out, loff_t *off_out, size_t len, unsigned flags)} */
    static final MethodHandle SPLICE = errno("splice",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    /** {@link #SPLICE} linked critical, for calls with {@code SPLICE_F_NONBLOCK} between non-blocking descriptors */
    static final MethodHandle SPLICE_NB = quick("splice",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    /** {@code ssize_t sendfile(int out_fd, int in_fd, off_t *offset, size_t count)} */
    static final MethodHandle SENDFILE = errno("sendfile",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG));
    /** {@code int recvmmsg(int fd, struct mmsghdr *vec, unsigned vlen, int flags, struct timespec *timeout)} */
    static final MethodHandle RECVMMSG = errno("recvmmsg",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
    /** {@link #RECVMMSG} linked critical, for calls with {@code MSG_DONTWAIT} */
    static final MethodHandle RECVMMSG_NB = quick("recvmmsg",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
    /** {@code int sendmmsg(int fd, struct mmsghdr *vec, unsigned vlen, int flags)} */
    static final MethodHandle SENDMMSG = errno("sendmmsg",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    /** {@link #SENDMMSG} linked critical, for calls with {@code MSG_DONTWAIT} */
    static final MethodHandle SENDMMSG_NB = quick("sendmmsg",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    /** {@code int getrlimit(int resource, struct rlimit *rlim)} */
    static final MethodHandle GETRLIMIT = quick("getrlimit", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    /** {@code int setrlimit(int resource, const struct rlimit *rlim)} */
    static final MethodHandle SETRLIMIT = quick("setrlimit", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));

    private LibC() {
    }

    private static MemorySegment symbol(final String name) {
        return LINKER.defaultLookup().find(name)
            .orElseThrow(() -> new UnsatisfiedLinkError("C library function not found: " + name));
    }

    private static MethodHandle errno(final String name, final FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(symbol(name), descriptor, ERRNO);
    }

    /**
     * A handle for a call that cannot block, linked {@linkplain Linker.Option#critical(boolean) critical} (with
     * heap access) as well as capturing errno, where the JDK allows the two together (Java 24 and later; on
     * Java 22 and 23 this is {@link #errno}'s ordinary handle). See the class comment for why.
     */
    private static MethodHandle quick(final String name, final FunctionDescriptor descriptor) {
        return CRITICAL_ERRNO ? LINKER.downcallHandle(symbol(name), descriptor, ERRNO, Linker.Option.critical(true))
            : errno(name, descriptor);
    }

    private static boolean criticalErrno() {
        try {
            LINKER.downcallHandle(symbol("close"), FunctionDescriptor.of(JAVA_INT, JAVA_INT), ERRNO,
                Linker.Option.critical(true));
            return true;
        } catch (final IllegalArgumentException beforeJava24) {
            return false;
        }
    }

    /**
     * Rethrows what a downcall threw: downcalls declare {@code Throwable} but only unchecked failures can
     * come out of them (a wrong argument type is a programming error here, caught by the tests).
     *
     * @param t the throwable
     * @return never returns normally; declared so that callers can write {@code throw rethrow(t)}
     */
    static RuntimeException rethrow(final Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("downcall failed", t);
    }
}
