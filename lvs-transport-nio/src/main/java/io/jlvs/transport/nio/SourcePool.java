package io.jlvs.transport.nio;

import io.jlvs.core.config.SourceAddresses;

import java.net.InetSocketAddress;

/**
 * One event loop's view of a source-address pool: the bind addresses ({@code addr:0}, built once so a connect
 * allocates nothing) and the loop's own round-robin cursor (no field is shared between loops).
 *
 * <p>Not thread-safe; confined to its event loop.
 */
final class SourcePool {
    private final InetSocketAddress[] binds;
    private int next;

    SourcePool(final SourceAddresses addresses) {
        binds = new InetSocketAddress[addresses.size()];
        for (int i = 0; i < binds.length; i++) {
            binds[i] = new InetSocketAddress(addresses.address(i), 0);
        }
    }

    int size() {
        return binds.length;
    }

    /** The next address in turn. */
    InetSocketAddress next() {
        final InetSocketAddress a = binds[next];
        next = next + 1 == binds.length ? 0 : next + 1;
        return a;
    }
}
