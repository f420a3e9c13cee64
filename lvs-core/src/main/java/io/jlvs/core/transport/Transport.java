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
     * Why this transport cannot run in this JVM (another operating system, a JDK feature not enabled), checked before
     * {@link #start}; the builder's {@code auto} choice skips a transport that gives a reason and logs it.
     *
     * @return the reason, or null when the transport can run here (the default)
     */
    default String unavailableReason() {
        return null;
    }

    /**
     * Whether the transport carries a protocol; the {@code auto} choice skips a transport that does not carry a
     * protocol the director's services use when it starts.
     *
     * @param protocol TCP or UDP
     * @return true by default
     */
    default boolean supports(final io.jlvs.core.net.Protocol protocol) {
        return true;
    }

    /**
     * How much the {@code auto} choice prefers this transport over others that can run: the highest wins, ties go to
     * the first found.
     *
     * @return the priority; 0 by default
     */
    default int priority() {
        return 0;
    }

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
