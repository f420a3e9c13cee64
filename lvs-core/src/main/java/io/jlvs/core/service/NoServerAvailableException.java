package io.jlvs.core.service;

import io.jlvs.core.config.ServiceKey;

/**
 * Thrown by {@link VirtualService#acquire} when the scheduler finds no eligible server (none added, every one at
 * weight 0, overloaded, unavailable or inhibited). {@link VirtualService#tryAcquire} reports the same case as an
 * empty {@link java.util.Optional} instead.
 *
 * <p>Immutable.
 */
public final class NoServerAvailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The service, kept as text so that the exception stays serialisable. */
    private final String service;

    /**
     * Makes an exception for a service.
     *
     * @param key the service that had no eligible server
     */
    public NoServerAvailableException(final ServiceKey key) {
        super("No eligible real server for service " + key);
        this.service = String.valueOf(key);
    }

    /**
     * The service that had no eligible server, as its key prints.
     *
     * @return the service key as text
     */
    public String service() {
        return service;
    }
}
