package io.jlvs.examples.tune;

/**
 * What one proxied TCP connection costs a JLVS director (NIO transport, default options), the figures {@code jlvs
 * tune} plans with. The measured ones come from {@code io.jlvs.jmh.ConnectionMemory} (lvs-jmh), which holds 1,000,
 * 3,000 and 9,900 connections through a director in its own process and fits a line through the three points (run
 * of 2026-12-01 on Linux 6.18, Java 17, 2 event loops; R^2 of the heap and socket-slab lines 1.0000).
 *
 * <p>Immutable (constants).
 */
public final class ConnectionCosts {
    /**
     * Java heap per connection, idle or with one small request/response per second: 1,497 bytes (measured slope;
     * the class histogram of 9,900 minus 1,000 connections gives 1,496 in two runs: about 1,180 bytes are the JDK's
     * two {@code SocketChannel}s with their locks, selection keys, descriptors and socket addresses, 248 bytes JLVS's
     * session and connection entry).
     */
    public static final long HEAP_PER_CONNECTION_BYTES = 1_497;
    /**
     * Live heap of a started director apart from its connections, as planned: 32 MiB (one service measures about
     * 10 MiB; the rest leaves room for many services, persistence templates and listings).
     */
    public static final long HEAP_BASE_BYTES = 32L << 20;
    /** Heap to give per byte of live heap, so that the collector has room to work: 2. */
    public static final long HEAP_HEADROOM = 2;
    /**
     * Direct memory per connection: 0 bytes, measured idle and under one small request/response per second (a
     * buffer is held only while bytes are in flight and goes back to the loop's pool at once). A connection whose
     * peer reads slowly parks one buffer per direction (16 KiB, then the configured size, 512 KiB by default).
     */
    public static final long DIRECT_PER_ACTIVE_CONNECTION_BYTES = 0;
    /** Direct memory each event loop may keep pooled when idle: 64 MiB (32 MiB of small and 32 MiB of large buffers). */
    public static final long DIRECT_POOL_PER_LOOP_BYTES = 64L << 20;
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

    private ConnectionCosts() {
    }
}
