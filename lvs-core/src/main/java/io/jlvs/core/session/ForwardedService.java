package io.jlvs.core.session;

import io.jlvs.core.config.Extensions;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.service.VirtualService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A service as the sessions of an engine see it: the service, its live connection count (for {@code --max-conns}),
 * and its rate-limited logs (no destination, bad PROXY headers, refused duplicates). A transport may extend it with
 * what it keeps per service (its listeners).
 *
 * <p>Thread-safe: the count is atomic, the logs are thread-safe, the {@code max-conns} cache is a racy but idempotent
 * read of the immutable configuration.
 */
public class ForwardedService {
    private static final Logger LOG = LoggerFactory.getLogger(Session.class);

    /** The service. */
    public final VirtualService service;
    /** Connections of this service that hold sockets. */
    public final AtomicInteger live = new AtomicInteger();
    final RateLimitedLog noDestinationLog = new RateLimitedLog(LOG, "no destination", 5, TimeUnit.SECONDS);
    final RateLimitedLog proxyHeaderLog = new RateLimitedLog(LOG, "bad PROXY header (connection closed)", 5,
        TimeUnit.SECONDS);
    final RateLimitedLog duplicateLog = new RateLimitedLog(LOG, "duplicate connection refused", 5, TimeUnit.SECONDS);
    final RateLimitedLog localFailureLog = new RateLimitedLog(LOG,
        "no local port for a connection to a real server (client reset; not counted against the server)", 10,
        TimeUnit.SECONDS);
    private volatile VirtualServiceConfig cachedFor;
    private volatile int cachedMax;

    /**
     * Wraps a service.
     *
     * @param service the service
     */
    public ForwardedService(final VirtualService service) {
        this.service = service;
    }

    /**
     * The service's {@code --max-conns}, read from its current configuration (cached per configuration).
     *
     * @return the limit, 0 for none
     */
    public int maxConnections() {
        final VirtualServiceConfig c = service.config();
        if (c != cachedFor) {
            cachedMax = Extensions.maxConnections(c);
            cachedFor = c;
        }
        return cachedMax;
    }

    /**
     * The service's "no destination" log, for transports that answer datagrams themselves.
     *
     * @return the log
     */
    public RateLimitedLog noDestinationLog() {
        return noDestinationLog;
    }

    /**
     * Whether the service may take one more connection now.
     *
     * @return true below {@code --max-conns} (or without one)
     */
    public boolean mayAccept() {
        final int max = maxConnections();
        return max == 0 || live.get() < max;
    }
}
