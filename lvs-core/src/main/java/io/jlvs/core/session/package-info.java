/**
 * The transport-neutral forwarding session: what a proxied connection decides (PROXY header in, placement through
 * persistence and the scheduler, connect outcome and redispatch, PROXY preamble out, the sorry answer, connection-table
 * events and statistics), so that every transport (NIO, epoll) makes the same decisions and owns only sockets,
 * readiness and bytes. Also the PROXY protocol codec and a rate-limited log used on fault paths.
 */
package io.jlvs.core.session;
