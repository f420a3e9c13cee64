package io.jlvs.examples;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The operator's runtime socket: each line a client sends is an ipvsadm command, answered with what ipvsadm would
 * print (or an error line). Use it with {@code echo '-L -n --stats' | nc 127.0.0.1 9900}. At most 8 sessions at a
 * time; a session idle for 5 minutes is closed.
 *
 * <p>Thread-safe.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);

    private final ServerSocket server;
    private final AdminCommands commands;
    private final ExecutorService sessions = Executors.newFixedThreadPool(8, r -> {
        final Thread t = new Thread(r, "jlvs-admin");
        t.setDaemon(true);
        return t;
    });
    private final Thread acceptor;

    /**
     * Opens the socket.
     *
     * @param address where to listen
     * @param commands what to run
     * @throws IOException if the address cannot be bound
     */
    public AdminServer(final InetSocketAddress address, final AdminCommands commands) throws IOException {
        this.commands = commands;
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(address, 16);
        this.acceptor = new Thread(this::acceptLoop, "jlvs-admin-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * The bound address.
     *
     * @return the address
     */
    public InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                final Socket s = server.accept();
                sessions.execute(() -> serve(s));
            } catch (final IOException e) {
                return;
            }
        }
    }

    private void serve(final Socket s) {
        try (s) {
            s.setSoTimeout((int) TimeUnit.MINUTES.toMillis(5));
            final BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                StandardCharsets.UTF_8));
            final OutputStream out = s.getOutputStream();
            int n = 0;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                n++;
                out.write(commands.execute(line, n).getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (final IOException e) {
            LOG.debug("admin session ended", e);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        sessions.shutdownNow();
    }
}
