package io.jlvs.core.sched;

import io.jlvs.core.internal.sched.SchedulerFactories;

import java.util.Collections;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds scheduler factories by name. The default registry is filled from {@link ServiceLoader}, through
 * {@link SchedulerFactories} (lvs-scheduler registers every JLVS scheduler that way) and {@link SchedulerFactory}
 * providers, and accepts explicit registrations.
 *
 * <p>Thread-safe.
 */
public final class SchedulerRegistry {
    private static final class Holder {
        static final SchedulerRegistry DEFAULT = loadDefault();
    }

    private final Map<String, SchedulerFactory> factories = new ConcurrentHashMap<>();

    /**
     * An empty registry.
     */
    public SchedulerRegistry() {
    }

    /**
     * The process-wide registry, filled from the class path on first use.
     *
     * @return the registry
     */
    public static SchedulerRegistry getDefault() {
        return Holder.DEFAULT;
    }

    private static SchedulerRegistry loadDefault() {
        final SchedulerRegistry r = new SchedulerRegistry();
        final ClassLoader cl = SchedulerRegistry.class.getClassLoader();
        for (final SchedulerFactories many : ServiceLoader.load(SchedulerFactories.class, cl)) {
            for (final SchedulerFactory f : many.factories()) {
                r.factories.putIfAbsent(f.name(), f);
            }
        }
        for (final SchedulerFactory f : ServiceLoader.load(SchedulerFactory.class, cl)) {
            r.factories.putIfAbsent(f.name(), f);
        }
        return r;
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
