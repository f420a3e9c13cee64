package io.jlvs.core.transport;

/**
 * What an engine did with a list of {@link FlowImport}s: every flow is counted exactly once, as imported or under
 * the reason it was dropped.
 *
 * <p>Immutable.
 *
 * @param imported flows now in the engine's flow tables (listed by {@code -Lnc})
 * @param noService flows of a virtual service the engine does not serve (unknown, or not of the flow's protocol)
 * @param serverGone flows whose real server is no longer in the service, or is down (unavailable or inhibited by
 *     health checking)
 * @param tableFull flows refused because the engine's flow limit was reached
 * @param failed flows the engine could not set up (no socket to the real server, or a live flow holds the key)
 * @param unsupported flows the engine cannot import at all (a transport without flow import, or a protocol it
 *     cannot import)
 */
public record FlowImportResult(int imported, int noService, int serverGone, int tableFull, int failed,
    int unsupported) {
    /**
     * Checks the counts.
     *
     * @param imported imported flows
     * @param noService flows without a service
     * @param serverGone flows whose server is gone or down
     * @param tableFull flows over the limit
     * @param failed flows that could not be set up
     * @param unsupported flows the engine cannot import
     * @throws IllegalArgumentException if a count is negative
     */
    public FlowImportResult {
        if (imported < 0 || noService < 0 || serverGone < 0 || tableFull < 0 || failed < 0 || unsupported < 0) {
            throw new IllegalArgumentException("negative count in " + imported + "/" + noService + "/" + serverGone
                + "/" + tableFull + "/" + failed + "/" + unsupported);
        }
    }

    /**
     * The result of an engine that cannot import flows.
     *
     * @param flows how many flows were offered
     * @return every flow counted as unsupported
     */
    public static FlowImportResult unsupported(final int flows) {
        return new FlowImportResult(0, 0, 0, 0, 0, flows);
    }

    /**
     * The sum of two results (for an engine that imports in parts).
     *
     * @param o the other result
     * @return the sum
     */
    public FlowImportResult plus(final FlowImportResult o) {
        return new FlowImportResult(imported + o.imported, noService + o.noService, serverGone + o.serverGone,
            tableFull + o.tableFull, failed + o.failed, unsupported + o.unsupported);
    }

    /** {@return how many flows were dropped, for any reason} */
    public int dropped() {
        return noService + serverGone + tableFull + failed + unsupported;
    }
}
