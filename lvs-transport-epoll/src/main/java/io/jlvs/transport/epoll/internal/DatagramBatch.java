package io.jlvs.transport.epoll.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A batch of datagram slots for recvmmsg(2) and sendmmsg(2): one system call moves up to
 * {@link #capacity()} datagrams. Every slot owns its data buffer, its address ({@code sockaddr_storage}),
 * a prefix area of {@value #PREFIX_BYTES} bytes (a PROXY v2 header sent before the data) and two iovecs
 * (prefix, data), laid out once in native memory; receiving and sending rewrite them in place. A slot's
 * {@code msg_iov} points at the data iovec alone ({@code msg_iovlen} 1), or at the prefix iovec with
 * {@code msg_iovlen} 2 when {@link #preparePrefixed} sends a prefix before the data.
 *
 * <pre>
 * struct iovec   (16): void *iov_base @0 | size_t iov_len @8                      (sys/uio.h)
 * struct msghdr  (56): void *msg_name @0 | socklen_t msg_namelen @8 | struct iovec *msg_iov @16 |
 *                      size_t msg_iovlen @24 | void *msg_control @32 | size_t msg_controllen @40 |
 *                      int msg_flags @48                                          (sys/socket.h)
 * struct mmsghdr (64): struct msghdr msg_hdr @0 | unsigned int msg_len @56
 * </pre>
 *
 * <p>Not thread-safe; confined to the thread that owns the arena.
 */
public final class DatagramBatch {
    /** The default batch: 32 datagrams per system call. */
    public static final int DEFAULT_BATCH = 32;
    /** The largest prefix {@link #preparePrefixed} takes (a PROXY v2 header for IPv6 is 52 bytes). */
    public static final int PREFIX_BYTES = 64;

    private static final long IOVEC_BYTES = 16;
    /** Per slot: the prefix iovec, then the data iovec. */
    private static final long IOVEC_PAIR = 2 * IOVEC_BYTES;
    private static final long MMSG_BYTES = 64;
    private static final long NAME = 0;
    private static final long NAMELEN = 8;
    private static final long IOV = 16;
    private static final long IOVLEN = 24;
    private static final long FLAGS = 48;
    private static final long MSG_LEN = 56;

    private static final ValueLayout.OfShort NET_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED
        .withOrder(java.nio.ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong NET_LONG = ValueLayout.JAVA_LONG_UNALIGNED
        .withOrder(java.nio.ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt NET_INT = ValueLayout.JAVA_INT_UNALIGNED
        .withOrder(java.nio.ByteOrder.BIG_ENDIAN);

    private final int capacity;
    private final int maxDatagramBytes;
    private final MemorySegment messages;
    private final MemorySegment iovecs;
    private final MemorySegment names;
    private final MemorySegment prefixes;
    private final MemorySegment[] data;
    private final MemorySegment[] messageSlices;

    /**
     * Lays out the slots.
     *
     * @param arena the owner thread's arena
     * @param capacity datagrams per call, 1 to 1024 (UIO_MAXIOV)
     * @param maxDatagramBytes bytes per slot; a longer datagram is truncated and flagged
     */
    public DatagramBatch(final Arena arena, final int capacity, final int maxDatagramBytes) {
        if (capacity < 1 || capacity > 1024) {
            throw new IllegalArgumentException("batch: " + capacity + " (expected: 1-1024)");
        }
        if (maxDatagramBytes < 1 || maxDatagramBytes > 65535) {
            throw new IllegalArgumentException("maxDatagramBytes: " + maxDatagramBytes + " (expected: 1-65535)");
        }
        this.capacity = capacity;
        this.maxDatagramBytes = maxDatagramBytes;
        this.messages = arena.allocate(MMSG_BYTES * capacity, 8);
        this.iovecs = arena.allocate(IOVEC_PAIR * capacity, 8);
        this.names = arena.allocate((long) SockAddr.STORAGE_BYTES * capacity, 8);
        this.prefixes = arena.allocate((long) PREFIX_BYTES * capacity, 8);
        final MemorySegment all = arena.allocate((long) maxDatagramBytes * capacity, 64);
        this.data = new MemorySegment[capacity];
        this.messageSlices = new MemorySegment[capacity];
        for (int i = 0; i < capacity; i++) {
            data[i] = all.asSlice((long) i * maxDatagramBytes, maxDatagramBytes);
            messageSlices[i] = messages.asSlice(i * MMSG_BYTES);
            final long m = i * MMSG_BYTES;
            final long v = i * IOVEC_PAIR;
            iovecs.set(ValueLayout.ADDRESS, v, prefixes.asSlice((long) i * PREFIX_BYTES));
            iovecs.set(ValueLayout.ADDRESS, v + IOVEC_BYTES, data[i]);
            iovecs.set(ValueLayout.JAVA_LONG, v + IOVEC_BYTES + 8, maxDatagramBytes);
            messages.set(ValueLayout.ADDRESS, m + NAME, names.asSlice((long) i * SockAddr.STORAGE_BYTES));
            messages.set(ValueLayout.JAVA_INT, m + NAMELEN, SockAddr.STORAGE_BYTES);
            dataOnly(i);
        }
    }

    /** Points slot {@code i}'s message at its data iovec alone. */
    private void dataOnly(final int i) {
        final long m = i * MMSG_BYTES;
        messages.set(ValueLayout.JAVA_LONG, m + IOV, iovecs.address() + i * IOVEC_PAIR + IOVEC_BYTES);
        messages.set(ValueLayout.JAVA_LONG, m + IOVLEN, 1L);
    }

    /** {@return the number of slots} */
    public int capacity() {
        return capacity;
    }

    /** {@return bytes per slot} */
    public int maxDatagramBytes() {
        return maxDatagramBytes;
    }

    /**
     * Receives up to {@link #capacity()} datagrams without blocking.
     *
     * @param sys the owner thread's system calls
     * @param fd the datagram socket
     * @return datagrams received (read them with {@link #length}, {@link #data}, {@link #source}), or a
     *     negated errno ({@code -EAGAIN} when none is queued)
     */
    public int receive(final Syscalls sys, final int fd) {
        return receive(sys, fd, 0, capacity);
    }

    /**
     * Receives up to {@code count} datagrams into slots {@code [from, from + count)} without blocking (slots
     * before {@code from} keep what they hold, for example replies waiting to be sent).
     *
     * @param sys the owner thread's system calls
     * @param fd the datagram socket
     * @param from the first slot
     * @param count how many slots at most, at least 1
     * @return datagrams received into slots {@code from, from + 1, ...}, or a negated errno
     */
    public int receive(final Syscalls sys, final int fd, final int from, final int count) {
        if (from < 0 || count < 1 || from + count > capacity) {
            throw new IndexOutOfBoundsException("slots " + from + "+" + count + " of " + capacity);
        }
        for (int i = from; i < from + count; i++) {
            final long m = i * MMSG_BYTES;
            messages.set(ValueLayout.JAVA_INT, m + NAMELEN, SockAddr.STORAGE_BYTES);
            messages.set(ValueLayout.JAVA_INT, m + FLAGS, 0);
            messages.set(ValueLayout.JAVA_INT, m + MSG_LEN, 0);
            iovecs.set(ValueLayout.JAVA_LONG, i * IOVEC_PAIR + IOVEC_BYTES + 8, maxDatagramBytes);
            dataOnly(i);
        }
        return sys.recvmmsg(fd, messageSlices[from], count, Linux.MSG_DONTWAIT);
    }

    /**
     * The address family of a received datagram's source.
     *
     * @param i the slot
     * @return {@link Linux#AF_INET} or {@link Linux#AF_INET6}
     */
    public int sourceFamily(final int i) {
        return names.get(ValueLayout.JAVA_SHORT, (long) i * SockAddr.STORAGE_BYTES) & 0xffff;
    }

    /**
     * The IPv4 source address of a received datagram (meaningful for {@link Linux#AF_INET}).
     *
     * @param i the slot
     * @return the address as an int in host order
     */
    public int sourceIpv4(final int i) {
        return names.get(NET_INT, (long) i * SockAddr.STORAGE_BYTES + 4);
    }

    /**
     * The first 8 bytes of the IPv6 source address of a received datagram (meaningful for {@link Linux#AF_INET6}),
     * read without making a Java address.
     *
     * @param i the slot
     * @return bytes 0-7 of the address, big-endian
     */
    public long sourceIpv6High(final int i) {
        return names.get(NET_LONG, (long) i * SockAddr.STORAGE_BYTES + 8);
    }

    /**
     * The last 8 bytes of the IPv6 source address of a received datagram (meaningful for {@link Linux#AF_INET6}).
     *
     * @param i the slot
     * @return bytes 8-15 of the address, big-endian
     */
    public long sourceIpv6Low(final int i) {
        return names.get(NET_LONG, (long) i * SockAddr.STORAGE_BYTES + 16);
    }

    /**
     * The scope id of the IPv6 source address of a received datagram (meaningful for {@link Linux#AF_INET6}).
     *
     * @param i the slot
     * @return {@code sin6_scope_id}
     */
    public int sourceIpv6Scope(final int i) {
        return names.get(ValueLayout.JAVA_INT_UNALIGNED, (long) i * SockAddr.STORAGE_BYTES + 24);
    }

    /**
     * The source port of a received datagram.
     *
     * @param i the slot
     * @return the port
     */
    public int sourcePort(final int i) {
        return names.get(NET_SHORT, (long) i * SockAddr.STORAGE_BYTES + 2) & 0xffff;
    }

    /**
     * Prepares a slot to send to an IPv4 destination without a {@link SockAddr} (the bytes must already be in
     * {@link #data(int)}).
     *
     * @param i the slot
     * @param address the destination address as an int in host order
     * @param port the destination port
     * @param length how many bytes of the slot's buffer
     */
    public void prepareIpv4(final int i, final int address, final int port, final int length) {
        checkLength(length);
        final long m = i * MMSG_BYTES;
        final long a = (long) i * SockAddr.STORAGE_BYTES;
        names.set(ValueLayout.JAVA_SHORT, a, (short) Linux.AF_INET);
        names.set(NET_SHORT, a + 2, (short) port);
        names.set(NET_INT, a + 4, address);
        names.set(ValueLayout.JAVA_LONG, a + 8, 0L);
        messages.set(ValueLayout.JAVA_INT, m + NAMELEN, SockAddr.IN4_BYTES);
        messages.set(ValueLayout.JAVA_INT, m + FLAGS, 0);
        iovecs.set(ValueLayout.JAVA_LONG, i * IOVEC_PAIR + IOVEC_BYTES + 8, length);
        dataOnly(i);
    }

    /**
     * Prepares a slot to send on a connected socket with a prefix before its data: one datagram of
     * {@code prefixLength + length} bytes.
     *
     * @param i the slot
     * @param prefix the prefix bytes, at most {@value #PREFIX_BYTES}
     * @param length how many bytes of the slot's buffer follow the prefix
     */
    public void preparePrefixed(final int i, final byte[] prefix, final int length) {
        checkLength(length);
        if (prefix.length > PREFIX_BYTES) {
            throw new IllegalArgumentException("prefix: " + prefix.length + " bytes (expected: at most "
                + PREFIX_BYTES + ")");
        }
        final long m = i * MMSG_BYTES;
        final long v = i * IOVEC_PAIR;
        MemorySegment.copy(prefix, 0, prefixes, ValueLayout.JAVA_BYTE, (long) i * PREFIX_BYTES, prefix.length);
        iovecs.set(ValueLayout.JAVA_LONG, v + 8, prefix.length);
        iovecs.set(ValueLayout.JAVA_LONG, v + IOVEC_BYTES + 8, length);
        messages.set(ValueLayout.JAVA_INT, m + NAMELEN, 0);
        messages.set(ValueLayout.JAVA_INT, m + FLAGS, 0);
        messages.set(ValueLayout.JAVA_LONG, m + IOV, iovecs.address() + v);
        messages.set(ValueLayout.JAVA_LONG, m + IOVLEN, 2L);
    }

    private void checkLength(final int length) {
        if (length < 0 || length > maxDatagramBytes) {
            throw new IllegalArgumentException("length: " + length + " (expected: 0-" + maxDatagramBytes + ")");
        }
    }

    /**
     * The length of a received datagram (at most {@link #maxDatagramBytes()}).
     *
     * @param i the slot
     * @return the bytes in {@link #data(int)}
     */
    public int length(final int i) {
        return messages.get(ValueLayout.JAVA_INT, i * MMSG_BYTES + MSG_LEN);
    }

    /**
     * Whether a received datagram was longer than its slot (its tail was dropped by the kernel).
     *
     * @param i the slot
     * @return true if MSG_TRUNC is set
     */
    public boolean truncated(final int i) {
        return (messages.get(ValueLayout.JAVA_INT, i * MMSG_BYTES + FLAGS) & Linux.MSG_TRUNC) != 0;
    }

    /**
     * A slot's buffer: a received datagram's bytes, or where to write one to send.
     *
     * @param i the slot
     * @return the slot's {@link #maxDatagramBytes()} bytes (the same segment object every time)
     */
    public MemorySegment data(final int i) {
        return data[i];
    }

    /**
     * Copies a received datagram's source address out.
     *
     * @param i the slot
     * @param out receives the address
     */
    public void source(final int i, final SockAddr out) {
        final long m = i * MMSG_BYTES;
        final int len = messages.get(ValueLayout.JAVA_INT, m + NAMELEN);
        MemorySegment.copy(names, (long) i * SockAddr.STORAGE_BYTES, out.segment(), 0, SockAddr.STORAGE_BYTES);
        out.length(len);
    }

    /**
     * Prepares a slot to send: the bytes must already be in {@link #data(int)}.
     *
     * @param i the slot
     * @param destination where to send it, or {@code null} on a connected socket
     * @param length how many bytes of the slot's buffer
     */
    public void prepare(final int i, final SockAddr destination, final int length) {
        checkLength(length);
        final long m = i * MMSG_BYTES;
        if (destination == null) {
            messages.set(ValueLayout.JAVA_INT, m + NAMELEN, 0);
        } else {
            MemorySegment.copy(destination.segment(), 0, names, (long) i * SockAddr.STORAGE_BYTES,
                SockAddr.STORAGE_BYTES);
            messages.set(ValueLayout.JAVA_INT, m + NAMELEN, destination.length());
        }
        messages.set(ValueLayout.JAVA_INT, m + FLAGS, 0);
        iovecs.set(ValueLayout.JAVA_LONG, i * IOVEC_PAIR + IOVEC_BYTES + 8, length);
        dataOnly(i);
    }

    /**
     * Sends prepared slots {@code [from, from + count)} without blocking.
     *
     * @param sys the owner thread's system calls
     * @param fd the datagram socket
     * @param from the first slot
     * @param count how many slots
     * @return datagrams sent (fewer than {@code count} when the socket buffer filled: call again from
     *     {@code from + result} on EPOLLOUT), or a negated errno
     */
    public int send(final Syscalls sys, final int fd, final int from, final int count) {
        if (from < 0 || count < 0 || from + count > capacity) {
            throw new IndexOutOfBoundsException("slots " + from + "+" + count + " of " + capacity);
        }
        if (count == 0) {
            return 0;
        }
        return sys.sendmmsg(fd, messageSlices[from], count, Linux.MSG_DONTWAIT);
    }
}
