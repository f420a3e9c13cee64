package io.jlvs.core.sched;

import java.util.Collection;

/**
 * A {@link java.util.ServiceLoader} provider of many scheduler factories at once (lvs-scheduler registers all of
 * its schedulers through one). Listed in {@code META-INF/services/io.jlvs.core.sched.SchedulerFactories}.
 *
 * <p>Implementations must be thread-safe and must not throw.
 */
public interface SchedulerFactories {
    /**
     * The factories this provider offers.
     *
     * @return the factories
     */
    Collection<SchedulerFactory> factories();
}
