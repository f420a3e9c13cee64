package io.jlvs.core.transport;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.config.Extensions;
import io.jlvs.core.conn.Connection;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.ServerList;
import io.jlvs.core.service.VirtualService;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The transport-neutral part of {@link TransportEngine#importFlows} for engines with several event loops that read a
 * UDP virtual address each through its own socket: it resolves every synced flow to its service and real server,
 * picks the loop that imports it, has each loop do its part on its own thread, and counts the outcomes. An engine
 * supplies its loops and endpoints through a {@link Host}. Not an API for applications.
 *
 * <p>Which loop: with one socket per virtual address (one loop) the loop that reads it. With {@code SO_REUSEPORT}
 * every loop reads the address through its own socket and the kernel picks the socket by a hash of the 4-tuple with
 * a secret key, which cannot be computed here. The flow is then imported on one of those loops (chosen by the
 * client's address and port) and also entered in an index of {@link Claim}s: a loop that receives a datagram of a
 * flow it does not have looks there first ({@link #claim}, on its new-flow path only, and only while the index is
 * not empty: {@link #waiting}), takes the flow over, bound to the same server, and has the importing loop drop its
 * copy. So the flow continues wherever the client's datagrams land, and is listed once.
 *
 * <p>An entry some loop created for the same flow between binding and the import (a datagram that arrived first)
 * is replaced by the imported one ({@link Host#evict}): the synced placement wins.
 *
 * <p>Counters ({@link #counters}): {@code udp_flows_imported}, {@code udp_flows_import_dropped},
 * {@code udp_flows_import_replaced}, {@code udp_flows_import_claimed}.
 *
 * <p>Thread-safe: {@link #importFlows} runs on the caller's thread and does each loop's part on that loop through
 * {@link Host#submit} (waiting for the answer); the index is a concurrent map written by the importing loop
 * ({@link #offer}), the claiming loop ({@link #claim}) and the loop that closes an imported flow ({@link #forget});
 * the counters are atomic. A {@link Claim}'s connection is touched only on its owner loop.
 *
 * @param <L> the engine's event loop type
 * @param <E> the engine's UDP endpoint type (one service's socket on one loop)
 */
public final class UdpFlowImports<L, E> {
    private static final long WAIT_SECONDS = 30;

    /**
     * What an engine provides: its loops, a way to run on them, and the per-endpoint import steps.
     *
     * @param <L> the event loop type
     * @param <E> the UDP endpoint type
     */
    public interface Host<L, E> {
        /** {@return the engine's loops that still run} */
        List<L> liveLoops();

        /**
         * Runs a task on a loop's thread.
         *
         * @param <T> the result type
         * @param loop the loop
         * @param task the task
         * @return the task's result, completed by the loop (exceptionally if the loop cannot run it)
         */
        <T> CompletableFuture<T> submit(L loop, Supplier<T> task);

        /**
         * The loop's UDP endpoint of a service; called on the loop.
         *
         * @param loop the loop
         * @param service the service
         * @return the endpoint, or null when the loop does not read the service
         */
        E endpoint(L loop, VirtualService service);

        /**
         * Removes the endpoint's entry of a client's flow, if it has one, closing its socket; called on the loop.
         *
         * @param endpoint the endpoint
         * @param client the client's address and port
         * @return whether there was one
         */
        boolean evict(E endpoint, InetSocketAddress client);

        /**
         * Imports a flow into the endpoint's loop table, bound to the server with the remaining timeout and its
         * socket to the server open; called on the loop after {@link #evict}. When {@code index} is not null the
         * endpoint offers the flow to the other loops with {@link UdpFlowImports#offer} and forgets it with
         * {@link UdpFlowImports#forget} when the flow ends.
         *
         * @param endpoint the endpoint
         * @param client the client's address and port
         * @param server the real server
         * @param remainingNs the flow's remaining timeout
         * @param index where to offer the flow, or null when no other loop reads the address
         * @return {@link Outcome#IMPORTED}, or why not
         */
        Outcome importFlow(E endpoint, InetSocketAddress client, RealServer server, long remainingNs,
            UdpFlowImports<L, E> index);
    }

    /**
     * A loop's UDP endpoint of one service, as a {@link Host} that finds endpoints by service and hands the import
     * to them sees it. Its methods are called on the endpoint's loop.
     *
     * @param <L> the transport's event loop
     * @param <E> the endpoint class (the class that implements this one)
     */
    public interface Endpoint<L, E> {
        /** {@return the service the endpoint reads} */
        VirtualService service();

        /**
         * Removes the endpoint's entry of a client's flow, if it has one, closing its socket.
         *
         * @param client the client's address and port
         * @return whether there was one
         * @see Host#evict
         */
        boolean evict(InetSocketAddress client);

        /**
         * Imports a flow into the endpoint's loop table, after {@link #evict}.
         *
         * @param client the client's address and port
         * @param server the real server
         * @param remainingNs the flow's remaining timeout
         * @param index where to offer the flow, or null when no other loop reads the address
         * @return {@link Outcome#IMPORTED}, or why not
         * @see Host#importFlow
         */
        Outcome importFlow(InetSocketAddress client, RealServer server, long remainingNs, UdpFlowImports<L, E> index);
    }

    /**
     * A flow's key in the index. Allocated on the import and on a loop's new-flow path, never per datagram.
     *
     * @param client the client address
     * @param clientPort the client port
     * @param virtual the virtual address
     * @param virtualPort the virtual port
     */
    public record Key(InetAddress client, int clientPort, InetAddress virtual, int virtualPort) {
    }

    /**
     * An imported flow another loop may take over: its connection lives on {@code owner}.
     *
     * @param <L> the event loop type
     * @param key the flow's key
     * @param owner the loop that imported it
     * @param conn its connection (touched on {@code owner} only)
     * @param server its real server
     */
    public record Claim<L>(Key key, L owner, Connection conn, RealServer server) {
    }

    /** What happened to one flow. */
    public enum Outcome {
        /** In a loop's table. */
        IMPORTED,
        /** The engine does not serve the virtual service. */
        NO_SERVICE,
        /** The real server left the service or is down. */
        SERVER_GONE,
        /** The loop's flow limit was reached. */
        TABLE_FULL,
        /** No socket could be set up, or a live entry holds the key. */
        FAILED,
        /** Not a flow this engine can import. */
        UNSUPPORTED
    }

    /**
     * One flow on its way to a loop. Written on the caller's thread before the loops get it, except {@link #outcome}
     * of an imported flow, which only its {@link #owner} loop writes (read by the caller once that loop answered).
     */
    private static final class Item<L> {
        final FlowImport flow;
        final VirtualService service;
        final RealServer server;
        L owner;
        boolean indexed;
        volatile Outcome outcome;

        Item(final FlowImport flow, final VirtualService service, final RealServer server, final Outcome outcome) {
            this.flow = flow;
            this.service = service;
            this.server = server;
            this.outcome = outcome;
        }
    }

    private final DirectorRuntime runtime;
    private final Host<L, E> host;
    private final ConcurrentHashMap<Key, Claim<L>> index = new ConcurrentHashMap<>();
    private final AtomicLong imported = new AtomicLong();
    private final AtomicLong replaced = new AtomicLong();
    private final AtomicLong claimed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();

    /**
     * Makes the import of one engine.
     *
     * @param runtime the engine's runtime (its services)
     * @param host the engine's loops and endpoints
     */
    public UdpFlowImports(final DirectorRuntime runtime, final Host<L, E> host) {
        this.runtime = runtime;
        this.host = host;
    }

    /**
     * Imports flows ({@link TransportEngine#importFlows}); call from any thread but a loop's.
     *
     * @param flows the flows
     * @return what happened to them, each counted once
     */
    public FlowImportResult importFlows(final List<FlowImport> flows) {
        final List<Item<L>> items = new ArrayList<>(flows.size());
        final Set<VirtualService> wanted = new HashSet<>();
        for (final FlowImport f : flows) {
            final Item<L> it = resolve(f);
            items.add(it);
            if (it.outcome == null) {
                wanted.add(it.service);
            }
        }
        // which loops read each service's address (their endpoint lists are theirs: ask them)
        final Map<VirtualService, List<L>> holders = new IdentityHashMap<>();
        final List<L> alive = host.liveLoops();
        for (final L l : alive) {
            final List<VirtualService> has = await(host.submit(l, () -> {
                final List<VirtualService> s = new ArrayList<>();
                for (final VirtualService v : wanted) {
                    if (host.endpoint(l, v) != null) {
                        s.add(v);
                    }
                }
                return s;
            }), null);
            if (has != null) {
                for (final VirtualService s : has) {
                    holders.computeIfAbsent(s, k -> new ArrayList<>()).add(l);
                }
            }
        }
        for (final Item<L> it : items) {
            if (it.outcome != null) {
                continue;
            }
            final List<L> h = holders.get(it.service);
            if (h == null || h.isEmpty()) {
                it.outcome = Outcome.NO_SERVICE; // removed meanwhile, or its loops died
                continue;
            }
            final int hash = it.flow.client().getAddress().hashCode() * 31 + it.flow.client().getPort();
            it.owner = h.get(Math.floorMod(hash, h.size()));
            it.indexed = h.size() > 1;
        }
        // each loop imports its own flows and drops entries it made meanwhile for flows another loop imports. Which
        // flows go to the loops is fixed here, before any loop runs: an owner sets its items' outcomes while the other
        // loops still walk the list, so no loop may decide by an outcome (a loop that ran after the owner would skip
        // the flow and keep the entry it made for it, next to the imported one)
        final List<Item<L>> toLoops = new ArrayList<>(items.size());
        for (final Item<L> it : items) {
            if (it.outcome == null && it.owner != null) {
                toLoops.add(it);
            }
        }
        final List<CompletableFuture<Integer>> done = new ArrayList<>();
        for (final L l : alive) {
            done.add(host.submit(l, () -> {
                for (final Item<L> it : toLoops) {
                    final E u = host.endpoint(l, it.service);
                    if (u == null) {
                        continue;
                    }
                    if (host.evict(u, it.flow.client())) {
                        replaced.incrementAndGet();
                    }
                    if (it.owner == l) {
                        it.outcome = host.importFlow(u, it.flow.client(), it.server,
                            TimeUnit.MILLISECONDS.toNanos(it.flow.remainingMillis()), it.indexed ? this : null);
                    }
                }
                return 0;
            }));
        }
        for (final CompletableFuture<Integer> f : done) {
            await(f, 0);
        }
        int ok = 0;
        int noService = 0;
        int gone = 0;
        int full = 0;
        int failed = 0;
        int unsupported = 0;
        for (final Item<L> it : items) {
            final Outcome o = it.outcome != null ? it.outcome : Outcome.FAILED;
            switch (o) {
                case IMPORTED -> ok++;
                case NO_SERVICE -> noService++;
                case SERVER_GONE -> gone++;
                case TABLE_FULL -> full++;
                case UNSUPPORTED -> unsupported++;
                default -> failed++;
            }
        }
        imported.addAndGet(ok);
        dropped.addAndGet(items.size() - ok);
        return new FlowImportResult(ok, noService, gone, full, failed, unsupported);
    }

    /** Finds the flow's service and server on the caller's thread; sets the outcome if it cannot be imported. */
    private Item<L> resolve(final FlowImport f) {
        if (f.protocol() != Protocol.UDP) {
            return new Item<>(f, null, null, Outcome.UNSUPPORTED);
        }
        final VirtualService s = runtime.services().lookup(Protocol.UDP, f.virtual().getAddress(),
            f.virtual().getPort());
        if (s == null || Extensions.kernelForwarded(s.config())) {
            return new Item<>(f, null, null, Outcome.NO_SERVICE);
        }
        if (s.config().onePacket()) {
            return new Item<>(f, s, null, Outcome.UNSUPPORTED); // no flows to continue: each datagram is placed anew
        }
        final ServerList members = s.members();
        final int i = members.indexOf(f.server().getAddress(), f.server().getPort());
        if (i < 0) {
            return new Item<>(f, s, null, Outcome.SERVER_GONE);
        }
        final RealServer server = members.get(i);
        if (!usable(server)) {
            return new Item<>(f, s, server, Outcome.SERVER_GONE);
        }
        return new Item<>(f, s, server, null);
    }

    /**
     * Whether a flow may be bound to the server: not down.
     *
     * @param server the server
     * @return whether it is available and not inhibited
     */
    public static boolean usable(final RealServer server) {
        return server.isAvailable() && !server.isInhibited();
    }

    private static <T> T await(final CompletableFuture<T> f, final T otherwise) {
        try {
            return f.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return otherwise;
        } catch (final ExecutionException | TimeoutException e) {
            return otherwise;
        }
    }

    /**
     * An importing loop offers its flow to the other loops.
     *
     * @param key the flow's key
     * @param owner the importing loop
     * @param conn the flow's connection
     * @param server its server
     * @return the claim, to {@link #forget} when the flow ends
     */
    public Claim<L> offer(final Key key, final L owner, final Connection conn, final RealServer server) {
        final Claim<L> c = new Claim<>(key, owner, conn, server);
        index.put(key, c);
        return c;
    }

    /**
     * Whether imported flows wait to be claimed; a loop asks {@link #claim} only then (so its new-flow path builds no
     * key while nothing was imported).
     *
     * @return whether the index is not empty
     */
    public boolean waiting() {
        return !index.isEmpty();
    }

    /**
     * On a loop's new-flow path: the imported flow of this client held by another loop, now this loop's to carry on
     * (removed from the index), or null. The caller then has the owner drop its copy.
     *
     * @param client the client address
     * @param clientPort the client port
     * @param virtual the virtual address
     * @param virtualPort the virtual port
     * @param loop the calling loop
     * @return the claim, or null
     */
    public Claim<L> claim(final InetAddress client, final int clientPort, final InetAddress virtual,
        final int virtualPort, final L loop) {
        if (index.isEmpty()) {
            return null;
        }
        final Key k = new Key(client, clientPort, virtual, virtualPort);
        final Claim<L> c = index.get(k);
        if (c == null || c.owner() == loop || !index.remove(k, c)) {
            return null;
        }
        claimed.incrementAndGet();
        return c;
    }

    /**
     * An imported flow ended (expired, or dropped): nobody may claim it any more.
     *
     * @param c its claim
     */
    public void forget(final Claim<L> c) {
        index.remove(c.key(), c);
    }

    /** {@return how many imported flows other loops may still take over} */
    public int indexed() {
        return index.size();
    }

    /**
     * Adds the import counters.
     *
     * @param m the engine's counters
     */
    public void counters(final Map<String, Long> m) {
        m.put("udp_flows_imported", imported.get());
        m.put("udp_flows_import_dropped", dropped.get());
        m.put("udp_flows_import_replaced", replaced.get());
        m.put("udp_flows_import_claimed", claimed.get());
    }
}
