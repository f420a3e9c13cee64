/**
 * The live model: {@link io.jlvs.core.service.RealServer} (configuration plus the connection counters and the
 * AVAILABLE and OVERLOAD flags that schedulers read), {@link io.jlvs.core.service.ServerList} (an immutable snapshot
 * of a service's servers in IPVS order), {@link io.jlvs.core.service.VirtualService} (a service with its scheduler and
 * statistics) and {@link io.jlvs.core.service.ServiceTable} (all services of a director, changed with ipvsadm's
 * commands).
 *
 * <p>Writers (configuration changes) are serialised by the control plane and publish new immutable snapshots with
 * one volatile write; readers (event loops, schedulers) never lock. Connection counters are atomics because
 * schedulers on every event loop read them; they move only where IPVS moves them: when a connection is bound to a
 * server, when it changes between active and inactive, and when it is unbound.
 */
package io.jlvs.core.service;
