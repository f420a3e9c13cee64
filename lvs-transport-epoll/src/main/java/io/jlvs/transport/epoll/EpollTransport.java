package io.jlvs.transport.epoll;

import io.jlvs.core.Protocol;
import io.jlvs.core.transport.DirectorRuntime;
import io.jlvs.core.transport.Transport;
import io.jlvs.core.transport.TransportEngine;
import io.jlvs.transport.epoll.internal.NativeSupport;

import java.io.IOException;

/**
 * The Linux epoll transport on the Foreign Function and Memory API, found by {@link java.util.ServiceLoader} under
 * the name {@code epoll}: per-loop {@code SO_REUSEPORT} listeners, level-triggered epoll, TCP relayed by
 * {@code splice(2)} through pooled pipes, the sorry file sent by {@code sendfile(2)}. Needs Linux (x86-64 or
 * AArch64), Java 22+ and native access ({@code --enable-native-access=ALL-UNNAMED}).
 *
 * <p>Thread-safe (stateless).
 */
public final class EpollTransport implements Transport {
    /**
     * Made by {@link java.util.ServiceLoader} or by an application that passes it explicitly.
     */
    public EpollTransport() {
    }

    @Override
    public String name() {
        return "epoll";
    }

    /**
     * Why this transport cannot run in this JVM.
     *
     * @return the reason (not Linux, another architecture, native access not enabled), or null when it can run
     */
    @Override
    public String unavailableReason() {
        return NativeSupport.unavailableReason();
    }

    /**
     * TCP only so far: UDP services need the NIO transport.
     *
     * @param protocol TCP or UDP
     * @return true for TCP
     */
    @Override
    public boolean supports(final Protocol protocol) {
        return protocol == Protocol.TCP;
    }

    /**
     * Preferred over NIO by the {@code auto} choice where it can run.
     *
     * @return 10
     */
    @Override
    public int priority() {
        return 10;
    }

    @Override
    public TransportEngine start(final DirectorRuntime runtime) throws IOException {
        final String why = NativeSupport.unavailableReason();
        if (why != null) {
            throw new IOException("the epoll transport cannot run here: " + why);
        }
        return EpollEngine.start(runtime);
    }
}
