package io.jlvs.transport.epoll.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hot path allocates nothing once compiled: system calls with errno capture, epoll, eventfd, the splice
 * and copy relays and datagram batches, measured with the thread's allocation counter over rounds of
 * 2,000 iterations. The first rounds run interpreted (and may allocate); each operation passes when one
 * round allocates nothing, and fails if none does before its deadline.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class AllocationTest {
    private static final int LOOPBACK = 0x7f000001;
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void shouldNotAllocateOnTheDataPathOnceCompiled() throws Exception {
        try (Syscalls sys = new Syscalls(); Epoll ep = new Epoll(sys, 8);
             PipePool pipes = new PipePool(sys, 65536, 4); BufferPool buffers = new BufferPool(65536, 4)) {
            final int lfd = sys.socket(Linux.AF_INET, Linux.SOCK_STREAM | Linux.SOCK_NONBLOCK, 0);
            assertEquals(0, sys.bind(lfd, new SockAddr(sys.arena()).ipv4(LOOPBACK, 0)));
            assertEquals(0, sys.listen(lfd, 8));
            final SockAddr at = new SockAddr(sys.arena());
            sys.getsockname(lfd, at);
            final int[] c = new int[2];
            final int[] s = new int[2];
            for (int i = 0; i < 2; i++) {
                c[i] = sys.socket(Linux.AF_INET, Linux.SOCK_STREAM, 0); // blocking connect, then non-blocking I/O
                assertEquals(0, sys.connect(c[i], at));
                int a;
                do {
                    a = sys.accept4(lfd, null, Linux.SOCK_NONBLOCK);
                } while (a == -Errno.EAGAIN);
                s[i] = a;
            }
            final int udp = sys.socket(Linux.AF_INET, Linux.SOCK_DGRAM | Linux.SOCK_NONBLOCK, 0);
            assertEquals(0, sys.bind(udp, new SockAddr(sys.arena()).ipv4(LOOPBACK, 0)));
            final SockAddr udpAt = new SockAddr(sys.arena());
            sys.getsockname(udp, udpAt);
            final DatagramBatch batch = new DatagramBatch(sys.arena(), 4, 512);
            final SockAddr from = new SockAddr(sys.arena());
            final int efd = sys.eventfd(0, Linux.EFD_NONBLOCK);
            assertEquals(0, ep.add(efd, Linux.EPOLLIN, 5L));
            final MemorySegment msg = sys.arena().allocate(1024);
            final MemorySegment in = sys.arena().allocate(1024);
            final SpliceRelay splice = new SpliceRelay(sys, pipes, s[0], c[1], 1 << 20);
            final CopyRelay copy = new CopyRelay(sys, buffers, s[0], c[1], 1 << 20);
            try {
                assertNoAllocation("eventfd and epoll_wait", () -> {
                    check(sys.eventfdWrite(efd, 1) == 8);
                    check(ep.await(0) == 1 && ep.data(0) == 5L && (ep.events(0) & Linux.EPOLLIN) != 0);
                    check(sys.eventfdRead(efd) == 1);
                });
                assertNoAllocation("send and recv", () -> {
                    check(sys.send(c[0], msg, 0, 1024, Linux.MSG_NOSIGNAL | Linux.MSG_DONTWAIT) == 1024);
                    drain(sys, s[0], in, null);
                });
                assertNoAllocation("splice relay", () -> {
                    check(sys.send(c[0], msg, 0, 1024, Linux.MSG_NOSIGNAL | Linux.MSG_DONTWAIT) == 1024);
                    drain(sys, s[1], in, splice);
                });
                assertNoAllocation("copy relay", () -> {
                    check(sys.send(c[0], msg, 0, 1024, Linux.MSG_NOSIGNAL | Linux.MSG_DONTWAIT) == 1024);
                    drain(sys, s[1], in, copy);
                });
                assertNoAllocation("sendmmsg and recvmmsg", () -> {
                    batch.prepare(0, udpAt, 100);
                    check(batch.send(sys, udp, 0, 1) == 1);
                    int r;
                    do {
                        r = batch.receive(sys, udp);
                    } while (r == -Errno.EAGAIN);
                    check(r == 1 && batch.length(0) == 100);
                    batch.source(0, from);
                    check(from.port() == udpAt.port());
                });
                assertTrue(splice.bytes() > 0 && copy.bytes() > 0);
                assertEquals(0, pipes.inUse(), "no pipe held between messages");
                assertEquals(0, buffers.inUse(), "no buffer held between messages");
            } finally {
                for (int i = 0; i < 2; i++) {
                    sys.close(c[i]);
                    sys.close(s[i]);
                }
                sys.close(lfd);
                sys.close(udp);
                sys.close(efd);
            }
        }
    }

    /** Receives 1 KiB on {@code sink}, pumping {@code relay} (when given) to bring it there. */
    private static void drain(final Syscalls sys, final int sink, final MemorySegment in, final Relay relay) {
        long got = 0;
        int spins = 0;
        while (got < 1024) {
            if (relay != null) {
                final int st = relay.pump();
                check(st == Relay.WANT_READ || st == Relay.WANT_WRITE);
            }
            final long n = sys.recv(sink, in, got, 1024 - got, Linux.MSG_DONTWAIT);
            if (n > 0) {
                got += n;
            } else {
                check(n == -Errno.EAGAIN && ++spins < 1_000_000);
            }
        }
    }

    /**
     * Runs {@code op} in rounds of 2,000 until a round allocates nothing; fails if none does within 40 s
     * (the JIT compiles in the background, later on a loaded machine). Each operation gets its own loop, the
     * way the event loop's small handler methods compile.
     */
    private static void assertNoAllocation(final String what, final Runnable op) {
        long best = Long.MAX_VALUE;
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        while (best > 0 && System.nanoTime() < deadline) {
            final long before = THREADS.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 2000; i++) {
                op.run();
            }
            best = Math.min(best, THREADS.getCurrentThreadAllocatedBytes() - before);
        }
        assertEquals(0, best, what + ": bytes allocated by the best round of 2,000");
    }

    private static void check(final boolean ok) {
        if (!ok) {
            throw new AssertionError("unexpected system-call result");
        }
    }
}
