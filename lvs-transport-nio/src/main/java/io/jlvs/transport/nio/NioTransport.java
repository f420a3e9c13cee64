package io.jlvs.transport.nio;

import io.jlvs.core.transport.DirectorRuntime;
import io.jlvs.core.transport.Transport;
import io.jlvs.core.transport.TransportEngine;

import java.io.IOException;

/**
 * The java.nio transport, found by {@link java.util.ServiceLoader} under the name {@code nio}.
 *
 * <p>Thread-safe (stateless).
 */
public final class NioTransport implements Transport {
    /**
     * Made by {@link java.util.ServiceLoader} or by an application that passes it explicitly.
     */
    public NioTransport() {
    }

    @Override
    public String name() {
        return "nio";
    }

    @Override
    public TransportEngine start(final DirectorRuntime runtime) throws IOException {
        return NioEngine.start(runtime);
    }
}
