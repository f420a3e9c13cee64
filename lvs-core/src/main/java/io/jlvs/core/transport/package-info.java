/**
 * The forwarding SPI: a {@link io.jlvs.core.transport.Transport} turns a director's live state
 * ({@link io.jlvs.core.transport.DirectorRuntime}) into a running {@link io.jlvs.core.transport.TransportEngine} that
 * accepts, schedules and relays. The NIO transport (lvs-transport-nio) is found through {@link java.util.ServiceLoader};
 * another one (epoll/splice, io_uring, in-memory for tests) plugs in without touching core or scheduler code.
 */
package io.jlvs.core.transport;
