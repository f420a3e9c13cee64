/**
 * Health checking, keepalived's model inside the library. This package is the policy: a
 * {@link io.jlvs.core.health.HealthMonitor} per virtual service counts check results per real server, moves a server
 * DOWN after {@code fall} consecutive failures and UP after {@code rise} consecutive successes, takes it out of
 * rotation (or inhibits it to weight 0), ejects servers whose real traffic keeps failing to connect (passive
 * checking), switches the service to its sorry response when fewer than {@code quorum} servers are up, and reports
 * every transition to {@link io.jlvs.core.health.HealthListener}s and the log. The I/O of the checks
 * ({@link io.jlvs.core.health.HealthChecker}) lives in a transport.
 */
package io.jlvs.core.health;
