package io.jlvs.transport.epoll;

import io.jlvs.core.transport.Transport;
import io.jlvs.transport.tck.Capability;
import io.jlvs.transport.tck.TransportConformanceSuite;

import java.util.Optional;

/** The epoll transport runs the transport conformance suite; what it has not built yet is named with the reason. */
class EpollConformanceTest extends TransportConformanceSuite {
    @Override
    protected Transport transport() {
        return new EpollTransport();
    }

    @Override
    protected Optional<String> unsupported(final Capability capability) {
        if (capability == Capability.UDP) {
            return Optional.of("the epoll transport carries TCP only so far (UDP over recvmmsg/sendmmsg is not built)");
        }
        return Optional.empty();
    }
}
