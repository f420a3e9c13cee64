/**
 * Micrometer metrics for a running JLVS director: {@link io.jlvs.micrometer.JlvsMetrics} binds a
 * {@link io.jlvs.core.LoadBalancer} to any {@code MeterRegistry}.
 */
package io.jlvs.micrometer;
