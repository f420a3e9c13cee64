package io.jlvs.core.transport;

import io.jlvs.core.conn.ConnectionTable;
import io.jlvs.core.listing.ConnectionSnapshot;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

/**
 * Copies an event loop's connection table for a listing without stalling the loop: {@value #CHUNK} entries per
 * command, each command queueing the next, so connections keep being served between chunks.
 *
 * <p>Thread ownership: {@link #copy} may be called from any thread; the copying runs on the loop's thread (every
 * step goes through the loop's command queue), and the future completes there.
 */
public final class LoopListing {
    /** Table entries copied per command. */
    public static final int CHUNK = 1024;

    private LoopListing() {
    }

    /**
     * Starts the copy.
     *
     * @param table the loop's table (touched only on the loop's thread)
     * @param loop queues a command on the loop's thread; one that drops commands once the loop has ended must be
     *     paired with {@code running} false
     * @param now the loop's clock, read on the loop's thread (the snapshot's idea of "now")
     * @param running whether the loop still runs; when it does not, the listing is empty at once
     * @return the rows, once every chunk has been copied
     */
    public static CompletableFuture<List<ConnectionSnapshot>> copy(final ConnectionTable table, final Executor loop,
        final LongSupplier now, final boolean running) {
        final CompletableFuture<List<ConnectionSnapshot>> done = new CompletableFuture<>();
        final List<ConnectionSnapshot> rows = new ArrayList<>();
        if (!running) {
            done.complete(rows);
            return done;
        }
        final int[] from = {0};
        final Runnable[] step = new Runnable[1];
        step[0] = () -> {
            from[0] = table.snapshot(rows, from[0], CHUNK, now.getAsLong());
            if (from[0] < 0) {
                done.complete(rows);
            } else {
                loop.execute(step[0]);
            }
        };
        loop.execute(step[0]);
        return done;
    }
}
