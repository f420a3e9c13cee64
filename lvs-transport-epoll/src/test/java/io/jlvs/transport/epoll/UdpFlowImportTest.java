package io.jlvs.transport.epoll;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.internal.DirectorAccess;
import io.jlvs.core.transport.Transport;
import io.jlvs.transport.tck.UdpFlowImportSuite;

import java.util.concurrent.TimeUnit;

/** {@link EpollEngine#importFlows}: the epoll transport runs the whole synced-UDP-flow import suite. */
class UdpFlowImportTest extends UdpFlowImportSuite {
    @Override
    protected Transport transport() {
        return new EpollTransport();
    }

    private static EpollEngine engine(final LoadBalancer lb) {
        return (EpollEngine) DirectorAccess.engine(lb);
    }

    /** Two task round trips per loop, since a task may run just before or just after the cycle's work. */
    @Override
    protected void awaitFullCycle(final LoadBalancer lb) throws Exception {
        for (int pass = 0; pass < 2; pass++) {
            for (final EpollLoop l : engine(lb).loops) {
                l.submit(() -> 0).get(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Always: one SO_REUSEPORT socket per loop. */
    @Override
    protected boolean socketPerLoop(final LoadBalancer lb) {
        return true;
    }

    @Override
    protected int importsIndexed(final LoadBalancer lb) {
        return engine(lb).flowImport.indexed();
    }
}
