package io.jlvs.transport.epoll;

import io.jlvs.core.transport.Transport;
import io.jlvs.transport.tck.Capability;
import io.jlvs.transport.tck.TransportConformanceSuite;

import java.util.Optional;

/** The epoll transport runs the whole transport conformance suite (it declares no unsupported capability). */
class EpollConformanceTest extends TransportConformanceSuite {
    @Override
    protected Transport transport() {
        return new EpollTransport();
    }

    @Override
    protected Optional<String> unsupported(final Capability capability) {
        return Optional.empty();
    }
}
