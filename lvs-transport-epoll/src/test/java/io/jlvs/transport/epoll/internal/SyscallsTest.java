package io.jlvs.transport.epoll.internal;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.jlvs.transport.epoll.internal.Linux.AF_INET;
import static io.jlvs.transport.epoll.internal.Linux.SOCK_CLOEXEC;
import static io.jlvs.transport.epoll.internal.Linux.SOCK_NONBLOCK;
import static io.jlvs.transport.epoll.internal.Linux.SOCK_STREAM;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every system call of the native layer against real loopback sockets, pipes, eventfds and files,
 * including the error paths.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SyscallsTest {
    private static final int LOOPBACK = 0x7f000001;

    private Syscalls sys;
    private Arena arena;
    private final List<Integer> fds = new ArrayList<>();

    @BeforeEach
    void open() {
        sys = new Syscalls();
        arena = Arena.ofConfined();
    }

    @AfterEach
    void closeAll() {
        for (final int fd : fds) {
            sys.close(fd);
        }
        arena.close();
        sys.close();
    }

    private int track(final int fd) {
        assertTrue(fd >= 0, () -> "expected a descriptor, got " + Errno.name(fd));
        fds.add(fd);
        return fd;
    }

    private int listener(final SockAddr bound) {
        final int fd = track(sys.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        assertEquals(0, sys.setsockopt(fd, Linux.SOL_SOCKET, Linux.SO_REUSEADDR, 1));
        assertEquals(0, sys.bind(fd, new SockAddr(arena).ipv4(LOOPBACK, 0)));
        assertEquals(0, sys.listen(fd, 16));
        assertEquals(0, sys.getsockname(fd, bound));
        return fd;
    }

    private static int deadPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void shouldNameErrnoValues() {
        assertEquals("EAGAIN", Errno.name(Errno.EAGAIN));
        assertEquals("ECONNREFUSED", Errno.name(-Errno.ECONNREFUSED));
        assertEquals("EINPROGRESS", Errno.name(115));
        assertEquals("errno 200", Errno.name(200));
        assertEquals("bind 1.2.3.4:5: EADDRINUSE (errno 98)",
            new NativeException("bind 1.2.3.4:5", -Errno.EADDRINUSE).getMessage());
        assertTrue(Errno.wouldBlock(-11));
    }

    @Test
    void shouldListenAcceptAndExchangeBytesWithAJavaClient() throws Exception {
        final SockAddr bound = new SockAddr(arena);
        final int lfd = listener(bound);
        assertEquals(AF_INET, bound.family());
        assertEquals(LOOPBACK, bound.ipv4Address());
        assertTrue(bound.port() > 0);
        assertEquals(-Errno.EAGAIN, sys.accept4(lfd, null, SOCK_NONBLOCK), "empty accept queue");

        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), bound.port())) {
            final SockAddr peer = new SockAddr(arena);
            int cfd;
            try (Epoll ep = new Epoll(sys, 4)) {
                assertEquals(0, ep.add(lfd, Linux.EPOLLIN, 7L));
                assertEquals(1, ep.await(10_000));
                assertEquals(7L, ep.data(0));
                assertTrue((ep.events(0) & Linux.EPOLLIN) != 0);
                cfd = track(sys.accept4(lfd, peer, SOCK_NONBLOCK | SOCK_CLOEXEC));
            }
            assertEquals(new InetSocketAddress(InetAddress.getLoopbackAddress(), client.getLocalPort()),
                peer.toInetSocketAddress());
            final SockAddr peer2 = new SockAddr(arena);
            assertEquals(0, sys.getpeername(cfd, peer2));
            assertEquals(client.getLocalPort(), peer2.port());
            final SockAddr local = new SockAddr(arena);
            assertEquals(0, sys.getsockname(cfd, local));
            assertEquals(bound.port(), local.port());

            assertEquals(0, sys.setsockopt(cfd, Linux.IPPROTO_TCP, Linux.TCP_NODELAY, 1));
            assertEquals(1, sys.getsockopt(cfd, Linux.IPPROTO_TCP, Linux.TCP_NODELAY));
            assertEquals(0, sys.setsockopt(cfd, Linux.IPPROTO_TCP, Linux.TCP_NODELAY, 0));
            assertEquals(0, sys.getsockopt(cfd, Linux.IPPROTO_TCP, Linux.TCP_NODELAY));
            assertEquals(0, sys.soError(cfd));

            final MemorySegment buf = arena.allocate(64);
            assertEquals(-Errno.EAGAIN, sys.recv(cfd, buf, 0, 64, Linux.MSG_DONTWAIT), "nothing sent yet");
            final OutputStream out = client.getOutputStream();
            out.write("hello".getBytes());
            out.flush();
            long n;
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            do {
                n = sys.recv(cfd, buf, 3, 61, 0);
            } while (n == -Errno.EAGAIN && System.nanoTime() < deadline);
            assertEquals(5, n);
            assertEquals("hello", new String(buf.asSlice(3, 5).toArray(ValueLayout.JAVA_BYTE)));

            buf.asSlice(0, 3).copyFrom(MemorySegment.ofArray("abc".getBytes()));
            assertEquals(3, sys.send(cfd, buf, 0, 3, Linux.MSG_NOSIGNAL));
            assertEquals(2, sys.write(cfd, buf, 3, 2));
            assertEquals(0, sys.shutdown(cfd, Linux.SHUT_WR));
            final InputStream in = client.getInputStream();
            assertArrayEquals("abche".getBytes(), in.readAllBytes(), "bytes then EOF after SHUT_WR");

            client.shutdownOutput();
            do {
                n = sys.read(cfd, buf, 0, 64);
            } while (n == -Errno.EAGAIN && System.nanoTime() < deadline);
            assertEquals(0, n, "end of stream after the client's FIN");
        }
    }

    @Test
    void shouldRefuseCallsFromAnotherThread() throws Exception {
        final CompletableFuture<Throwable> other = CompletableFuture.supplyAsync(() -> {
            try {
                sys.close(-1);
                return null;
            } catch (final Throwable t) {
                return t;
            }
        });
        final Throwable t = other.get(10, TimeUnit.SECONDS);
        assertTrue(t instanceof WrongThreadException, () -> "expected WrongThreadException, got " + t);
        assertEquals(-Errno.EBADF, sys.close(-1), "the owner thread still can");
    }

    @Test
    void shouldRejectBuffersOutOfBoundsOrOnTheHeap() {
        final MemorySegment buf = arena.allocate(16);
        try {
            sys.read(0, buf, 8, 9);
            throw new AssertionError("expected IndexOutOfBoundsException");
        } catch (final IndexOutOfBoundsException expected) {
            // the bounds are checked before the address is passed
        }
        try {
            sys.read(0, MemorySegment.ofArray(new byte[4]), 0, 4);
            throw new AssertionError("expected IllegalArgumentException");
        } catch (final IllegalArgumentException expected) {
            assertEquals("buffer is not native memory", expected.getMessage());
        }
    }

    @Test
    void shouldReportConnectRefusedBlockingAndNonBlocking() throws Exception {
        final int port = deadPort();
        final SockAddr dead = new SockAddr(arena).ipv4(LOOPBACK, port);

        final int blocking = track(sys.socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        assertEquals(-Errno.ECONNREFUSED, sys.connect(blocking, dead));

        final int fd = track(sys.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        final int r = sys.connect(fd, dead);
        if (r == -Errno.EINPROGRESS) {
            try (Epoll ep = new Epoll(sys, 4)) {
                assertEquals(0, ep.add(fd, Linux.EPOLLOUT, 1L));
                assertEquals(1, ep.await(10_000));
                assertTrue((ep.events(0) & (Linux.EPOLLERR | Linux.EPOLLHUP)) != 0, "error readiness");
            }
            assertEquals(Errno.ECONNREFUSED, sys.soError(fd));
            assertEquals(0, sys.soError(fd), "SO_ERROR is cleared by reading it");
        } else {
            assertEquals(-Errno.ECONNREFUSED, r, "loopback may refuse at once");
        }
    }

    @Test
    void shouldConnectNonBlockingToALiveListener() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
            final int fd = track(sys.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
            final int r = sys.connect(fd, new SockAddr(arena).ipv4(LOOPBACK, server.getLocalPort()));
            assertTrue(r == 0 || r == -Errno.EINPROGRESS, () -> Errno.name(r));
            try (Epoll ep = new Epoll(sys, 4)) {
                assertEquals(0, ep.add(fd, Linux.EPOLLOUT, 9L));
                assertEquals(1, ep.await(10_000));
                assertEquals(Linux.EPOLLOUT, ep.events(0));
            }
            assertEquals(0, sys.soError(fd));
            try (Socket accepted = server.accept()) {
                final SockAddr local = new SockAddr(arena);
                assertEquals(0, sys.getsockname(fd, local));
                assertEquals(local.port(), accepted.getPort());
            }
        }
    }

    @Test
    void shouldReportBindAndStateErrors() throws Exception {
        final SockAddr bound = new SockAddr(arena);
        listener(bound);
        final int other = track(sys.socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        assertEquals(-Errno.EADDRINUSE, sys.bind(other, bound));
        assertEquals(-Errno.ENOTCONN, sys.getpeername(other, new SockAddr(arena)));
        assertEquals(-Errno.ENOTCONN, sys.shutdown(other, Linux.SHUT_WR));
        assertEquals(-Errno.EINVAL, sys.accept4(other, null, 0), "accept on a socket that does not listen");
        assertEquals(-Errno.EAFNOSUPPORT, sys.socket(12345, SOCK_STREAM, 0));

        final int fd = sys.socket(AF_INET, SOCK_STREAM, 0);
        assertTrue(fd >= 0);
        assertEquals(0, sys.close(fd));
        assertEquals(-Errno.EBADF, sys.close(fd), "a second close is visible");
        assertEquals(-Errno.ENOENT, sys.open("/nonexistent/jlvs-" + System.nanoTime(), Linux.O_RDONLY));
    }

    @Test
    void shouldFillAPipeToItsCapacityThenSayEagainAndEpipe() {
        final int[] p = new int[2];
        assertEquals(0, sys.pipe2(p, Linux.O_NONBLOCK | Linux.O_CLOEXEC));
        track(p[0]);
        track(p[1]);
        assertEquals(8192, sys.fcntl(p[1], Linux.F_SETPIPE_SZ, 8192));
        assertEquals(8192, sys.fcntl(p[1], Linux.F_GETPIPE_SZ, 0));
        // 4096 bytes = one page = one pipe slot (writes up to PIPE_BUF are atomic: all or EAGAIN)
        final MemorySegment chunk = arena.allocate(4096);
        chunk.fill((byte) 'x');
        long total = 0;
        long n;
        while ((n = sys.write(p[1], chunk, 0, 4096)) > 0) {
            total += n;
        }
        assertEquals(-Errno.EAGAIN, n, "a full non-blocking pipe");
        assertEquals(8192, total);
        assertEquals(4096, sys.read(p[0], chunk, 0, 4096));
        assertEquals(4096, sys.write(p[1], chunk, 0, 4096), "room again after a read");

        assertEquals(0, sys.close(p[0]));
        fds.remove(Integer.valueOf(p[0]));
        assertEquals(-Errno.EPIPE, sys.write(p[1], chunk, 0, 1), "no reader: EPIPE (SIGPIPE is ignored)");
        assertEquals(-Errno.EBADF, sys.fcntl(-5, Linux.F_GETPIPE_SZ, 0));
    }

    @Test
    void shouldCountEventfdAndWakeAWaitingEpollFromAnotherThread() throws Exception {
        final int efd = track(sys.eventfd(0, Linux.EFD_NONBLOCK | Linux.EFD_CLOEXEC));
        assertEquals(-Errno.EAGAIN, sys.eventfdRead(efd));
        assertEquals(8, sys.eventfdWrite(efd, 2));
        assertEquals(8, sys.eventfdWrite(efd, 3));
        assertEquals(5, sys.eventfdRead(efd));
        assertEquals(-Errno.EAGAIN, sys.eventfdRead(efd));

        try (Epoll ep = new Epoll(sys, 4)) {
            assertEquals(0, ep.await(0), "nothing ready");
            final CompletableFuture<Void> waker = CompletableFuture.runAsync(ep::wakeup);
            assertEquals(1, ep.await(-1), "woken without a timeout");
            assertEquals(Epoll.WAKEUP_DATA, ep.data(0));
            assertEquals(1, ep.clearWakeup());
            waker.get(10, TimeUnit.SECONDS);
            assertEquals(0, ep.await(0), "the wake-up was consumed");
            assertEquals(0, ep.add(efd, Linux.EPOLLIN, 3L));
            assertEquals(-Errno.EEXIST, ep.add(efd, Linux.EPOLLIN, 3L), "registered twice");
            assertEquals(0, ep.await(0));
            assertEquals(8, sys.eventfdWrite(efd, 1));
            assertEquals(1, ep.await(1000));
            assertEquals(3L, ep.data(0));
            assertEquals(0, ep.modify(efd, Linux.EPOLLIN, 4L));
            assertEquals(1, ep.await(1000), "level-triggered: still ready");
            assertEquals(4L, ep.data(0));
            assertEquals(0, ep.remove(efd));
            assertEquals(0, ep.await(0), "removed");
            assertEquals(-Errno.ENOENT, ep.modify(efd, Linux.EPOLLIN, 5L));
        }
        final Epoll closed = new Epoll(sys, 1);
        closed.close();
        assertEquals(-1, closed.fd(), "a closed epoll shows -1");
        closed.close(); // a second close does nothing
    }

    @Test
    void shouldSpliceBetweenASocketAndAPipe() throws Exception {
        final SockAddr bound = new SockAddr(arena);
        final int lfd = listener(bound);
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), bound.port())) {
            int cfd;
            do {
                cfd = sys.accept4(lfd, null, SOCK_NONBLOCK);
            } while (cfd == -Errno.EAGAIN);
            track(cfd);
            final int[] p = new int[2];
            assertEquals(0, sys.pipe2(p, Linux.O_NONBLOCK | Linux.O_CLOEXEC));
            track(p[0]);
            track(p[1]);
            final int flags = Linux.SPLICE_F_MOVE | Linux.SPLICE_F_NONBLOCK;
            assertEquals(-Errno.EAGAIN, sys.splice(cfd, p[1], 65536, flags), "nothing to read");
            client.getOutputStream().write(new byte[] {1, 2, 3, 4, 5, 6, 7});
            long n;
            do {
                n = sys.splice(cfd, p[1], 65536, flags);
            } while (n == -Errno.EAGAIN);
            assertEquals(7, n);
            assertEquals(7, sys.splice(p[0], cfd, 7, flags), "back out to the same socket");
            final byte[] echo0 = new byte[7];
            client.getInputStream().readNBytes(echo0, 0, 7);
            assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7}, echo0);

            // an incoming header is peeked at, consumed to its exact length, and the rest spliced
            client.getOutputStream().write("HDR\r\nrest".getBytes());
            final MemorySegment peek = arena.allocate(64);
            do {
                n = sys.recv(cfd, peek, 0, 64, Linux.MSG_PEEK | Linux.MSG_DONTWAIT);
            } while (n == -Errno.EAGAIN || n > 0 && n < 9);
            assertEquals(9, n);
            assertEquals(9, sys.recv(cfd, peek, 0, 64, Linux.MSG_PEEK | Linux.MSG_DONTWAIT), "peek consumes nothing");
            assertEquals(5, sys.recv(cfd, peek, 0, 5, Linux.MSG_DONTWAIT), "the header, exactly");
            assertEquals(4, sys.splice(cfd, p[1], 65536, flags), "the rest goes by splice");
            assertEquals(4, sys.splice(p[0], cfd, 4, flags));
            assertArrayEquals("rest".getBytes(), client.getInputStream().readNBytes(4));
            client.shutdownOutput();
            do {
                n = sys.splice(cfd, p[1], 65536, flags);
            } while (n == -Errno.EAGAIN);
            assertEquals(0, n, "end of stream");
            assertEquals(-Errno.EINVAL, sys.splice(cfd, cfd, 1, flags), "neither end a pipe");
        }
    }

    @Test
    void shouldSendAFileRangeWithSendfile(@org.junit.jupiter.api.io.TempDir final Path dir) throws Exception {
        final byte[] content = new byte[3 * 1024 * 1024 + 17];
        new Random(42).nextBytes(content);
        final Path file = dir.resolve("sorry.bin");
        Files.write(file, content);
        final int ffd = track(sys.open(file.toString(), Linux.O_RDONLY | Linux.O_CLOEXEC));

        final SockAddr bound = new SockAddr(arena);
        final int lfd = listener(bound);
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), bound.port())) {
            final CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
                try {
                    return client.getInputStream().readAllBytes();
                } catch (final Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            int cfd;
            do {
                cfd = sys.accept4(lfd, null, SOCK_NONBLOCK);
            } while (cfd == -Errno.EAGAIN);
            track(cfd);
            final FileSender sender = new FileSender(sys, ffd, 5, content.length - 5, cfd);
            try (Epoll ep = new Epoll(sys, 4)) {
                assertEquals(0, ep.add(cfd, Linux.EPOLLOUT | Linux.EPOLLET, 1L));
                int state;
                while ((state = sender.pump()) == Relay.WANT_WRITE) {
                    ep.await(10_000);
                }
                assertEquals(Relay.DONE, state);
            }
            assertEquals(content.length, sender.offset());

            final FileSender beyond = new FileSender(sys, ffd, content.length - 1, 10, cfd);
            assertEquals(Relay.ERROR, beyond.pump(), "the file ends before the range");
            assertEquals(Errno.EIO, beyond.errno());
            assertEquals(content.length, beyond.offset(), "the one byte there was got sent");

            assertEquals(0, sys.shutdown(cfd, Linux.SHUT_WR));
            final byte[] expected = Arrays.copyOfRange(content, 5, content.length + 1);
            expected[expected.length - 1] = content[content.length - 1];
            assertArrayEquals(expected, received.get(30, TimeUnit.SECONDS));
            assertEquals(Relay.ERROR, new FileSender(sys, ffd, 0, 1, cfd).pump(), "EPIPE after SHUT_WR");
        }
    }

    @Test
    void shouldLinkNonBlockingCallsCriticalFromJava24() {
        assertEquals(Runtime.version().feature() >= 24, LibC.CRITICAL_ERRNO,
            "errno capture linked critical(true) exactly where the JDK allows it");
    }

    /**
     * The critical twins (MSG_DONTWAIT, SPLICE_F_NONBLOCK, a zero timeout, eventfd reads and writes) report the same
     * errno as the ordinary handles, and an errno is never left over from the call before.
     */
    @Test
    void shouldReportTheSameErrnoThroughTheCriticalAndTheOrdinaryHandles() throws Exception {
        final int[] pipe = new int[2];
        assertEquals(0, sys.pipe2(pipe, Linux.O_NONBLOCK | Linux.O_CLOEXEC));
        track(pipe[0]);
        track(pipe[1]);
        final int[] other = new int[2];
        assertEquals(0, sys.pipe2(other, Linux.O_NONBLOCK | Linux.O_CLOEXEC));
        track(other[0]);
        track(other[1]);
        final int udp = track(sys.socket(AF_INET, Linux.SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        assertEquals(0, sys.bind(udp, new SockAddr(arena).ipv4(LOOPBACK, 0)));
        final int efd = track(sys.eventfd(0, Linux.EFD_NONBLOCK | Linux.EFD_CLOEXEC));
        final MemorySegment buf = arena.allocate(64);
        final DatagramBatch batch = new DatagramBatch(arena, 2, 64);
        final MemorySegment events = arena.allocate(Epoll.EVENT_BYTES * 2L, 8);
        for (int round = 0; round < 3; round++) {
            assertEquals(-Errno.ENOTSOCK, sys.recv(pipe[0], buf, 0, 64, Linux.MSG_DONTWAIT), "recv, critical");
            assertEquals(-Errno.EAGAIN, sys.recv(udp, buf, 0, 64, Linux.MSG_DONTWAIT), "recv on an empty socket");
            assertEquals(-Errno.ENOTSOCK, sys.recv(pipe[0], buf, 0, 64, 0), "recv, ordinary");
            assertEquals(-Errno.ENOTSOCK, sys.send(pipe[1], buf, 0, 64, Linux.MSG_DONTWAIT | Linux.MSG_NOSIGNAL));
            assertEquals(-Errno.ENOTSOCK, sys.send(pipe[1], buf, 0, 64, Linux.MSG_NOSIGNAL));
            assertEquals(-Errno.EAGAIN, batch.receive(sys, udp), "recvmmsg on an empty socket");
            assertEquals(-Errno.ENOTSOCK, batch.receive(sys, pipe[0]), "recvmmsg on a pipe");
            assertEquals(-Errno.ENOTSOCK, sys.recvmmsg(pipe[0], buf, 1, 0), "recvmmsg, ordinary");
            batch.prepare(0, null, 8);
            assertEquals(-Errno.EDESTADDRREQ, batch.send(sys, udp, 0, 1), "sendmmsg without a destination");
            assertEquals(-Errno.ENOTSOCK, sys.sendmmsg(pipe[1], buf, 1, 0), "sendmmsg, ordinary");
            assertEquals(-Errno.EAGAIN, sys.splice(pipe[0], other[1], 64, Linux.SPLICE_F_NONBLOCK), "splice, empty");
            assertEquals(-Errno.EBADF, sys.splice(-1, pipe[1], 64, Linux.SPLICE_F_NONBLOCK), "splice, critical");
            assertEquals(-Errno.EBADF, sys.splice(-1, pipe[1], 64, 0), "splice, ordinary");
            assertEquals(-Errno.EINVAL, sys.epollWait(pipe[0], events, 2, 0), "epoll_wait(0) on a pipe");
            assertEquals(-Errno.EINVAL, sys.epollWait(pipe[0], events, 2, 1), "epoll_wait(1) on a pipe");
            assertEquals(-Errno.EAGAIN, sys.eventfdRead(efd), "an eventfd at 0");
            assertEquals(-Errno.EBADF, sys.eventfdRead(pipe[1]), "read on a pipe's write end");
            assertEquals(-Errno.EBADF, sys.eventfdWrite(pipe[0], 1), "write on a pipe's read end");
            assertEquals(8, sys.eventfdWrite(efd, 2 + round));
            assertEquals(2 + round, sys.eventfdRead(efd), "a success right after failures");
        }
    }

    @Test
    void shouldReadAndLowerTheDescriptorLimit() {
        final long[] lim = new long[2];
        assertEquals(0, sys.getrlimit(Linux.RLIMIT_NOFILE, lim));
        assertTrue(lim[0] > 0 && lim[0] <= lim[1], () -> Arrays.toString(lim));
        assertEquals(0, sys.setrlimit(Linux.RLIMIT_NOFILE, lim[0], lim[1]), "setting the same limit");
        assertEquals(-Errno.EINVAL, sys.setrlimit(Linux.RLIMIT_NOFILE, lim[1] + 1, lim[1]), "soft above hard");
    }

    @Test
    void shouldEncodeIpv4AndIpv6Addresses() throws Exception {
        final SockAddr a = new SockAddr(arena).ipv4(0x0a000102, 8080);
        assertEquals(SockAddr.IN4_BYTES, a.length());
        assertEquals(new InetSocketAddress(InetAddress.getByName("10.0.1.2"), 8080), a.toInetSocketAddress());
        final SockAddr b = new SockAddr(arena).set(new InetSocketAddress(InetAddress.getByName("::1"), 443));
        assertEquals(Linux.AF_INET6, b.family());
        assertEquals(SockAddr.IN6_BYTES, b.length());
        assertEquals(443, b.port());
        assertEquals(new InetSocketAddress(InetAddress.getByName("::1"), 443), b.toInetSocketAddress());
        final SockAddr c = new SockAddr(arena);
        c.copyFrom(a);
        assertEquals(a.toInetSocketAddress(), c.toInetSocketAddress());
        try {
            a.ipv4(1, 70000);
            throw new AssertionError("expected IllegalArgumentException");
        } catch (final IllegalArgumentException expected) {
            assertEquals("port: 70000 (expected: 0-65535)", expected.getMessage());
        }
        // Bind ::1 when the host has IPv6 loopback; the encoding was checked above either way.
        final int fd = track(sys.socket(Linux.AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
        final SockAddr six = new SockAddr(arena).set(new InetSocketAddress(InetAddress.getByName("::1"), 0));
        final int r = sys.bind(fd, six);
        if (r == 0) {
            final SockAddr got = new SockAddr(arena);
            assertEquals(0, sys.getsockname(fd, got));
            assertEquals(Linux.AF_INET6, got.family());
            assertTrue(got.port() > 0);
            assertEquals(InetAddress.getByName("::1"), got.toInetSocketAddress().getAddress());
        } else {
            assertEquals(-Errno.EADDRNOTAVAIL, r, "no IPv6 loopback on this host");
        }
    }
}
