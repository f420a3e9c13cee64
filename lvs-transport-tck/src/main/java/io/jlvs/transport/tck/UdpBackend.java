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
 * A UDP real server on loopback: answers every datagram with {@code name:payload} and keeps the first datagram.
 *
 * <p>Thread-safe: its thread owns the socket's receive side; the counters are atomics.
 */
final class UdpBackend implements AutoCloseable {
    final String name;
    final CompletableFuture<byte[]> first = new CompletableFuture<>();
    final AtomicInteger received = new AtomicInteger();
    private final DatagramSocket socket;
    private final Thread thread;

    UdpBackend(final String name) throws IOException {
        this.name = name;
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
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

    int port() {
        return socket.getLocalPort();
    }

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
}
