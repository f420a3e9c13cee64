package io.jlvs.core.sched;

/**
 * Makes schedulers of one kind; found by name through {@link SchedulerRegistry}. Implementations are listed in
 * {@code META-INF/services/io.jlvs.core.sched.SchedulerFactory} or registered explicitly.
 *
 * <p>Implementations must be thread-safe and must not throw from {@link #name()} or {@link #description()}.
 */
public interface SchedulerFactory {
    /**
     * The name users give in rules and builders ({@code -s NAME}): an IPVS name for the IPVS schedulers, a
     * distinct name for the others.
     *
     * @return the name
     */
    String name();

    /**
     * One line saying what the scheduler does, for help texts.
     *
     * @return the description
     */
    String description();

    /**
     * Makes a scheduler for one service.
     *
     * @param context the service's flags, clock and random source
     * @return a new scheduler, not yet initialised
     */
    Scheduler create(SchedulerContext context);
}
