/**
 * The java.nio forwarding engine: {@link io.jlvs.transport.nio.NioTransport} starts N event loops, each a thread
 * with its own selector, connection table, direct-buffer pool and command queue. A connection's client socket and
 * real-server socket live on one loop for the connection's whole life, so nothing on the byte path crosses
 * threads. Listening uses one socket per loop with SO_REUSEPORT where the platform has it (the kernel spreads
 * accepts), else one acceptor loop that hands connections off.
 *
 * <p>Relay: a read into a pooled direct buffer is written straight to the peer; the JDK reads and writes native
 * memory with no copy through the Java heap (socket to socket still costs the kernel's two copies). A buffer is held
 * only while it has bytes in flight, so an idle connection holds none; a partial write parks the buffer and stops
 * reading from the source until the peer drains it.
 */
package io.jlvs.transport.nio;
