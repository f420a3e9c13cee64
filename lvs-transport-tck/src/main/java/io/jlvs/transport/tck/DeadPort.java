package io.jlvs.transport.tck;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A "dead" real server: a loopback port the test holds bound for its whole life without listening on it, so every
 * connection to it is refused (RST) and no other process can take the port meanwhile.
 *
 * <p>Not thread-safe; owned by the test thread.
 */
final class DeadPort implements AutoCloseable {
    private final Socket socket = new Socket();

    DeadPort() throws IOException {
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    int port() {
        return socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
