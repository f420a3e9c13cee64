package io.jlvs.transport.nio;

import io.jlvs.core.transport.Transport;
import io.jlvs.transport.tck.TransportConformanceSuite;

/** The NIO transport runs the whole transport conformance suite; it leaves nothing out. */
class NioConformanceTest extends TransportConformanceSuite {
    @Override
    protected Transport transport() {
        return new NioTransport();
    }
}
