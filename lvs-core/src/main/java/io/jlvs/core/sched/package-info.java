/**
 * The scheduler SPI: a {@link io.jlvs.core.sched.Scheduler} picks a real server for a
 * {@link io.jlvs.core.sched.Flow}; a {@link io.jlvs.core.sched.SchedulerFactory} makes schedulers by IPVS name and is
 * the one {@link java.util.ServiceLoader} interface for custom schedulers. Applications find schedulers with
 * {@code io.jlvs.scheduler.Schedulers}; a {@link io.jlvs.core.sched.SchedulerRegistry} is a set of factories a
 * {@code LoadBalancer} may be built with (it then sees only the factories registered there).
 *
 * <p>Schedulers see servers only through the read-only {@link io.jlvs.core.sched.ServerView} and
 * {@link io.jlvs.core.sched.ServerListView}: they cannot bind connections, edit servers or report failures. Slow
 * start scales weights through {@link io.jlvs.core.sched.WeightScaling}. This package depends on no other JLVS
 * package but {@code net} and {@code time} (and {@code Protocol}).
 *
 * <p>A scheduler belongs to one service. Its hooks ({@code init}, {@code onServerAdded}, {@code onServerRemoved},
 * {@code onServerUpdated}) are called by one control thread at a time, with the new server list; they rebuild the
 * scheduler's state and publish it with one volatile write. {@code schedule} is called from any number of threads at
 * once, never blocks, takes no lock and allocates nothing.
 */
package io.jlvs.core.sched;
