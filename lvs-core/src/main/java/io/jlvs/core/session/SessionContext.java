package io.jlvs.core.session;

import io.jlvs.core.conn.ConnectionTable;
import io.jlvs.core.sched.MutableFlow;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.VirtualService;
import io.jlvs.core.transport.DirectorOptions;

/**
 * What the sessions of one event loop share: the loop's connection table and scratch flow, the engine's options and
 * counters, and who hears of failed connects (passive health, logs).
 *
 * <p>Not thread-safe; confined to its event loop (the counters and the listener it holds are thread-safe).
 */
public final class SessionContext {
    /** Hears of connects to real servers that failed. */
    @FunctionalInterface
    public interface ConnectFailures {
        /**
         * A connect to a real server failed (refused, unreachable, timed out).
         *
         * @param service the service
         * @param server the server
         * @param why what the transport saw
         * @param nowNs the current time
         */
        void connectFailed(VirtualService service, RealServer server, String why, long nowNs);
    }

    final ConnectionTable table;
    final MutableFlow flow = new MutableFlow();
    final DirectorOptions options;
    final SessionCounters counters;
    final ConnectFailures failures;

    /**
     * Makes a context.
     *
     * @param table the loop's connection table
     * @param options the engine's options
     * @param counters the engine's session counters
     * @param failures who hears of failed connects
     */
    public SessionContext(final ConnectionTable table, final DirectorOptions options, final SessionCounters counters,
        final ConnectFailures failures) {
        this.table = table;
        this.options = options;
        this.counters = counters;
        this.failures = failures;
    }

    /**
     * The loop's connection table.
     *
     * @return the table
     */
    public ConnectionTable table() {
        return table;
    }

    /**
     * The engine's options.
     *
     * @return the options
     */
    public DirectorOptions options() {
        return options;
    }
}
