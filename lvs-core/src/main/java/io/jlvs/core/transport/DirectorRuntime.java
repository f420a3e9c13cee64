package io.jlvs.core.transport;

import io.jlvs.core.conn.PersistenceTable;
import io.jlvs.core.health.HealthChecker;
import io.jlvs.core.health.HealthListener;
import io.jlvs.core.conn.StateTimeouts;
import io.jlvs.core.service.ServiceTable;
import io.jlvs.core.time.Ticker;

import java.util.List;
import java.util.Map;

/**
 * What a transport needs from a director: its live services, its persistence templates, its state timeouts, its
 * options and its clock.
 *
 * <p>Immutable (the objects it holds are thread-safe).
 *
 * @param services the services (listen to them for changes)
 * @param persistence the templates, shared by all loops
 * @param timeouts the state timeouts, shared by all loops
 * @param options the engine options
 * @param clock the clock
 * @param checkers health checkers the application registered, by name (used with {@code --check NAME})
 * @param healthListeners who hears of health transitions (a live, thread-safe list)
 */
public record DirectorRuntime(ServiceTable services, PersistenceTable persistence, StateTimeouts timeouts,
    DirectorOptions options, Ticker clock, Map<String, HealthChecker> checkers,
    List<HealthListener> healthListeners) {
}
