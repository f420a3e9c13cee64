package io.jlvs.transport.nio;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.internal.DirectorAccess;
import io.jlvs.core.transport.Transport;
import io.jlvs.transport.tck.UdpFlowImportSuite;

/** {@link NioEngine#importFlows}: the NIO transport runs the whole synced-UDP-flow import suite. */
class UdpFlowImportTest extends UdpFlowImportSuite {
    @Override
    protected Transport transport() {
        return new NioTransport();
    }

    private static NioEngine engine(final LoadBalancer lb) {
        return (NioEngine) DirectorAccess.engine(lb);
    }

    @Override
    protected void awaitFullCycle(final LoadBalancer lb) throws Exception {
        engine(lb).awaitFullCycle();
    }

    @Override
    protected boolean socketPerLoop(final LoadBalancer lb) {
        return engine(lb).reusePort;
    }

    @Override
    protected int importsIndexed(final LoadBalancer lb) {
        return engine(lb).flowImport.indexed();
    }
}
