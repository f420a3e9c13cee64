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
 * <p>The TCP relay path ({@link SpliceMode}: {@code auto}, {@code always}, {@code never}; default
 * {@link #DEFAULT_SPLICE}) and the pipe size ({@value #MIN_PIPE_BYTES} to {@value #MAX_PIPE_BYTES} bytes, default
 * {@value #DEFAULT_PIPE_BYTES}) are set by {@link #EpollTransport(int, SpliceMode, int)}, or for the transport that
 * {@link java.util.ServiceLoader} makes by the system properties {@value #SPLICE_PROPERTY} and
 * {@value #PIPE_BYTES_PROPERTY}. A pipe is held by a connection direction only while bytes are in flight, so the
 * size bounds the bytes in flight per direction and the memory of the pipes that are moving bytes, not of idle
 * connections. The kernel rounds the size up to a power-of-two number of pages; above
 * {@code /proc/sys/fs/pipe-max-size} an unprivileged process keeps the kernel's default (64 KiB).
 *
 * <p>Thread-safe (immutable).
 */
public final class EpollTransport implements Transport {
    /** The default UDP batch: 32 datagrams per system call. */
    public static final int DEFAULT_UDP_BATCH = 32;
    /** The system property the no-argument constructor reads the UDP batch from. */
    public static final String UDP_BATCH_PROPERTY = "jlvs.epoll.udpBatch";

    /** The default relay path: {@link SpliceMode#AUTO}, measured cheapest per operation (see the module notes). */
    public static final SpliceMode DEFAULT_SPLICE = SpliceMode.AUTO;
    /** The system property the no-argument constructor reads the relay path from: auto, always or never. */
    public static final String SPLICE_PROPERTY = "jlvs.epoll.splice";
    /** The default pipe size: 256 KiB (measured: a third of the CPU per MiB of 64 KiB pipes on a bulk stream). */
    public static final int DEFAULT_PIPE_BYTES = 256 * 1024;
    /** The smallest pipe size accepted: one page. */
    public static final int MIN_PIPE_BYTES = 4096;
    /** The largest pipe size accepted: 64 MiB (the kernel may grant less, see the class comment). */
    public static final int MAX_PIPE_BYTES = 64 << 20;
    /** The system property the no-argument constructor reads the pipe size (bytes) from. */
    public static final String PIPE_BYTES_PROPERTY = "jlvs.epoll.pipeBytes";

    private final int udpBatch;
    private final SpliceMode splice;
    private final int pipeBytes;
    /** Why a system property was refused, or null. */
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
        SpliceMode m = DEFAULT_SPLICE;
        int p = DEFAULT_PIPE_BYTES;
        String bad = null;
        try {
            n = batchFromProperty(v);
            m = spliceFromProperty(System.getProperty(SPLICE_PROPERTY));
            p = pipeBytesFromProperty(System.getProperty(PIPE_BYTES_PROPERTY));
        } catch (final IllegalArgumentException e) {
            bad = e.getMessage();
        }
        this.udpBatch = n;
        this.splice = m;
        this.pipeBytes = p;
        this.badBatch = bad;
    }

    /**
     * An epoll transport with a given UDP batch.
     *
     * @param udpBatch datagrams per {@code recvmmsg}/{@code sendmmsg} call, 1-1024
     * @throws IllegalArgumentException if the batch is out of range
     */
    public EpollTransport(final int udpBatch) {
        this(udpBatch, DEFAULT_SPLICE, DEFAULT_PIPE_BYTES);
    }

    /**
     * An epoll transport with a given UDP batch, TCP relay path and pipe size.
     *
     * @param udpBatch datagrams per {@code recvmmsg}/{@code sendmmsg} call, 1-1024
     * @param splice the TCP relay path
     * @param pipeBytes the capacity asked of each relay pipe (and of each copy buffer under {@link SpliceMode#NEVER}),
     *     {@value #MIN_PIPE_BYTES} to {@value #MAX_PIPE_BYTES}
     * @throws IllegalArgumentException if a value is out of range or the mode is null
     */
    public EpollTransport(final int udpBatch, final SpliceMode splice, final int pipeBytes) {
        if (udpBatch < 1 || udpBatch > 1024) {
            throw new IllegalArgumentException("udpBatch: " + udpBatch + " (expected: 1-1024)");
        }
        if (splice == null) {
            throw new IllegalArgumentException("splice: null (expected: AUTO, ALWAYS or NEVER)");
        }
        if (pipeBytes < MIN_PIPE_BYTES || pipeBytes > MAX_PIPE_BYTES) {
            throw new IllegalArgumentException("pipeBytes: " + pipeBytes + " (expected: " + MIN_PIPE_BYTES + "-"
                + MAX_PIPE_BYTES + ")");
        }
        this.udpBatch = udpBatch;
        this.splice = splice;
        this.pipeBytes = pipeBytes;
        this.badBatch = null;
    }

    static SpliceMode spliceFromProperty(final String value) {
        return value == null || value.isBlank() ? DEFAULT_SPLICE : SpliceMode.parse(value);
    }

    static int pipeBytesFromProperty(final String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_PIPE_BYTES;
        }
        try {
            final int n = Integer.parseInt(value.trim());
            if (n >= MIN_PIPE_BYTES && n <= MAX_PIPE_BYTES) {
                return n;
            }
        } catch (final NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("-D" + PIPE_BYTES_PROPERTY + "=" + value + ": expected a number of bytes"
            + " from " + MIN_PIPE_BYTES + " to " + MAX_PIPE_BYTES);
    }

    /** {@return the TCP relay path} */
    public SpliceMode splice() {
        return splice;
    }

    /** {@return the capacity asked of each relay pipe, in bytes} */
    public int pipeBytes() {
        return pipeBytes;
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
            throw new IOException("the epoll transport's settings: " + badBatch);
        }
        return EpollEngine.start(runtime, udpBatch, splice, pipeBytes);
    }
}
