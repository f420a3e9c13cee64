package io.jlvs.core.sched;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A set of scheduler factories, found by name: what a {@code LoadBalancer} built with
 * {@code Builder.schedulerRegistry} may create. Without one, a load balancer uses the process-wide set, filled from
 * the class or module path ({@link SchedulerFactory} providers and every JLVS scheduler of lvs-scheduler); an
 * application lists that set with {@code io.jlvs.scheduler.Schedulers.names()}, and starts a registry of its own
 * from {@code io.jlvs.scheduler.Schedulers.registry()} (every JLVS scheduler) or from empty.
 *
 * <p>Thread-safe.
 */
public final class SchedulerRegistry {
    private final Map<String, SchedulerFactory> factories = new ConcurrentHashMap<>();

    /**
     * An empty registry.
     */
    public SchedulerRegistry() {
    }

    /**
     * Registers a factory under its name, replacing any other of that name.
     *
     * @param factory the factory
     * @return this
     */
    public SchedulerRegistry register(final SchedulerFactory factory) {
        factories.put(factory.name(), factory);
        return this;
    }

    /**
     * Whether a scheduler of that name exists.
     *
     * @param name the name
     * @return true if registered
     */
    public boolean contains(final String name) {
        return factories.containsKey(name);
    }

    /**
     * The factory of that name.
     *
     * @param name the name
     * @return the factory, or null
     */
    public SchedulerFactory find(final String name) {
        return factories.get(name);
    }

    /**
     * Makes a scheduler by name.
     *
     * @param name the name
     * @param context its context
     * @return a new scheduler, not yet initialised
     * @throws IllegalArgumentException naming the unknown scheduler and the known ones
     */
    public Scheduler create(final String name, final SchedulerContext context) {
        final SchedulerFactory f = factories.get(name);
        if (f == null) {
            throw new IllegalArgumentException("scheduler: '" + name + "' (expected one of: "
                + String.join(" ", names().keySet()) + ")");
        }
        return f.create(context);
    }

    /**
     * Every registered name with its description, sorted by name.
     *
     * @return an unmodifiable map
     */
    public Map<String, String> names() {
        final Map<String, String> out = new TreeMap<>();
        factories.forEach((k, v) -> out.put(k, v.description()));
        return Collections.unmodifiableMap(out);
    }
}
