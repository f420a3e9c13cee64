package io.jlvs.transport.epoll;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.transport.DirectorRuntime;
import io.jlvs.core.transport.Transport;
import io.jlvs.core.transport.TransportEngine;
import io.jlvs.transport.epoll.internal.NativeSupport;

import java.io.IOException;

/**
 * The Linux epoll transport on the Foreign Function and Memory API, found by {@link java.util.ServiceLoader} under
 * the name {@code epoll}: per-loop {@code SO_REUSEPORT} listeners, level-triggered epoll, TCP relayed by
 * {@code splice(2)} through pooled pipes, the sorry file sent by {@code sendfile(2)}, UDP moved by
 * {@code recvmmsg(2)}/{@code sendmmsg(2)} batches with a connected socket per flow. Needs Linux (x86-64 or
 * AArch64), Java 22+ and native access ({@code --enable-native-access=ALL-UNNAMED}).
 *
 * <p>The UDP batch (datagrams per {@code recvmmsg}/{@code sendmmsg} call, 1-1024, default
 * {@value #DEFAULT_UDP_BATCH}) is set by {@link #EpollTransport(int)}, or for the transport that
 * {@link java.util.ServiceLoader} makes (the {@code jlvs} CLI's {@code --transport epoll|auto}) by the system
 * property {@value #UDP_BATCH_PROPERTY}.
 *
 * <p>Thread-safe (immutable).
 */
public final class EpollTransport implements Transport {
    /** The default UDP batch: 32 datagrams per system call. */
    public static final int DEFAULT_UDP_BATCH = 32;
    /** The system property the no-argument constructor reads the UDP batch from. */
    public static final String UDP_BATCH_PROPERTY = "jlvs.epoll.udpBatch";

    private final int udpBatch;
    /** Why the system property's batch was refused, or null. */
    private final String badBatch;

    /**
     * Made by {@link java.util.ServiceLoader} or by an application that passes it explicitly: the UDP batch is
     * the system property {@value #UDP_BATCH_PROPERTY}, else {@value #DEFAULT_UDP_BATCH}. A property that is not a
     * number from 1 to 1024 makes {@link #start} fail with a message that names it (the constructor does not throw,
     * so loading the transports never fails).
     */
    public EpollTransport() {
        final String v = System.getProperty(UDP_BATCH_PROPERTY);
        int n = DEFAULT_UDP_BATCH;
        String bad = null;
        try {
            n = batchFromProperty(v);
        } catch (final IllegalArgumentException e) {
            bad = e.getMessage();
        }
        this.udpBatch = n;
        this.badBatch = bad;
    }

    /**
     * An epoll transport with a given UDP batch.
     *
     * @param udpBatch datagrams per {@code recvmmsg}/{@code sendmmsg} call, 1-1024
     * @throws IllegalArgumentException if the batch is out of range
     */
    public EpollTransport(final int udpBatch) {
        if (udpBatch < 1 || udpBatch > 1024) {
            throw new IllegalArgumentException("udpBatch: " + udpBatch + " (expected: 1-1024)");
        }
        this.udpBatch = udpBatch;
        this.badBatch = null;
    }

    static int batchFromProperty(final String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_UDP_BATCH;
        }
        try {
            final int n = Integer.parseInt(value.trim());
            if (n >= 1 && n <= 1024) {
                return n;
            }
        } catch (final NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("-D" + UDP_BATCH_PROPERTY + "=" + value
            + ": expected a number of datagrams from 1 to 1024");
    }

    /** {@return datagrams per recvmmsg/sendmmsg call of UDP services} */
    public int udpBatch() {
        return udpBatch;
    }

    @Override
    public String name() {
        return "epoll";
    }

    /**
     * Why this transport cannot run in this JVM.
     *
     * @return the reason (not Linux, another architecture, native access not enabled), or null when it can run
     */
    @Override
    public String unavailableReason() {
        return NativeSupport.unavailableReason();
    }

    /**
     * TCP and UDP.
     *
     * @param protocol TCP or UDP
     * @return true for both
     */
    @Override
    public boolean supports(final Protocol protocol) {
        return protocol == Protocol.TCP || protocol == Protocol.UDP;
    }

    /**
     * Preferred over NIO by the {@code auto} choice where it can run.
     *
     * @return 10
     */
    @Override
    public int priority() {
        return 10;
    }

    @Override
    public TransportEngine start(final DirectorRuntime runtime) throws IOException {
        final String why = NativeSupport.unavailableReason();
        if (why != null) {
            throw new IOException("the epoll transport cannot run here: " + why);
        }
        if (badBatch != null) {
            throw new IOException("the epoll transport's UDP batch: " + badBatch);
        }
        return EpollEngine.start(runtime, udpBatch);
    }
}
