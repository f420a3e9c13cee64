package io.jlvs.transport.epoll;

import io.jlvs.core.transport.Transport;
import io.jlvs.transport.tck.HealthCheckConformanceSuite;

/** The epoll transport runs the health-check conformance suite: its own health thread and FFM probes. */
class EpollHealthCheckConformanceTest extends HealthCheckConformanceSuite {
    @Override
    protected Transport transport() {
        return new EpollTransport();
    }
}
