/**
 * Every JLVS scheduling algorithm, reached through {@link io.jlvs.scheduler.Schedulers}: by IPVS name
 * ({@code create}, {@code names}, {@code isKnown}) or with tuned parameters. A custom scheduler is a
 * {@link io.jlvs.core.sched.SchedulerFactory} registered with {@link java.util.ServiceLoader}.
 *
 * <p>The fourteen IPVS schedulers ({@code rr wrr lc wlc sed nq dh sh lblc lblcr mh fo ovf twos}) make the kernel's
 * decision on the same inputs: the same server list in IPVS order (most recently added first), weights, counters
 * and flags give the same pick, including tie-breaks, the state their hooks keep, and their behaviour with weight 0,
 * OVERLOAD and an empty list. Where IPVS is bursty, unfair or slow, a variant goes beyond it under its own name:
 * {@code swrr} (smooth weighted round robin), {@code p2c} (weighted power of two choices on active connections),
 * {@code peak-ewma} (latency-aware), {@code ring} and {@code rendezvous} (consistent hashing over a caller's key),
 * {@code bounded} (consistent hashing with bounded load), and the slow-start decorator.
 *
 * <p>Every {@code schedule} call is thread-safe, lock-free and allocation-free in steady state; hooks rebuild state
 * and publish it with one volatile write.
 */
package io.jlvs.scheduler;
