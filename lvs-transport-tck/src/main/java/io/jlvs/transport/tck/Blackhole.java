package io.jlvs.transport.tck;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/**
 * A real server that never completes a handshake: a listener with a backlog of 1 that never accepts, filled by the
 * test until one of its own connects times out. Linux drops SYNs to a listener whose accept queue is full, so a
 * director's connect to it hangs until the director's connect timeout.
 *
 * <p>Not thread-safe; owned by the test thread.
 */
final class Blackhole implements AutoCloseable {
    private final ServerSocket server = new ServerSocket();
    private final List<Socket> fillers = new ArrayList<>();

    Blackhole() throws IOException {
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
        for (int i = 0; i < 16; i++) {
            final Socket s = new Socket();
            try {
                s.connect(server.getLocalSocketAddress(), 1000);
            } catch (final SocketTimeoutException e) {
                s.close();
                return; // proven: a connect to this listener now hangs
            }
            fillers.add(s);
        }
        close();
        throw new IllegalStateException("16 connects to a never-accepting listener with backlog 1 all completed; "
            + "this kernel does not drop SYNs at a full accept queue, so no connect-timeout server can be made");
    }

    int port() {
        return server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        for (final Socket s : fillers) {
            s.close();
        }
        server.close();
    }
}
