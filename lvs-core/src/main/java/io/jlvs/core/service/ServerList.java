package io.jlvs.core.service;

import io.jlvs.core.sched.ServerListView;
import io.jlvs.core.sched.ServerView;

import java.net.InetAddress;
import java.util.Arrays;

/**
 * An immutable snapshot of a service's real servers in IPVS list order: the most recently added first. Schedulers
 * walk it by index, which allocates nothing.
 *
 * <p>Schedulers see it as a read-only {@link ServerListView}; the engine uses its {@link RealServer}s.
 *
 * <p>Immutable (the servers in it are live objects).
 */
public final class ServerList implements ServerListView {
    /** The empty list. */
    public static final ServerList EMPTY = new ServerList(new RealServer[0]);

    private final RealServer[] servers;
    private final java.util.concurrent.atomic.AtomicInteger overloaded;

    private ServerList(final RealServer[] servers) {
        this(servers, null);
    }

    private ServerList(final RealServer[] servers, final java.util.concurrent.atomic.AtomicInteger overloaded) {
        this.servers = servers;
        this.overloaded = overloaded;
    }

    /**
     * An upper bound on how many servers of this list are OVERLOADED, kept by the list's service (it counts its
     * removed servers too), so schedulers can take a fast path when it is 0.
     *
     * @return the count, or -1 when nobody keeps it (a list made with {@link #of}): assume some may be
     */
    @Override
    public int overloaded() {
        return overloaded == null ? -1 : overloaded.get();
    }

    /**
     * The same servers, counted in a service's overload counter.
     *
     * @param counter the service's counter
     * @return the list
     */
    ServerList tracked(final java.util.concurrent.atomic.AtomicInteger counter) {
        for (final RealServer s : servers) {
            s.trackOverload(counter);
        }
        return new ServerList(servers, counter);
    }

    /**
     * A list of the given servers in the given order (index 0 is the head of IPVS's list).
     *
     * @param servers the servers
     * @return the list
     */
    public static ServerList of(final RealServer... servers) {
        return new ServerList(servers.clone());
    }

    /**
     * A list built as ipvsadm would build it by adding the servers one after another: the last one added ends
     * up first.
     *
     * @param inOrderAdded the servers in the order they are added
     * @return the list in IPVS order
     */
    public static ServerList addedInOrder(final RealServer... inOrderAdded) {
        final RealServer[] a = new RealServer[inOrderAdded.length];
        for (int i = 0; i < a.length; i++) {
            a[i] = inOrderAdded[a.length - 1 - i];
        }
        return new ServerList(a);
    }

    /**
     * The number of servers.
     *
     * @return the size
     */
    @Override
    public int size() {
        return servers.length;
    }

    /**
     * The server at an index.
     *
     * @param index 0..size-1, 0 being the most recently added
     * @return the server
     */
    @Override
    public RealServer get(final int index) {
        return servers[index];
    }

    /**
     * Finds a server by address and port.
     *
     * @param address the address
     * @param port the port
     * @return its index, or -1
     */
    public int indexOf(final InetAddress address, final int port) {
        for (int i = 0; i < servers.length; i++) {
            if (servers[i].port() == port && servers[i].address().equals(address)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Finds a server by identity.
     *
     * @param server the server
     * @return its index, or -1
     */
    @Override
    public int indexOf(final ServerView server) {
        for (int i = 0; i < servers.length; i++) {
            if (servers[i] == server) {
                return i;
            }
        }
        return -1;
    }

    /**
     * A new list with a server added at the front, as IPVS adds.
     *
     * @param server the server
     * @return the new list
     */
    public ServerList withFirst(final RealServer server) {
        final RealServer[] a = new RealServer[servers.length + 1];
        a[0] = server;
        System.arraycopy(servers, 0, a, 1, servers.length);
        if (overloaded != null) {
            server.trackOverload(overloaded);
        }
        return new ServerList(a, overloaded);
    }

    /**
     * A new list without the server at an index.
     *
     * @param index the index
     * @return the new list
     */
    public ServerList without(final int index) {
        final RealServer[] a = new RealServer[servers.length - 1];
        System.arraycopy(servers, 0, a, 0, index);
        System.arraycopy(servers, index + 1, a, index, servers.length - index - 1);
        return new ServerList(a, overloaded);
    }

    @Override
    public String toString() {
        return Arrays.toString(servers);
    }
}
