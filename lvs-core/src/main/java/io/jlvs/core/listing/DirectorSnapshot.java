package io.jlvs.core.listing;

import io.jlvs.core.config.Timeouts;
import io.jlvs.core.service.ServiceTableView;
import io.jlvs.core.service.VirtualService;
import io.jlvs.core.stats.StatsSnapshot;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Everything the service listings show, at one moment.
 *
 * <p>Immutable.
 *
 * @param services the services in the order they were added
 * @param timeouts the timeouts
 * @param totals director-wide statistics
 * @param tableSize the figure printed as {@code (size=N)}: the connection table's bucket count
 */
public record DirectorSnapshot(List<ServiceSnapshot> services, Timeouts timeouts, StatsSnapshot totals,
    int tableSize) {
    /** The bucket count IPVS prints by default. */
    public static final int DEFAULT_TABLE_SIZE = 4096;

    /**
     * Reads a live table.
     *
     * @param table the table
     * @param tableSize the connection table's bucket count
     * @return the snapshot
     */
    public static DirectorSnapshot of(final ServiceTableView table, final int tableSize) {
        final List<ServiceSnapshot> out = new ArrayList<>();
        for (final VirtualService s : table.services()) {
            out.add(ServiceSnapshot.of(s));
        }
        return new DirectorSnapshot(Collections.unmodifiableList(out), table.timeouts(), table.totals().snapshot(),
            tableSize);
    }
}
