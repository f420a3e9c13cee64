package io.jlvs.transport.nio;

import io.jlvs.core.Protocol;
import io.jlvs.core.config.Extensions;
import io.jlvs.core.conn.Connection;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.ServerList;
import io.jlvs.core.service.VirtualService;
import io.jlvs.core.transport.FlowImport;
import io.jlvs.core.transport.FlowImportResult;

import java.io.IOException;
import java.net.InetAddress;
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

/**
 * Synced UDP flows taken over from a sync master ({@link NioEngine#importFlows}): each becomes a flow of an event
 * loop's table, bound to the real server it had, with its remaining timeout, and with its socket to that server open,
 * so the client's next datagram continues as if this director had placed it.
 *
 * <p>Which loop: with one socket per virtual address (one loop, or no {@code SO_REUSEPORT}) the loop that reads it.
 * With {@code SO_REUSEPORT} every loop reads the address through its own socket and the kernel picks the socket by a
 * hash of the 4-tuple with a secret key, which cannot be computed here. The flow is then imported on one of those
 * loops (chosen by the client's address and port) and also entered in {@link #index}: a loop that receives a
 * datagram of a flow it does not have looks there first (on its new-flow path only, and only while the index is
 * not empty), takes the flow over, bound to the same server, and has the importing loop drop its copy. So the flow
 * continues wherever the client's datagrams land, and is listed once.
 *
 * <p>An entry some loop created for the same flow between binding and the import (a datagram that arrived first)
 * is replaced by the imported one: the synced placement wins.
 *
 * <p>Thread-safe: {@link #importFlows} runs on the caller's thread and does each loop's part on that loop through its
 * command queue (waiting for the answer); {@link #index} is a concurrent map written by the importing loop (put),
 * the claiming loop (remove) and the loop that closes an imported flow (remove); the counters are atomic. The
 * {@link Claim}s' connections are touched only on their owner loop.
 */
final class UdpFlowImport {
    private static final long WAIT_SECONDS = 30;

    /** A flow's key in {@link #index}. Allocated on the import and on a loop's new-flow path, never per datagram. */
    record Key(InetAddress client, int clientPort, InetAddress virtual, int virtualPort) {
    }

    /** An imported flow that another loop may take over: its connection lives on {@code owner}. */
    static final class Claim {
        final Key key;
        final EventLoop owner;
        final Connection conn;
        final RealServer server;

        Claim(final Key key, final EventLoop owner, final Connection conn, final RealServer server) {
            this.key = key;
            this.owner = owner;
            this.conn = conn;
            this.server = server;
        }
    }

    /** What happened to one flow. */
    enum Outcome {
        IMPORTED, NO_SERVICE, SERVER_GONE, TABLE_FULL, FAILED, UNSUPPORTED
    }

    /**
     * One flow on its way to a loop. Written on the caller's thread before the loops get it, except {@link #outcome}
     * of an imported flow, which only its {@link #owner} loop writes (read by the caller once that loop answered).
     */
    private static final class Item {
        final FlowImport flow;
        final VirtualService service;
        final RealServer server;
        EventLoop owner;
        boolean indexed;
        Outcome outcome;

        Item(final FlowImport flow, final VirtualService service, final RealServer server, final Outcome outcome) {
            this.flow = flow;
            this.service = service;
            this.server = server;
            this.outcome = outcome;
        }
    }

    private final NioEngine engine;
    private final ConcurrentHashMap<Key, Claim> index = new ConcurrentHashMap<>();
    private final AtomicLong imported = new AtomicLong();
    private final AtomicLong replaced = new AtomicLong();
    private final AtomicLong claimed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();

    UdpFlowImport(final NioEngine engine) {
        this.engine = engine;
    }

    FlowImportResult importFlows(final List<FlowImport> flows) {
        final List<Item> items = new ArrayList<>(flows.size());
        final Set<VirtualService> wanted = new HashSet<>();
        for (final FlowImport f : flows) {
            final Item it = resolve(f);
            items.add(it);
            if (it.outcome == null) {
                wanted.add(it.service);
            }
        }
        // which loops read each service's address (their endpoint lists are theirs: ask them)
        final Map<VirtualService, List<EventLoop>> holders = new IdentityHashMap<>();
        final List<EventLoop> alive = new ArrayList<>();
        for (final EventLoop l : engine.loops) {
            if (l.death() == null) {
                alive.add(l);
            }
        }
        for (final EventLoop l : alive) {
            final List<VirtualService> has = await(l.submit(() -> {
                final List<VirtualService> s = new ArrayList<>();
                for (final UdpEndpoint u : l.udpEndpoints) {
                    if (wanted.contains(u.state.service)) {
                        s.add(u.state.service);
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
        for (final Item it : items) {
            if (it.outcome != null) {
                continue;
            }
            final List<EventLoop> h = holders.get(it.service);
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
        final List<Item> toLoops = new ArrayList<>(items.size());
        for (final Item it : items) {
            if (it.outcome == null && it.owner != null) {
                toLoops.add(it);
            }
        }
        final List<CompletableFuture<Integer>> done = new ArrayList<>();
        for (final EventLoop l : alive) {
            done.add(l.submit(() -> {
                for (final Item it : toLoops) {
                    final UdpEndpoint u = endpoint(l, it.service);
                    if (u == null) {
                        continue;
                    }
                    if (u.evict(it.flow.client())) {
                        replaced.incrementAndGet();
                    }
                    if (it.owner == l) {
                        it.outcome = u.importFlow(it.flow.client(), it.server,
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
        for (final Item it : items) {
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
    private Item resolve(final FlowImport f) {
        if (f.protocol() != Protocol.UDP) {
            return new Item(f, null, null, Outcome.UNSUPPORTED);
        }
        final VirtualService s = engine.runtime.services().lookup(Protocol.UDP, f.virtual().getAddress(),
            f.virtual().getPort());
        if (s == null || Extensions.kernelForwarded(s.config())) {
            return new Item(f, null, null, Outcome.NO_SERVICE);
        }
        if (s.config().onePacket()) {
            return new Item(f, s, null, Outcome.UNSUPPORTED); // no flows to continue: every datagram is placed anew
        }
        final ServerList members = s.members();
        final int i = members.indexOf(f.server().getAddress(), f.server().getPort());
        if (i < 0) {
            return new Item(f, s, null, Outcome.SERVER_GONE);
        }
        final RealServer server = members.get(i);
        if (!usable(server)) {
            return new Item(f, s, server, Outcome.SERVER_GONE);
        }
        return new Item(f, s, server, null);
    }

    /** Whether a flow may be bound to the server: still in its service and not down. */
    static boolean usable(final RealServer server) {
        return server.isAvailable() && !server.isInhibited();
    }

    private static UdpEndpoint endpoint(final EventLoop l, final VirtualService s) {
        for (final UdpEndpoint u : l.udpEndpoints) {
            if (u.state.service == s) {
                return u;
            }
        }
        return null;
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

    /** An importing loop offers its flow to the other loops. */
    Claim offer(final Key key, final EventLoop owner, final Connection conn, final RealServer server) {
        final Claim c = new Claim(key, owner, conn, server);
        index.put(key, c);
        return c;
    }

    /**
     * On a loop's new-flow path: the imported flow of this client held by another loop, now this loop's to carry on
     * (removed from the index), or null. Free while nothing is indexed.
     */
    Claim claim(final InetAddress client, final int clientPort, final InetAddress virtual, final int virtualPort,
        final EventLoop loop) {
        if (index.isEmpty()) {
            return null;
        }
        final Key k = new Key(client, clientPort, virtual, virtualPort);
        final Claim c = index.get(k);
        if (c == null || c.owner == loop || !index.remove(k, c)) {
            return null;
        }
        claimed.incrementAndGet();
        return c;
    }

    /** An imported flow ended (expired, or dropped): nobody may claim it any more. */
    void forget(final Claim c) {
        index.remove(c.key, c);
    }

    /** How many imported flows other loops may still take over, for tests. */
    int indexed() {
        return index.size();
    }

    void counters(final Map<String, Long> m) {
        m.put("udp_flows_imported", imported.get());
        m.put("udp_flows_import_dropped", dropped.get());
        m.put("udp_flows_import_replaced", replaced.get());
        m.put("udp_flows_import_claimed", claimed.get());
    }
}
