package io.jlvs.transport.epoll.internal;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * A small epoll loop for the relay tests: a listener on 127.0.0.1, a blocking-free connect to one backend
 * per accepted client, and a {@link RelayConnection} per pair, on its own thread. What it observes is
 * published through volatile fields and a queue of finished connections.
 *
 * <p>Thread ownership: everything native lives on the loop thread; the test thread reads the volatile
 * snapshot fields and {@link #finished}, and calls {@link #stop()}.
 */
final class TestDirector implements AutoCloseable {
    /** What a finished connection reported. */
    record Finished(int status, long upBytes, long downBytes, int errno, long epollCtlCalls, String path,
                    int upSwitches, int downSwitches, boolean upShutDown, boolean downShutDown) {
    }

    enum Path { SPLICE, COPY, AUTO }

    private static final long LISTENER = 1L;
    private static final int LOOPBACK = 0x7f000001;

    final ConcurrentLinkedQueue<Finished> finished = new ConcurrentLinkedQueue<>();
    volatile int open;
    volatile int pipesInUse;
    volatile int buffersInUse;
    volatile long pipesCreated;
    volatile long resumes;
    volatile long syscalls;
    private volatile boolean stopping;
    private volatile Epoll epollForWakeup;
    private final CompletableFuture<Integer> port = new CompletableFuture<>();
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final Thread thread;

    /** Bytes every connection sends to the backend first (a PROXY header), or null. */
    private final byte[] prefix;

    TestDirector(final int backendPort, final Path path, final RelayConnection.Trigger trigger, final int pipeBytes,
                 final long budgetBytes) {
        this(backendPort, path, trigger, pipeBytes, budgetBytes, null);
    }

    TestDirector(final int backendPort, final Path path, final RelayConnection.Trigger trigger, final int pipeBytes,
                 final long budgetBytes, final byte[] prefix) {
        this.prefix = prefix;
        thread = new Thread(() -> run(backendPort, path, trigger, pipeBytes, budgetBytes), "test-epoll-loop");
        thread.setDaemon(true);
        thread.start();
    }

    int port() throws Exception {
        return port.get(30, TimeUnit.SECONDS);
    }

    InetSocketAddress address() throws Exception {
        return new InetSocketAddress("127.0.0.1", port());
    }

    void stop() {
        stopping = true;
        final Epoll e = epollForWakeup;
        if (e != null) {
            e.wakeup();
        }
    }

    @Override
    public void close() throws java.util.concurrent.ExecutionException, java.util.concurrent.TimeoutException {
        stop();
        try {
            done.get(30, TimeUnit.SECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping the loop", e);
        }
    }

    private void run(final int backendPort, final Path path, final RelayConnection.Trigger trigger,
                     final int pipeBytes, final long budgetBytes) {
        final List<RelayConnection> conns = new ArrayList<>();
        try (Syscalls sys = new Syscalls(); Epoll epoll = new Epoll(sys, 64);
             PipePool pipes = new PipePool(sys, pipeBytes, 8);
             BufferPool buffers = new BufferPool(path == Path.AUTO ? Math.min(pipeBytes, AutoRelay.DEFAULT_COPY_BYTES)
                 : pipeBytes, 8)) {
            final int lfd = NativeException.check("socket",
                sys.socket(Linux.AF_INET, Linux.SOCK_STREAM | Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC, 0));
            try {
                NativeException.check("bind", sys.bind(lfd, new SockAddr(sys.arena()).ipv4(LOOPBACK, 0)));
                NativeException.check("listen", sys.listen(lfd, 64));
                final SockAddr bound = new SockAddr(sys.arena());
                sys.getsockname(lfd, bound);
                NativeException.check("epoll add", epoll.add(lfd, Linux.EPOLLIN, LISTENER));
                final SockAddr backend = new SockAddr(sys.arena()).ipv4(LOOPBACK, backendPort);
                epollForWakeup = epoll;
                port.complete(bound.port());
                while (!stopping) {
                    boolean resume = false;
                    for (final RelayConnection c : conns) {
                        resume |= c != null && c.wantsResume();
                    }
                    final int n = epoll.await(resume ? 0 : 1000);
                    for (int i = 0; i < n; i++) {
                        final long data = epoll.data(i);
                        if (data == Epoll.WAKEUP_DATA) {
                            epoll.clearWakeup();
                        } else if (data == LISTENER) {
                            accept(sys, epoll, lfd, backend, conns, path, trigger, pipes, buffers, budgetBytes);
                        } else {
                            final int id = (int) ((data - 2) >> 1);
                            final RelayConnection c = conns.get(id);
                            if (c != null && c.onEvent(data, epoll.events(i)) != RelayConnection.OPEN) {
                                finish(conns, id);
                            }
                        }
                    }
                    for (int id = 0; id < conns.size(); id++) {
                        final RelayConnection c = conns.get(id);
                        if (c != null && c.wantsResume()) {
                            resumes++;
                            if (c.resume() != RelayConnection.OPEN) {
                                finish(conns, id);
                            }
                        }
                    }
                    pipesInUse = pipes.inUse();
                    pipesCreated = pipes.created();
                    buffersInUse = buffers.inUse();
                    syscalls = sys.calls();
                }
                for (final RelayConnection c : conns) {
                    if (c != null) {
                        c.abort(true);
                    }
                }
            } finally {
                sys.close(lfd);
                epollForWakeup = null;
            }
            done.complete(null);
        } catch (final Throwable t) {
            port.completeExceptionally(t);
            done.completeExceptionally(t);
        }
    }

    private void finish(final List<RelayConnection> conns, final int id) {
        final RelayConnection c = conns.get(id);
        conns.set(id, null);
        open--;
        finished.add(new Finished(c.status(), c.up().bytes(), c.down().bytes(), c.errno(), c.epollCtlCalls(),
            c.up().path(), switches(c.up()), switches(c.down()), c.up().shutDown(), c.down().shutDown()));
    }

    private static int switches(final Relay r) {
        return r instanceof AutoRelay ? ((AutoRelay) r).switches() : 0;
    }

    private static Relay relay(final Syscalls sys, final Path path, final PipePool pipes, final BufferPool buffers,
                               final int src, final int dst, final long budgetBytes) {
        switch (path) {
            case SPLICE:
                return new SpliceRelay(sys, pipes, src, dst, budgetBytes);
            case COPY:
                return new CopyRelay(sys, buffers, src, dst, budgetBytes);
            default:
                return new AutoRelay(sys, pipes, buffers, src, dst, budgetBytes);
        }
    }

    /** {@return CPU time (user + system) the loop thread has used so far, in nanoseconds} */
    long loopCpuNanos() {
        return java.lang.management.ManagementFactory.getThreadMXBean().getThreadCpuTime(thread.threadId());
    }

    private void accept(final Syscalls sys, final Epoll epoll, final int lfd, final SockAddr backend,
                        final List<RelayConnection> conns, final Path path, final RelayConnection.Trigger trigger,
                        final PipePool pipes, final BufferPool buffers, final long budgetBytes)
        throws NativeException {
        int cfd;
        while ((cfd = sys.accept4(lfd, null, Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC)) >= 0) {
            final int sfd = NativeException.check("socket",
                sys.socket(Linux.AF_INET, Linux.SOCK_STREAM | Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC, 0));
            final int r = sys.connect(sfd, backend);
            if (r == -Errno.EINPROGRESS) {
                // the test's loop waits for the loopback connect in place; an engine would register it
                try (Epoll wait = new Epoll(sys, 1)) {
                    wait.add(sfd, Linux.EPOLLOUT, 0L);
                    wait.await(10_000);
                }
                NativeException.check("connect", -sys.soError(sfd));
            } else {
                NativeException.check("connect", r);
            }
            final int id = conns.size();
            final Relay up = relay(sys, path, pipes, buffers, cfd, sfd, budgetBytes);
            final Relay down = relay(sys, path, pipes, buffers, sfd, cfd, budgetBytes);
            if (prefix != null) {
                final java.lang.foreign.MemorySegment p = sys.arena().allocate(prefix.length);
                p.copyFrom(java.lang.foreign.MemorySegment.ofArray(prefix));
                up.prefix(p, 0, prefix.length);
            }
            final RelayConnection c = new RelayConnection(sys, epoll, trigger, cfd, sfd, 2L * id + 2, 2L * id + 3,
                up, down);
            conns.add(c);
            open++;
            if (c.start() != RelayConnection.OPEN) {
                finish(conns, id);
            }
        }
    }
}
