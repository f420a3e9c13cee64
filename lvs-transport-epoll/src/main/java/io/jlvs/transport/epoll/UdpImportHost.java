package io.jlvs.transport.epoll;

import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.VirtualService;
import io.jlvs.core.transport.UdpFlowImports;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The epoll engine's side of {@link UdpFlowImports}: its live loops, their command queues and their UDP endpoints.
 *
 * <p>Thread-safe: {@link #liveLoops} and {@link #submit} run on the importing thread; the endpoint methods run on
 * the endpoint's loop (through {@link #submit}).
 */
final class UdpImportHost implements UdpFlowImports.Host<EpollLoop, UdpEndpoint> {
    private final EpollEngine engine;

    UdpImportHost(final EpollEngine engine) {
        this.engine = engine;
    }

    @Override
    public List<EpollLoop> liveLoops() {
        final List<EpollLoop> alive = new ArrayList<>();
        for (final EpollLoop l : engine.loops) {
            if (l.death() == null) {
                alive.add(l);
            }
        }
        return alive;
    }

    @Override
    public <T> CompletableFuture<T> submit(final EpollLoop loop, final Supplier<T> task) {
        return loop.submit(task);
    }

    @Override
    public UdpEndpoint endpoint(final EpollLoop loop, final VirtualService service) {
        for (final UdpEndpoint u : loop.udp.endpoints) {
            if (u.state.service == service) {
                return u;
            }
        }
        return null;
    }

    @Override
    public boolean evict(final UdpEndpoint endpoint, final InetSocketAddress client) {
        return endpoint.evict(client);
    }

    @Override
    public UdpFlowImports.Outcome importFlow(final UdpEndpoint endpoint, final InetSocketAddress client,
        final RealServer server, final long remainingNs, final UdpFlowImports<EpollLoop, UdpEndpoint> index) {
        return endpoint.importFlow(client, server, remainingNs, index);
    }
}
