package io.jlvs.core.service;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A connection an application placed itself with {@link VirtualService#acquire}: it counts as an active connection
 * of its server until {@link #close()}.
 *
 * <p>Thread-safe: {@link #close()} may be called from any thread, and more than once (only the first counts).
 */
public final class Lease implements AutoCloseable {
    private static final VarHandle CLOSED;

    static {
        try {
            CLOSED = MethodHandles.lookup().findVarHandle(Lease.class, "closed", int.class);
        } catch (final ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final RealServer server;
    @SuppressWarnings("unused")
    private volatile int closed;

    Lease(final RealServer server) {
        this.server = server;
    }

    /**
     * The server to connect to.
     *
     * @return the server
     */
    public RealServer server() {
        return server;
    }

    /**
     * Whether the lease was closed.
     *
     * @return true once closed
     */
    public boolean isClosed() {
        return closed != 0;
    }

    /**
     * Ends the connection: the server's active count drops (and OVERLOAD may clear).
     */
    @Override
    public void close() {
        if (CLOSED.compareAndSet(this, 0, 1)) {
            server.unbindConnection(true);
        }
    }

    @Override
    public String toString() {
        return "Lease[" + server.addressAndPort() + (isClosed() ? ", closed]" : "]");
    }
}
