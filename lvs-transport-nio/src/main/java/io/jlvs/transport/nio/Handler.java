package io.jlvs.transport.nio;

import java.nio.channels.SelectionKey;

/**
 * What a selection key's attachment does when the key is ready. Called on the key's event loop only.
 */
interface Handler {
    /**
     * The key is ready.
     *
     * @param key the key
     */
    void handle(SelectionKey key);

    /**
     * A handler threw: close what it owns.
     *
     * @param cause the failure
     */
    void fail(Throwable cause);
}
