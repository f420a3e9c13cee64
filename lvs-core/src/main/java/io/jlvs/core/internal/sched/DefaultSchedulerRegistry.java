package io.jlvs.core.internal.sched;

import io.jlvs.core.sched.SchedulerFactory;
import io.jlvs.core.sched.SchedulerRegistry;

import java.util.ServiceLoader;

/**
 * Internal: the process-wide scheduler registry, filled on first use from {@link ServiceLoader}: first every
 * {@link SchedulerFactories} provider (lvs-scheduler hands over all of its schedulers that way), then every
 * {@link SchedulerFactory} provider (an application's own schedulers); the first factory of a name wins. Not an API:
 * applications use {@code io.jlvs.scheduler.Schedulers}.
 *
 * <p>Thread-safe: the registry is made once by the class-holder idiom and is itself thread-safe.
 */
public final class DefaultSchedulerRegistry {
    private static final class Holder {
        static final SchedulerRegistry DEFAULT = load();
    }

    private DefaultSchedulerRegistry() {
    }

    /**
     * The process-wide registry.
     *
     * @return the registry, filled from the class or module path on first use
     */
    public static SchedulerRegistry get() {
        return Holder.DEFAULT;
    }

    private static SchedulerRegistry load() {
        final SchedulerRegistry r = new SchedulerRegistry();
        final ClassLoader cl = DefaultSchedulerRegistry.class.getClassLoader();
        for (final SchedulerFactories many : ServiceLoader.load(SchedulerFactories.class, cl)) {
            for (final SchedulerFactory f : many.factories()) {
                if (!r.contains(f.name())) {
                    r.register(f);
                }
            }
        }
        for (final SchedulerFactory f : ServiceLoader.load(SchedulerFactory.class, cl)) {
            if (!r.contains(f.name())) {
                r.register(f);
            }
        }
        return r;
    }
}
