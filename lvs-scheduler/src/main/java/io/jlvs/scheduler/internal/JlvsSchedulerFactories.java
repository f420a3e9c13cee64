package io.jlvs.scheduler.internal;

import io.jlvs.core.internal.sched.SchedulerFactories;
import io.jlvs.core.sched.SchedulerFactory;
import io.jlvs.scheduler.Schedulers;

import java.util.Collection;

/**
 * Registers every scheduler of this module with the process-wide registry ({@link io.jlvs.core.internal.sched.DefaultSchedulerRegistry}) through
 * {@link java.util.ServiceLoader}.
 *
 * <p>Thread-safe (stateless).
 */
public final class JlvsSchedulerFactories implements SchedulerFactories {
    /**
     * Made by {@link java.util.ServiceLoader}.
     */
    public JlvsSchedulerFactories() {
    }

    @Override
    public Collection<SchedulerFactory> factories() {
        return Schedulers.factories();
    }
}
