package io.jlvs.transport.tck;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A UDP real server for the suites and the transports' own UDP tests: answers every datagram with
 * {@code name:payload} (ISO-8859-1) and keeps the first datagram; with the client side of such tests
 * ({@link #client}, {@link #ask}, {@link #freePort}).
 *
 * <p>Thread-safe: its thread owns the socket's receive side; the counters are atomics and {@link #first} a future.
 */
public final class UdpBackend implements AutoCloseable {
    /** A datagram socket's receive buffer in these tests: bursts of a test fit in it. */
    private static final int RECEIVE_BUFFER = 1 << 20;

    /** The name the replies start with. */
    public final String name;
    /** The first datagram received, completed once. */
    public final CompletableFuture<byte[]> first = new CompletableFuture<>();
    /** Datagrams received so far. */
    public final AtomicInteger received = new AtomicInteger();
    private final DatagramSocket socket;
    private final Thread thread;

    /**
     * Starts a server on an ephemeral port of the loopback address.
     *
     * @param name the name its replies start with
     * @throws IOException if the socket cannot be bound
     */
    public UdpBackend(final String name) throws IOException {
        this(name, InetAddress.getLoopbackAddress());
    }

    /**
     * Starts a server on an ephemeral port of an address.
     *
     * @param name the name its replies start with
     * @param at the address to bind (e.g. {@code ::1})
     * @throws IOException if the socket cannot be bound
     */
    public UdpBackend(final String name, final InetAddress at) throws IOException {
        this.name = name;
        socket = new DatagramSocket(new InetSocketAddress(at, 0));
        socket.setReceiveBufferSize(RECEIVE_BUFFER);
        thread = new Thread(this::serve, "tck-udp-backend-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    private void serve() {
        final byte[] buf = new byte[65536];
        while (!socket.isClosed()) {
            try {
                final DatagramPacket p = new DatagramPacket(buf, buf.length);
                socket.receive(p);
                received.incrementAndGet();
                first.complete(Arrays.copyOf(p.getData(), p.getLength()));
                final byte[] reply = (name + ":" + new String(p.getData(), 0, p.getLength(),
                    StandardCharsets.ISO_8859_1)).getBytes(StandardCharsets.ISO_8859_1);
                socket.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
            } catch (final IOException e) {
                return;
            }
        }
    }

    /** {@return the server's port} */
    public int port() {
        return socket.getLocalPort();
    }

    /**
     * Closes the socket and waits for the server's thread to end.
     *
     * @throws IllegalStateException if the thread still runs 10 s later
     */
    @Override
    public void close() {
        socket.close();
        try {
            thread.join(10_000);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            throw new IllegalStateException("udp backend " + name + " still running 10 s after close");
        }
    }

    /**
     * A client socket on an ephemeral port of an address, with a receive timeout; the caller closes it.
     *
     * @param at the address to bind (loopback 127.x gives distinct clients)
     * @param timeoutMs the receive timeout
     * @return the socket
     * @throws IOException if it cannot be bound
     */
    public static DatagramSocket client(final InetAddress at, final int timeoutMs) throws IOException {
        final DatagramSocket s = new DatagramSocket(new InetSocketAddress(at, 0));
        try {
            s.setSoTimeout(timeoutMs);
            s.setReceiveBufferSize(RECEIVE_BUFFER);
        } catch (final IOException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /**
     * Sends a message and waits for one reply.
     *
     * @param s the client socket
     * @param to the address to send to
     * @param port the port to send to
     * @param msg the message (ISO-8859-1)
     * @return the reply (ISO-8859-1)
     * @throws IOException if sending fails or no reply comes within the socket's timeout
     */
    public static String ask(final DatagramSocket s, final InetAddress to, final int port, final String msg)
        throws IOException {
        final byte[] m = msg.getBytes(StandardCharsets.ISO_8859_1);
        s.send(new DatagramPacket(m, m.length, to, port));
        final byte[] buf = new byte[65536];
        final DatagramPacket p = new DatagramPacket(buf, buf.length);
        s.receive(p);
        return new String(p.getData(), 0, p.getLength(), StandardCharsets.ISO_8859_1);
    }

    /**
     * A UDP port that was free a moment ago on an address (bound and closed here), for a virtual service.
     *
     * @param at the address
     * @return the port
     * @throws IOException if no socket can be bound
     */
    public static int freePort(final InetAddress at) throws IOException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(at, 0))) {
            return s.getLocalPort();
        }
    }
}
