package io.jlvs.core.conn;

import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.VirtualService;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A persistence template: a client network's sticky choice of real server for one service (IPVS.md 3.7).
 *
 * <p>It lives {@code persistence timeout} after the last new connection that used it (each one refreshes it), and
 * never expires while connections it controls are alive: at its deadline it is re-armed for 60 s, and its timeout
 * becomes 60 s from then on, as in IPVS. It stops matching when its server is no longer available (or quiesced,
 * with {@code expire_quiescent_template}). It counts in its server's PersistConn. State NONE until a connection
 * reaches ESTABLISHED (or, for UDP, a reply is seen), then ASSURED.
 *
 * <p>Thread-safe: connections on any event loop attach, detach and refresh it through atomics; its timer fields
 * belong to the loop that created it (its owner).
 */
public final class Template {
    /** The re-arm period of a template that still controls connections. */
    public static final long REARM_NS = TimeUnit.SECONDS.toNanos(60);

    final TemplateKey key;
    final VirtualService service;
    final RealServer server;
    final ConnectionTable owner;
    /** Connections controlled; -1 once expired (then nothing may attach). */
    final AtomicInteger controls = new AtomicInteger();
    volatile long refreshedAtNs;
    volatile long timeoutNs;
    volatile boolean assured;
    volatile boolean invalidated;
    // owner-only
    long armedAtNs;
    Template prev;
    Template next;
    int list = -1;

    Template(final TemplateKey key, final VirtualService service, final RealServer server, final ConnectionTable owner,
        final long now, final long timeoutNs) {
        this.key = key;
        this.service = service;
        this.server = server;
        this.owner = owner;
        this.refreshedAtNs = now;
        this.armedAtNs = now;
        this.timeoutNs = timeoutNs;
    }

    boolean tryAttach() {
        while (true) {
            final int n = controls.get();
            if (n < 0) {
                return false;
            }
            if (controls.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    void detach() {
        controls.decrementAndGet();
    }

    /**
     * The server clients of this network go to.
     *
     * @return the server
     */
    public RealServer server() {
        return server;
    }

    /**
     * The service.
     *
     * @return the service
     */
    public VirtualService service() {
        return service;
    }

    /**
     * Connections it controls now.
     *
     * @return the count, or -1 once expired
     */
    public int controlledConnections() {
        return controls.get();
    }

    /**
     * Whether a controlled connection reached ESTABLISHED (or a UDP reply was seen).
     *
     * @return true if ASSURED
     */
    public boolean assured() {
        return assured;
    }

    /**
     * Whether it stopped matching because its server became unavailable.
     *
     * @return true if invalidated
     */
    public boolean invalidated() {
        return invalidated;
    }

    /**
     * The current timeout (the persistence timeout, or 60 s once re-armed).
     *
     * @return nanoseconds
     */
    public long timeoutNs() {
        return timeoutNs;
    }

    /**
     * The key.
     *
     * @return the key
     */
    public TemplateKey key() {
        return key;
    }

    @Override
    public String toString() {
        return "Template[" + key + " -> " + server.addressAndPort() + ", controls " + controls.get()
            + (assured ? ", ASSURED" : "") + (invalidated ? ", invalidated" : "") + "]";
    }
}
