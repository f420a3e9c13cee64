/**
 * The Linux epoll transport of JLVS ({@link io.jlvs.transport.epoll.EpollTransport}), written on
 * {@code java.lang.foreign}: no JNI, no native library, no JDK internals.
 */
package io.jlvs.transport.epoll;
