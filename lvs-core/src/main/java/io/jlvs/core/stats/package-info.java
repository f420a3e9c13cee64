/**
 * Statistics as IPVS keeps them: counters of connections, packets and bytes per real server, per service and in
 * total ({@link io.jlvs.core.stats.StatsCounters}), the 2-second rate estimator with IPVS's shifts and rounding
 * ({@link io.jlvs.core.stats.RateEstimator}), zeroing, and immutable snapshots that the listings render.
 */
package io.jlvs.core.stats;
