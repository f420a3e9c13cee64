package io.jlvs.core.internal.sched;

import io.jlvs.core.sched.SchedulerFactory;

import java.util.Collection;

/**
 * Internal: how lvs-scheduler hands all of its schedulers to the registry at once, through
 * {@link java.util.ServiceLoader}. Not an API: a user's scheduler is registered as a
 * {@link io.jlvs.core.sched.SchedulerFactory} ({@code META-INF/services/io.jlvs.core.sched.SchedulerFactory} or
 * {@code provides io.jlvs.core.sched.SchedulerFactory with ...}), and found with
 * {@code io.jlvs.scheduler.Schedulers}.
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
