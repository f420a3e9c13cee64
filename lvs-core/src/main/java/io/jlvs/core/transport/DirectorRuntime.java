package io.jlvs.core.transport;

import io.jlvs.core.conn.PersistenceTable;
import io.jlvs.core.conn.StateTimeouts;
import io.jlvs.core.service.ServiceTable;
import org.agrona.concurrent.NanoClock;

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
 */
public record DirectorRuntime(ServiceTable services, PersistenceTable persistence, StateTimeouts timeouts,
    DirectorOptions options, NanoClock clock) {
}
