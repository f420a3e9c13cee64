package io.jlvs.core.transport;

import java.io.IOException;

/**
 * A forwarding engine factory, found through {@link java.util.ServiceLoader} (listed in
 * {@code META-INF/services/io.jlvs.core.transport.Transport}) or passed to the builder explicitly.
 *
 * <p>Implementations must be thread-safe.
 */
public interface Transport {
    /**
     * The transport's name, for example {@code nio}.
     *
     * @return the name
     */
    String name();

    /**
     * Starts forwarding for a director: opens listeners for its services (and for services added later) and
     * starts its threads.
     *
     * @param runtime the director's live state and options
     * @return the running engine
     * @throws IOException if a listener cannot be opened; nothing is left running then
     */
    TransportEngine start(DirectorRuntime runtime) throws IOException;
}
