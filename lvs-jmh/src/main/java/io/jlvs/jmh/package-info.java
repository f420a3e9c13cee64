/**
 * JMH benchmarks of JLVS (schedulers, connection table, rules parsing, rate estimator, relay buffers), footprint and
 * disruption measurements, and the end-to-end loopback benchmark against the peers. Every result is reported beside
 * a baseline measured in the same run.
 */
package io.jlvs.jmh;
