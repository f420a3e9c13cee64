package io.jlvs.transport.epoll.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** recvmmsg/sendmmsg batches against real loopback UDP sockets. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DatagramBatchTest {
    private static final int LOOPBACK = 0x7f000001;

    @Test
    void shouldReceiveInBatchesAndEchoEveryDatagramToItsSource() throws Exception {
        final int clients = 3;
        final int perClient = 40; // 120 datagrams: several full batches of 32 and a partial one
        try (Syscalls sys = new Syscalls(); Epoll ep = new Epoll(sys, 8)) {
            final int fd = sys.socket(Linux.AF_INET, Linux.SOCK_DGRAM | Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC, 0);
            assertTrue(fd >= 0);
            try {
                assertEquals(0, sys.setsockopt(fd, Linux.SOL_SOCKET, Linux.SO_RCVBUF, 1 << 20));
                assertEquals(0, sys.bind(fd, new SockAddr(sys.arena()).ipv4(LOOPBACK, 0)));
                final SockAddr bound = new SockAddr(sys.arena());
                assertEquals(0, sys.getsockname(fd, bound));
                final DatagramBatch batch = new DatagramBatch(sys.arena(), DatagramBatch.DEFAULT_BATCH, 1500);
                assertEquals(32, batch.capacity());
                assertEquals(-Errno.EAGAIN, batch.receive(sys, fd), "nothing queued");

                final DatagramChannel[] ch = new DatagramChannel[clients];
                final InetSocketAddress target = new InetSocketAddress(InetAddress.getLoopbackAddress(), bound.port());
                for (int c = 0; c < clients; c++) {
                    ch[c] = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                    for (int i = 0; i < perClient; i++) {
                        ch[c].send(ByteBuffer.wrap(payload(c, i)), target);
                    }
                }
                assertEquals(0, ep.add(fd, Linux.EPOLLIN, 1L));
                final Map<Integer, Integer> next = new HashMap<>();
                final SockAddr from = new SockAddr(sys.arena());
                int received = 0;
                int calls = 0;
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (received < clients * perClient && System.nanoTime() < deadline) {
                    final int n = batch.receive(sys, fd);
                    if (n == -Errno.EAGAIN) {
                        ep.await(1000);
                        continue;
                    }
                    assertTrue(n > 0 && n <= 32, () -> "batch result " + n);
                    calls++;
                    for (int i = 0; i < n; i++) {
                        batch.source(i, from);
                        final int port = from.port();
                        final int c = indexOf(ch, port);
                        final int seq = next.merge(c, 1, Integer::sum) - 1;
                        final byte[] expected = payload(c, seq);
                        assertEquals(expected.length, batch.length(i));
                        assertFalse(batch.truncated(i));
                        assertEquals(MemorySegment.ofArray(expected).mismatch(
                            batch.data(i).asSlice(0, batch.length(i))), -1L, "datagram " + c + "/" + seq);
                        // echo it back: the slot keeps its bytes, gets the source as destination
                        batch.prepare(i, from, batch.length(i));
                    }
                    int sent = 0;
                    while (sent < n) {
                        final int s = batch.send(sys, fd, sent, n - sent);
                        assertTrue(s > 0, () -> "sendmmsg " + Errno.name(s));
                        sent += s;
                    }
                    received += n;
                }
                assertEquals(clients * perClient, received);
                assertTrue(calls < received, "at least one call carried more than one datagram");
                for (int c = 0; c < clients; c++) {
                    ch[c].configureBlocking(true);
                    for (int i = 0; i < perClient; i++) {
                        final ByteBuffer b = ByteBuffer.allocate(2000);
                        final InetSocketAddress src = (InetSocketAddress) ch[c].receive(b);
                        assertEquals(bound.port(), src.getPort());
                        b.flip();
                        final byte[] got = new byte[b.remaining()];
                        b.get(got);
                        assertEquals(MemorySegment.ofArray(payload(c, i)).mismatch(MemorySegment.ofArray(got)), -1L);
                    }
                    ch[c].close();
                }
            } finally {
                sys.close(fd);
            }
        }
    }

    @Test
    void shouldFlagADatagramLongerThanItsSlot() throws Exception {
        try (Syscalls sys = new Syscalls()) {
            final int fd = sys.socket(Linux.AF_INET, Linux.SOCK_DGRAM | Linux.SOCK_CLOEXEC, 0);
            try {
                assertEquals(0, sys.bind(fd, new SockAddr(sys.arena()).ipv4(LOOPBACK, 0)));
                final SockAddr bound = new SockAddr(sys.arena());
                sys.getsockname(fd, bound);
                try (DatagramChannel ch = DatagramChannel.open()) {
                    ch.send(ByteBuffer.allocate(100), new InetSocketAddress(InetAddress.getLoopbackAddress(),
                        bound.port()));
                }
                final DatagramBatch batch = new DatagramBatch(sys.arena(), 4, 64);
                int n;
                do {
                    n = batch.receive(sys, fd);
                } while (n == -Errno.EAGAIN);
                assertEquals(1, n);
                assertEquals(64, batch.length(0));
                assertTrue(batch.truncated(0));
                assertEquals(0, batch.data(0).get(ValueLayout.JAVA_BYTE, 0));
            } finally {
                sys.close(fd);
            }
        }
        try {
            new DatagramBatch(java.lang.foreign.Arena.global(), 0, 100);
            throw new AssertionError("expected IllegalArgumentException");
        } catch (final IllegalArgumentException expected) {
            assertEquals("batch: 0 (expected: 1-1024)", expected.getMessage());
        }
    }

    private static int indexOf(final DatagramChannel[] ch, final int port) throws Exception {
        for (int c = 0; c < ch.length; c++) {
            if (((InetSocketAddress) ch[c].getLocalAddress()).getPort() == port) {
                return c;
            }
        }
        throw new AssertionError("datagram from an unknown port " + port);
    }

    private static byte[] payload(final int client, final int seq) {
        final byte[] b = new byte[100 + (seq * 37 + client * 11) % 1300];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (client * 31 + seq * 7 + i);
        }
        return b;
    }
}
