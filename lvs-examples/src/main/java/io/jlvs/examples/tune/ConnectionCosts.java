package io.jlvs.examples.tune;

/**
 * What one proxied TCP connection costs a JLVS director, per transport (default options), the figures {@code jlvs
 * tune} plans with. The measured ones come from {@code io.jlvs.jmh.ConnectionMemory} (lvs-jmh), which holds 1,000,
 * 3,000 and 9,900 idle connections through a director in its own process with 2 event loops and fits a line through
 * the three points: BENCHMARKS.md, "Memory per proxied connection", run of 2026-12-02 01:00 UTC on Linux 6.18, the
 * {@code nio} director on Java 17.0.15 and the {@code epoll} director on Java 25.0.3 (R^2 of the heap lines 1.0000).
 * The figures that differ by transport are the instances {@link #NIO} and {@link #EPOLL}; those that do not are the
 * constants.
 *
 * <p>Immutable.
 */
public final class ConnectionCosts {
    /**
     * The {@code nio} transport: 1,600 B of heap per connection (the slope of the live objects in {@code jcmd PID
     * GC.class_histogram}: mostly the JDK's two {@code SocketChannel}s with their locks, selection keys, descriptors
     * and socket addresses, then JLVS's session and connection entry); 0 B of direct memory per idle connection or
     * under one small request/response per second; up to 64 MiB of direct buffers pooled per event loop (32 MiB of
     * small and 32 MiB of large buffers), counted against {@code -XX:MaxDirectMemorySize}. A connection whose peer
     * reads slowly parks one buffer per direction (16 KiB, then the configured size, 512 KiB by default).
     */
    public static final ConnectionCosts NIO = new ConnectionCosts("nio", 1_600, 64L << 20, 0, 0, 0, 0);
    /**
     * The {@code epoll} transport (Java 22+, FFM): 591 B of heap per connection (the class histogram's slope: the
     * epoll connection, its two splice-auto relays, JLVS's session and connection entry); 0 B of direct memory, per
     * connection and per loop (large TCP reads move by splice(2) through kernel pipes; small ones through pooled
     * 8 KiB FFM buffers, at most 64 idle per loop, held only during one read and write). Its native
     * memory is allocated through FFM arenas ({@code Arena.ofConfined()}/{@code ofShared()}), which the JDK does not
     * count against {@code -XX:MaxDirectMemorySize} (only {@code Arena.ofAuto()} reserves it: {@code
     * jdk.internal.foreign.ArenaImpl} reserves for implicit sessions only) and which the direct buffer pool MXBean does
     * not show: per loop a 64 KiB scratch buffer, the epoll event array and address cells, planned as 1 MiB, and,
     * when UDP services exist, two datagram batches of 32 slots of up to 64 KiB, planned as 5 MiB. Each loop keeps up
     * to max(16, 16 MiB / pipe size) empty pipes for reuse (64 at the default 256 KiB), two descriptors each: planned
     * as 512 descriptors per loop beyond the connections' own, which holds for pipes of 64 KiB or more.
     */
    public static final ConnectionCosts EPOLL = new ConnectionCosts("epoll", 591, 0, 0, 1L << 20, 5L << 20, 512);

    /**
     * Live heap of a started director apart from its connections, as planned: 32 MiB (one service measures about
     * 10 MiB; the rest leaves room for many services, persistence templates and listings).
     */
    public static final long HEAP_BASE_BYTES = 32L << 20;
    /** Heap to give per byte of live heap, so that the collector has room to work: 2. */
    public static final long HEAP_HEADROOM = 2;
    /**
     * Kernel memory per socket outside the TCP buffers: 3,907 bytes, measured (the socket slab caches, {@code TCP},
     * {@code sock_inode_cache}, {@code filp}, {@code dentry} and {@code eventpoll_epi}, divided by the four sockets
     * of a proxied connection on loopback). A director holds two sockets per connection.
     */
    public static final long KERNEL_PER_SOCKET_BYTES = 3_907;
    /**
     * TCP buffer memory to plan per director socket: one 4 KiB page, the kernel's charging unit for socket buffers,
     * as if every socket held one small message at the same moment (a documented bound, not a measurement: at 1,000
     * connections with one 64-byte request/response per second the benchmark saw at most 0 and 946 bytes per proxied
     * connection, all four sockets together, in two runs, because messages leave at once).
     */
    public static final long TCP_BUFFER_PER_SOCKET_BYTES = 4_096;
    /** JVM memory outside heap and direct buffers (code, metaspace, thread stacks, GC structures): 256 MiB planned. */
    public static final long JVM_OVERHEAD_BYTES = 256L << 20;
    /** Descriptors beyond two per connection: the JVM's own files, listeners, selectors, health checks: 1,024. */
    public static final long DESCRIPTOR_MARGIN = 1_024;

    private final String transport;
    private final long heapPerConnectionBytes;
    private final long directPoolPerLoopBytes;
    private final long directPerConnectionBytes;
    private final long nativePerLoopBytes;
    private final long nativeUdpPerLoopBytes;
    private final long descriptorsPerLoop;

    private ConnectionCosts(final String transport, final long heapPerConnectionBytes,
        final long directPoolPerLoopBytes, final long directPerConnectionBytes, final long nativePerLoopBytes,
        final long nativeUdpPerLoopBytes, final long descriptorsPerLoop) {
        this.transport = transport;
        this.heapPerConnectionBytes = heapPerConnectionBytes;
        this.directPoolPerLoopBytes = directPoolPerLoopBytes;
        this.directPerConnectionBytes = directPerConnectionBytes;
        this.nativePerLoopBytes = nativePerLoopBytes;
        this.nativeUdpPerLoopBytes = nativeUdpPerLoopBytes;
        this.descriptorsPerLoop = descriptorsPerLoop;
    }

    /**
     * The figures of a transport.
     *
     * @param transport {@code nio} or {@code epoll} (case-insensitive)
     * @return {@link #NIO} or {@link #EPOLL}
     * @throws IllegalArgumentException naming the value when it is neither
     */
    public static ConnectionCosts of(final String transport) {
        final String t = transport == null ? "" : transport.trim().toLowerCase(java.util.Locale.ROOT);
        switch (t) {
            case "nio":
                return NIO;
            case "epoll":
                return EPOLL;
            default:
                throw new IllegalArgumentException("transport '" + transport + "': no measured costs (expected nio "
                    + "or epoll)");
        }
    }

    /**
     * The transport these figures are for.
     *
     * @return {@code nio} or {@code epoll}
     */
    public String transport() {
        return transport;
    }

    /**
     * Java heap per idle proxied connection (the measured slope).
     *
     * @return bytes
     */
    public long heapPerConnectionBytes() {
        return heapPerConnectionBytes;
    }

    /**
     * Direct buffer memory (counted against {@code -XX:MaxDirectMemorySize}) each event loop may keep pooled.
     *
     * @return bytes
     */
    public long directPoolPerLoopBytes() {
        return directPoolPerLoopBytes;
    }

    /**
     * Direct buffer memory per connection, idle or under small traffic (measured).
     *
     * @return bytes
     */
    public long directPerConnectionBytes() {
        return directPerConnectionBytes;
    }

    /**
     * Native memory per event loop outside the direct-memory limit (FFM arenas), planned.
     *
     * @param udp whether UDP services exist
     * @return bytes
     */
    public long nativePerLoopBytes(final boolean udp) {
        return nativePerLoopBytes + (udp ? nativeUdpPerLoopBytes : 0);
    }

    /**
     * Descriptors each event loop holds beyond the connections' two (pooled pipes).
     *
     * @return descriptors
     */
    public long descriptorsPerLoop() {
        return descriptorsPerLoop;
    }
}
