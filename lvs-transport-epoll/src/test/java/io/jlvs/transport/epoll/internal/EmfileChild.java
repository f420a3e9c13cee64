package io.jlvs.transport.epoll.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * Run in a child JVM by {@link EmfileTest}: lowers its own RLIMIT_NOFILE (so the test JVM's limit is never
 * touched), opens sockets until the kernel says EMFILE, and prints what each call returned at the limit.
 */
public final class EmfileChild {
    private EmfileChild() {
    }

    /**
     * Entry point.
     *
     * @param args unused
     */
    public static void main(final String[] args) {
        try (Syscalls sys = new Syscalls()) {
            final long[] lim = new long[2];
            check(sys.getrlimit(Linux.RLIMIT_NOFILE, lim) == 0, "getrlimit");
            // the lowest descriptor free now tells how many are open; leave 20 more
            final int probe = sys.socket(Linux.AF_INET, Linux.SOCK_STREAM | Linux.SOCK_CLOEXEC, 0);
            check(probe >= 0, "probe socket");
            sys.close(probe);
            // a listener with one connection waiting in its accept queue, made while descriptors are free
            final int lfd = sys.socket(Linux.AF_INET, Linux.SOCK_STREAM | Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC, 0);
            final SockAddr at = new SockAddr(sys.arena()).ipv4(0x7f000001, 0);
            check(lfd >= 0 && sys.bind(lfd, at) == 0 && sys.listen(lfd, 4) == 0 && sys.getsockname(lfd, at) == 0,
                "listener");
            final int client = sys.socket(Linux.AF_INET, Linux.SOCK_STREAM | Linux.SOCK_CLOEXEC, 0);
            check(client >= 0 && sys.connect(client, at) == 0, "connect");
            // Load every class used below while files can still be opened (class loading opens files too).
            final PipePool pool = new PipePool(sys, PipePool.DEFAULT_PIPE_BYTES, 4);
            System.out.println("start " + Errno.name(-Errno.EMFILE) + " after " + probe
                + (pool.lastError() == 0 ? " ok" : " pipe"));
            final long soft = probe + 22L; // 20 more after the listener and the client
            check(sys.setrlimit(Linux.RLIMIT_NOFILE, soft, lim[1]) == 0, "setrlimit");
            final List<Integer> open = new ArrayList<>();
            int r;
            int tries = 0;
            while ((r = sys.socket(Linux.AF_INET, Linux.SOCK_STREAM | Linux.SOCK_CLOEXEC, 0)) >= 0) {
                open.add(r);
                check(++tries < 10_000, "no EMFILE after 10000 sockets");
            }
            System.out.println("socket " + Errno.name(r) + " after " + open.size());
            final int[] p = new int[2];
            System.out.println("pipe2 " + Errno.name(sys.pipe2(p, Linux.O_CLOEXEC)));
            System.out.println("eventfd " + Errno.name(sys.eventfd(0, Linux.EFD_CLOEXEC)));
            System.out.println("accept4 " + Errno.name(sys.accept4(lfd, null, Linux.SOCK_NONBLOCK)));
            System.out.println("pool " + (pool.acquire() == null ? Errno.name(pool.lastError()) : "pipe"));
            sys.close(open.remove(open.size() - 1));
            final int again = sys.socket(Linux.AF_INET, Linux.SOCK_STREAM | Linux.SOCK_CLOEXEC, 0);
            System.out.println("after close " + (again >= 0 ? "ok" : Errno.name(again)));
            sys.close(again);
            final int accepted = sys.accept4(lfd, null, Linux.SOCK_NONBLOCK);
            System.out.println("accept4 after close " + (accepted >= 0 ? "ok" : Errno.name(accepted)));
        }
    }

    private static void check(final boolean ok, final String what) {
        if (!ok) {
            System.out.println("FAILED " + what);
            System.exit(2);
        }
    }
}
