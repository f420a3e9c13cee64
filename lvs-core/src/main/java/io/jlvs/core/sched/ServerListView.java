package io.jlvs.core.sched;

/**
 * A read-only, immutable list of the servers a scheduler chooses from, in IPVS list order (the most recently added
 * first). Schedulers walk it by index, which allocates nothing.
 *
 * <p>Immutable (the servers in it are live: their counters and flags move).
 */
public interface ServerListView {
    /**
     * The number of servers.
     *
     * @return the size
     */
    int size();

    /**
     * The server at an index.
     *
     * @param index 0..size-1, 0 being the most recently added
     * @return the server
     */
    ServerView get(int index);

    /**
     * Finds a server by identity.
     *
     * @param server the server
     * @return its index, or -1
     */
    int indexOf(ServerView server);

    /**
     * An upper bound on how many servers of this list are OVERLOADED, so schedulers can take a fast path when it is
     * 0.
     *
     * @return the count, or -1 when it is not kept: assume some may be
     */
    int overloaded();

    /** The empty list. */
    ServerListView EMPTY = new ServerListView() {
        @Override
        public int size() {
            return 0;
        }

        @Override
        public ServerView get(final int index) {
            throw new IndexOutOfBoundsException("index: " + index + " (expected: none, the list is empty)");
        }

        @Override
        public int indexOf(final ServerView server) {
            return -1;
        }

        @Override
        public int overloaded() {
            return 0;
        }

        @Override
        public String toString() {
            return "[]";
        }
    };
}
