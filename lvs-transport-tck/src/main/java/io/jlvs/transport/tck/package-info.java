/**
 * The transport conformance suite: {@link io.jlvs.transport.tck.TransportConformanceSuite} is an abstract JUnit 5
 * class that a transport's tests subclass, naming the transport; {@link io.jlvs.transport.tck.Capability} lists
 * what a transport may leave out (its tests are then skipped with the reason given). Everything is tested through
 * the public API of lvs-core, with real sockets on loopback; the file-descriptor test runs the director in a child
 * JVM ({@link io.jlvs.transport.tck.DirectorChild}) with a low descriptor limit.
 */
package io.jlvs.transport.tck;
