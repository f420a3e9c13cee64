/**
 * JLVS core: the model (virtual services, real servers, flows), the scheduler SPI, connection tracking and
 * persistence, health checks, statistics, the rules and listing formats, the {@code LoadBalancer} builder and the
 * transport SPI. No sockets.
 *
 * <p>Every package below is exported except {@code io.jlvs.core.internal} and {@code io.jlvs.core.internal.sched}
 * (the process-wide scheduler registry, for lvs-scheduler; the engine objects behind a {@code LoadBalancer}, for the
 * transports' tests). Some exported packages still hold
 * engine internals that a transport needs ({@code conn.ConnectionTable}, {@code conn.TcpTransitions},
 * {@code service.ServiceTable}, {@code transport.DirectorRuntime}); they are documented as such and are not an API
 * for applications.
 *
 * <p>Scheduler lookup: applications register a custom scheduler with
 * {@code provides io.jlvs.core.sched.SchedulerFactory with ...}; transports with
 * {@code provides io.jlvs.core.transport.Transport with ...}.
 */
@SuppressWarnings("module") // the qualified exports name modules built after this one
module io.jlvs.core {
    requires transitive org.slf4j; // RateLimitedLog (for transports) takes an slf4j Logger

    exports io.jlvs.core;
    exports io.jlvs.core.config;
    exports io.jlvs.core.conn;
    exports io.jlvs.core.health;
    exports io.jlvs.core.listing;
    exports io.jlvs.core.net;
    exports io.jlvs.core.rules;
    exports io.jlvs.core.sched;
    exports io.jlvs.core.service;
    exports io.jlvs.core.session;
    exports io.jlvs.core.stats;
    exports io.jlvs.core.sync;
    exports io.jlvs.core.time;
    exports io.jlvs.core.transport;
    exports io.jlvs.core.internal.sched to io.jlvs.scheduler;
    exports io.jlvs.core.internal.json to io.jlvs.kernel, io.jlvs.examples, io.jlvs.jmh;
    exports io.jlvs.core.internal to io.jlvs.transport.nio, io.jlvs.transport.epoll;

    uses io.jlvs.core.sched.SchedulerFactory;
    uses io.jlvs.core.internal.sched.SchedulerFactories;
    uses io.jlvs.core.transport.Transport;
}
