package io.jlvs.transport.epoll;

import io.jlvs.core.transport.DirectorOptions;
import io.jlvs.transport.epoll.internal.Errno;
import io.jlvs.transport.epoll.internal.Linux;
import io.jlvs.transport.epoll.internal.NativeException;
import io.jlvs.transport.epoll.internal.SockAddr;
import io.jlvs.transport.epoll.internal.Syscalls;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.net.Socket;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The epoll transport sets the director's socket options on the listener only and relies on accept4 handing them
 * to every accepted socket (EpollListener, EpollConnection): this checks that the kernel does, option by option,
 * with both values of each flag.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EpollSocketsTest {
    @ParameterizedTest(name = "options on = {0}")
    @ValueSource(booleans = {true, false})
    void acceptedSocketsInheritTheListenersOptions(final boolean on) throws Exception {
        final DirectorOptions o = DirectorOptions.builder().tcpNoDelay(on).keepAlive(!on)
            .sendBufferSize(on ? 96 * 1024 : 0).receiveBufferSize(on ? 80 * 1024 : 0).build();
        try (Syscalls sys = new Syscalls()) {
            final int lfd = NativeException.check("socket",
                sys.socket(Linux.AF_INET, Linux.SOCK_STREAM | Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC, 0));
            try {
                EpollSockets.configure(sys, lfd, o);
                NativeException.check("bind", sys.bind(lfd, new SockAddr(sys.arena()).ipv4(0x7f000001, 0)));
                NativeException.check("listen", sys.listen(lfd, 4));
                final SockAddr bound = new SockAddr(sys.arena());
                NativeException.check("getsockname", sys.getsockname(lfd, bound));
                try (Socket client = new Socket(InetAddress.getLoopbackAddress(), bound.port())) {
                    int fd = -Errno.EAGAIN;
                    final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                    while (fd == -Errno.EAGAIN && System.nanoTime() < deadline) {
                        fd = sys.accept4(lfd, null, Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC);
                        if (fd == -Errno.EAGAIN) {
                            Thread.sleep(5); // polling interval while the handshake completes
                        }
                    }
                    final int accepted = NativeException.check("accept4 of " + client.getLocalPort(), fd);
                    try {
                        assertEquals(on ? 1 : 0, sys.getsockopt(accepted, Linux.IPPROTO_TCP, Linux.TCP_NODELAY) != 0
                            ? 1 : 0, "TCP_NODELAY");
                        assertEquals(on ? 0 : 1, sys.getsockopt(accepted, Linux.SOL_SOCKET, Linux.SO_KEEPALIVE) != 0
                            ? 1 : 0, "SO_KEEPALIVE");
                        if (on) {
                            // the kernel doubles what is set (bookkeeping); the clone has the listener's value
                            final int snd = sys.getsockopt(lfd, Linux.SOL_SOCKET, Linux.SO_SNDBUF);
                            final int rcv = sys.getsockopt(lfd, Linux.SOL_SOCKET, Linux.SO_RCVBUF);
                            assertTrue(snd >= 96 * 1024 && rcv >= 80 * 1024, snd + " " + rcv);
                            assertEquals(snd, sys.getsockopt(accepted, Linux.SOL_SOCKET, Linux.SO_SNDBUF), "SO_SNDBUF");
                            assertEquals(rcv, sys.getsockopt(accepted, Linux.SOL_SOCKET, Linux.SO_RCVBUF), "SO_RCVBUF");
                        }
                    } finally {
                        sys.close(accepted);
                    }
                }
            } finally {
                sys.close(lfd);
            }
        }
    }
}
