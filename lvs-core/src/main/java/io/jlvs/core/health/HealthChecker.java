package io.jlvs.core.health;

import io.jlvs.core.service.RealServer;

import java.net.InetSocketAddress;
import java.util.function.Consumer;

/**
 * Checks one real server, asynchronously: {@link #check} starts the check and returns at once; the result is
 * delivered later (exactly once) to the callback, on any thread. An application checks its own protocol by
 * implementing this interface; it must not block the calling thread.
 *
 * <p>Implementations must be thread-safe.
 */
public interface HealthChecker {
    /**
     * The check's name for logs and events, for example {@code tcp} or {@code http}.
     *
     * @return the name
     */
    String name();

    /**
     * Starts a check.
     *
     * @param server the server
     * @param target where to check (the server's address, or its check port)
     * @param timeoutNanos how long the check may take; a check that has not answered by then has failed
     * @param done receives the result, once
     */
    void check(RealServer server, InetSocketAddress target, long timeoutNanos, Consumer<CheckResult> done);
}
