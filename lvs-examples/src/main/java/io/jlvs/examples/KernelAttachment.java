package io.jlvs.examples;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.Extensions;
import io.jlvs.core.service.VirtualService;
import io.jlvs.kernel.KernelDataPath;

import java.io.IOException;

/**
 * The kernel data path of a {@code jlvs run} director, attached when the first {@code --forward kernel} service
 * appears: at start, or later by a SIGHUP reload or an admin command that adds one. Shared by the {@link Director}
 * and its {@link AdminCommands}.
 *
 * <p>Threads: {@code path} is volatile and only set under this object's lock (by {@link #ensure}, on the thread that
 * started the director, the reload thread or an admin connection's thread); {@link #get} may be called from any
 * thread.
 */
final class KernelAttachment implements AutoCloseable {
    private final LoadBalancer lb;
    private volatile KernelDataPath path;
    private boolean closed;

    KernelAttachment(final LoadBalancer lb) {
        this.lb = lb;
    }

    /** The data path, or null while the director has no kernel service (and never had one). */
    KernelDataPath get() {
        return path;
    }

    static boolean hasKernelServices(final LoadBalancer lb) {
        for (final VirtualService v : lb.services().services()) {
            if (Extensions.kernelForwarded(v.config())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Attaches the data path if the director has a kernel service and it is not attached yet; otherwise brings the
     * kernel up to date with the service table now.
     *
     * @return the data path, or null if there is no kernel service
     * @throws IOException if nft is missing, the process lacks CAP_NET_ADMIN, or nft refused the transaction (the
     *     kernel keeps its previous rules; the data path's thread retries)
     */
    synchronized KernelDataPath ensure() throws IOException {
        if (closed) {
            return null;
        }
        final KernelDataPath p = path;
        if (p != null) {
            p.syncNow();
            return p;
        }
        if (!hasKernelServices(lb)) {
            return null;
        }
        try {
            path = KernelDataPath.attach(lb);
        } catch (final IOException | IllegalArgumentException e) {
            throw new IOException("--forward kernel: " + e.getMessage(), e);
        }
        return path;
    }

    /** Detaches: deletes the table. */
    @Override
    public synchronized void close() {
        closed = true;
        final KernelDataPath p = path;
        if (p != null) {
            p.close();
        }
    }
}
