/**
 * The scheduler SPI: a {@link io.jlvs.core.sched.Scheduler} picks a real server for a
 * {@link io.jlvs.core.sched.Flow}; a {@link io.jlvs.core.sched.SchedulerFactory} makes schedulers by IPVS name and is
 * the one {@link java.util.ServiceLoader} interface for custom schedulers. Applications find schedulers with
 * {@code io.jlvs.scheduler.Schedulers}; the {@link io.jlvs.core.sched.SchedulerRegistry} is the engine's lookup
 * (a {@code LoadBalancer} built with a registry of its own sees only the factories registered there).
 *
 * <p>A scheduler belongs to one service. Its hooks ({@code init}, {@code onServerAdded}, {@code onServerRemoved},
 * {@code onServerUpdated}) are called by one control thread at a time, with the new server list; they rebuild the
 * scheduler's state and publish it with one volatile write. {@code schedule} is called from any number of threads at
 * once, never blocks, takes no lock and allocates nothing.
 */
package io.jlvs.core.sched;
