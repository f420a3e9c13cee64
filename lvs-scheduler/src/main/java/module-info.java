/**
 * JLVS schedulers: every scheduling algorithm, found by IPVS name through {@code io.jlvs.scheduler.Schedulers}.
 * No sockets, no threads. The provider that registers them with the core registry lives in a package that is not
 * exported.
 */
@SuppressWarnings("requires-automatic")
module io.jlvs.scheduler {
    requires transitive io.jlvs.core;
    requires org.agrona;

    exports io.jlvs.scheduler;

    provides io.jlvs.core.internal.sched.SchedulerFactories with io.jlvs.scheduler.internal.JlvsSchedulerFactories;
}
