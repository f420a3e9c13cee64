package io.jlvs.core.listing;

import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.service.ServerList;
import io.jlvs.core.service.VirtualService;
import io.jlvs.core.stats.StatsSnapshot;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A virtual service at one moment, with its servers in IPVS list order.
 *
 * <p>Immutable.
 *
 * @param config its configuration
 * @param stats statistics
 * @param servers servers, most recently added first
 */
public record ServiceSnapshot(VirtualServiceConfig config, StatsSnapshot stats, List<ServerSnapshot> servers) {
    /**
     * Reads a live service.
     *
     * @param s the service
     * @return its snapshot
     */
    public static ServiceSnapshot of(final VirtualService s) {
        final ServerList list = s.servers();
        final List<ServerSnapshot> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            out.add(ServerSnapshot.of(list.get(i)));
        }
        return new ServiceSnapshot(s.config(), s.stats().snapshot(), Collections.unmodifiableList(out));
    }
}
