package io.jlvs.core.internal;

import io.jlvs.core.conn.PersistenceTable;
import io.jlvs.core.service.ServiceTable;
import io.jlvs.core.transport.TransportEngine;

import java.util.Objects;

/**
 * Internal: the engine's own objects behind a {@code LoadBalancer}, for code of JLVS that needs more than the
 * read-only views the public API gives (the sync daemon imports templates; a transport's tests reach their engine).
 * Not an API: the package is not exported, except to JLVS's transports.
 *
 * <p>{@code LoadBalancer} installs its accessor when its class is initialised, which has happened by the time anyone
 * holds a load balancer to pass here. The parameters are typed {@code Object} so that this package does not depend
 * on the root package (which depends on it); anything but a {@code LoadBalancer} is refused by name.
 *
 * <p>Thread-safe: the accessor is written once (volatile) and never changes.
 */
public final class DirectorAccess {
    /**
     * What {@code LoadBalancer} hands over.
     */
    public interface Accessor {
        /**
         * The live service table.
         *
         * @param loadBalancer the load balancer
         * @return its table
         */
        ServiceTable services(Object loadBalancer);

        /**
         * The live persistence table.
         *
         * @param loadBalancer the load balancer
         * @return its table
         */
        PersistenceTable persistence(Object loadBalancer);

        /**
         * The running engine.
         *
         * @param loadBalancer the load balancer
         * @return its engine, or null before it started
         */
        TransportEngine engine(Object loadBalancer);
    }

    private static volatile Accessor accessor;

    private DirectorAccess() {
    }

    /**
     * Installs the accessor; called once, by {@code LoadBalancer}'s class initialisation.
     *
     * @param a the accessor
     * @throws IllegalStateException when one is installed already
     */
    public static synchronized void install(final Accessor a) {
        if (accessor != null) {
            throw new IllegalStateException("DirectorAccess: accessor already installed");
        }
        accessor = Objects.requireNonNull(a, "accessor");
    }

    /**
     * The live service table of a load balancer.
     *
     * @param loadBalancer a {@code io.jlvs.core.LoadBalancer}
     * @return its table
     */
    public static ServiceTable services(final Object loadBalancer) {
        return accessor(loadBalancer).services(loadBalancer);
    }

    /**
     * The live persistence table of a load balancer.
     *
     * @param loadBalancer a {@code io.jlvs.core.LoadBalancer}
     * @return its table
     */
    public static PersistenceTable persistence(final Object loadBalancer) {
        return accessor(loadBalancer).persistence(loadBalancer);
    }

    /**
     * The running engine of a load balancer.
     *
     * @param loadBalancer a {@code io.jlvs.core.LoadBalancer}
     * @return its engine, or null before it started
     */
    public static TransportEngine engine(final Object loadBalancer) {
        return accessor(loadBalancer).engine(loadBalancer);
    }

    private static Accessor accessor(final Object loadBalancer) {
        Objects.requireNonNull(loadBalancer, "loadBalancer");
        final Accessor a = accessor;
        if (a == null) {
            throw new IllegalStateException("DirectorAccess: " + loadBalancer.getClass().getName()
                + " (expected: an io.jlvs.core.LoadBalancer)");
        }
        return a;
    }
}
