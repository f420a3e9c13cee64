/**
 * The Linux transport of JLVS on the Foreign Function and Memory API (Java 22+): sockets owned through
 * system calls, epoll readiness, splice(2) relay. The engine is built in {@code internal}; this package will
 * hold the {@code Transport} entry point.
 */
package io.jlvs.transport.epoll;
