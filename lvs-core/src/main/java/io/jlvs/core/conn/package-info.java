/**
 * Connection tracking and persistence with IPVS's semantics.
 *
 * <p>A {@link io.jlvs.core.conn.ConnectionTable} belongs to one event loop (single writer) and holds the
 * {@link io.jlvs.core.conn.Connection}s that loop serves, with IPVS's states ({@link io.jlvs.core.conn.ConnState}),
 * per-state idle timeouts and the active/inactive counter moves of the real servers. A proxy sees socket events,
 * not TCP flags; {@link io.jlvs.core.conn.SocketEvent} maps each one onto the packet IPVS would have seen, so
 * ActiveConn and InActConn mean what an LVS user expects. Persistence templates
 * ({@link io.jlvs.core.conn.Template}) are shared by all loops through a
 * {@link io.jlvs.core.conn.PersistenceTable}: a client network sticks to its server whichever loop accepts it.
 *
 * <p>Expiry is exact and allocation-free: every state has an intrusive list ordered by last activity (an activity
 * moves the entry to the tail), so the entries due first are always at the heads; each call expires at most a given
 * number of entries, so a million expiries never stall a loop.
 */
package io.jlvs.core.conn;
