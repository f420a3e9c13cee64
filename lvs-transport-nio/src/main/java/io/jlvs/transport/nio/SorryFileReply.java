package io.jlvs.transport.nio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;

/**
 * The sorry file sent to a client that no server can take: the file goes out with {@code transferTo} as the socket
 * takes it, then the client's stream is ended and what the client still sends is read and dropped until it closes
 * (at most the connect timeout), so the close does not turn into a reset.
 *
 * <p>Not thread-safe; confined to its event loop.
 */
final class SorryFileReply {
    private static final int READS_PER_EVENT = 4;

    private final ProxySession owner;
    private final SocketChannel client;
    private FileChannel file;
    private long position;
    /** The file is out and the output shut: reading and dropping until the client closes. */
    boolean lingering;

    SorryFileReply(final ProxySession owner, final SocketChannel client, final FileChannel file) {
        this.owner = owner;
        this.client = client;
        this.file = file;
    }

    /** Whether bytes of the file are still to be written (wait for OP_WRITE). */
    boolean sending() {
        return file != null;
    }

    /** Writes what the socket takes; once all is out, shuts the output and starts lingering. */
    void send() throws IOException {
        final long size = file.size();
        try {
            while (position < size) {
                final long n = file.transferTo(position, size - position, client);
                if (n <= 0) {
                    return; // the socket is full: wait for OP_WRITE
                }
                position += n;
            }
        } catch (final IOException e) {
            owner.close(true);
            return;
        }
        file.close();
        file = null;
        client.shutdownOutput();
        lingering = true;
        owner.loop.connecting.add(owner, owner.loop.now + owner.loop.engine.runtime.options().connectTimeoutNs());
    }

    /** Reads and drops what the client sends; closes when it has closed. */
    void drain() {
        final ByteBuffer buf = owner.loop.scratch();
        try {
            for (int i = 0; i < READS_PER_EVENT; i++) {
                buf.clear();
                final int n = client.read(buf);
                if (n < 0) {
                    owner.close(false);
                    return;
                }
                if (n == 0) {
                    return;
                }
            }
        } catch (final IOException e) {
            owner.close(true);
        }
    }

    /** Closes the file if it is still open (the connection is closing). */
    void close() {
        if (file != null) {
            try {
                file.close();
            } catch (final IOException ignored) {
                // closing
            }
            file = null;
        }
    }
}
