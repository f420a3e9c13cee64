package io.jlvs.transport.nio;

import io.jlvs.core.transport.Transport;
import io.jlvs.transport.tck.HealthCheckConformanceSuite;

/** The NIO transport runs the health-check conformance suite. */
class NioHealthCheckConformanceTest extends HealthCheckConformanceSuite {
    @Override
    protected Transport transport() {
        return new NioTransport();
    }
}
