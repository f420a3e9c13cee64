package io.jlvs.core.conn;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.listing.ConnectionSnapshot;
import io.jlvs.core.net.Addresses;
import io.jlvs.core.sched.Flow;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.VirtualService;
import io.jlvs.core.stats.StatsCounters;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The connections of one event loop, with IPVS's states, timeouts, counters and persistence.
 *
 * <p>Index: an intrusive hash chain keyed by (protocol, client address and port, virtual address and port), so an
 * IPv4 lookup is a few int compares and allocates nothing. Expiry: one intrusive list per state in order of last
 * activity; an activity moves an entry to its list's tail, so {@link #expire} only looks at list heads and stops
 * after a given number of expiries. Templates this loop created are timed out here too.
 *
 * <p>Counters move exactly at IPVS's points: {@link #open} binds the connection (inactive) and counts it in the
 * {@code conns} statistics; every state change through {@link #event} moves it between active and inactive; expiry
 * or {@link #remove} unbinds it and detaches it from its template.
 *
 * <p>IPv4 flows use int keys and allocate nothing to look up; IPv6 flows are indexed by their folded addresses and
 * matched on the full ones.
 *
 * <p>Not thread-safe: confined to its event loop (single writer). Other threads reach it through the loop's command
 * queue; listings copy it in bounded chunks on the loop thread ({@link #snapshot}).
 */
public final class ConnectionTable {
    /** Hears of entries that expire while the transport still holds their sockets. */
    @FunctionalInterface
    public interface Listener {
        /**
         * An entry expired (idle too long in its state, or its server went away with {@code expire_nodest_conn});
         * the transport should close its sockets. The entry is already out of the table.
         *
         * @param connection the entry, with its attachment
         */
        void expired(Connection connection);
    }

    private static final ConnState[] STATE_VALUES = ConnState.values();
    private static final int STATES = STATE_VALUES.length;

    private final StateTimeouts timeouts;
    private final PersistenceTable persistence;
    private final StatsCounters totals;
    private final int stripe;
    private final long epochNs;
    private Listener listener = c -> { };

    private Connection[] buckets;
    private int mask;
    private int size;
    private final Connection[] heads = new Connection[STATES];
    private final Connection[] tails = new Connection[STATES];
    private final int[] counts = new int[STATES];

    private long[] templateTimeouts = new long[0];
    private Template[] templateHeads = new Template[0];
    private Template[] templateTails = new Template[0];
    private int templates;

    private boolean expireNodestConn;
    private Template placedTemplate;
    private boolean refusedDuplicate;
    private long duplicatesRefused;
    private boolean expireQuiescentConn;

    /**
     * Makes a table.
     *
     * @param timeouts per-state timeouts (shared, settable)
     * @param persistence the director's templates (shared)
     * @param totals director-wide statistics, or null
     * @param stripe this loop's statistics stripe: 1 + the loop's index for an event loop that owns it (written with
     *     plain stores), 0 for the shared stripe (atomic adds)
     * @param expectedEntries initial index capacity
     * @param nowNs the clock's current value, origin of creation times
     */
    public ConnectionTable(final StateTimeouts timeouts, final PersistenceTable persistence,
        final StatsCounters totals, final int stripe, final int expectedEntries, final long nowNs) {
        this.timeouts = timeouts;
        this.persistence = persistence;
        this.totals = totals;
        this.stripe = stripe;
        this.epochNs = nowNs;
        int cap = 16;
        while (cap < expectedEntries) {
            cap <<= 1;
        }
        this.buckets = new Connection[cap];
        this.mask = cap - 1;
    }

    /**
     * Sets the listener told about expiries.
     *
     * @param listener the listener
     */
    public void listener(final Listener listener) {
        this.listener = listener;
    }

    /**
     * IPVS's {@code expire_nodest_conn} for this table: connections of a removed (unavailable) server are closed by
     * {@link #expireNodest} instead of being left to finish.
     *
     * @param closeRemoved close connections of removed servers
     * @param closeQuiesced also close connections of servers quiesced to weight 0
     */
    public void expireNodest(final boolean closeRemoved, final boolean closeQuiesced) {
        this.expireNodestConn = closeRemoved;
        this.expireQuiescentConn = closeQuiesced;
    }

    /**
     * The number of tracked connections (templates not included).
     *
     * @return the count
     */
    public int size() {
        return size;
    }

    /**
     * The number of tracked connections in one state.
     *
     * @param state the state
     * @return the count
     */
    public int count(final ConnState state) {
        return counts[state.ordinal()];
    }

    /**
     * The number of templates this loop owns.
     *
     * @return the count
     */
    public int templates() {
        return templates;
    }

    /**
     * The index's bucket count (what {@code -Ln} prints as {@code size=}).
     *
     * @return the count
     */
    public int capacity() {
        return buckets.length;
    }

    private static int hash(final Protocol p, final int ca, final int cp, final int va, final int vp) {
        int h = ca * 0x9E3779B1 + (cp << 16 | vp);
        h ^= va * 0x85EBCA77 + p.ordinal();
        h ^= h >>> 16;
        h *= 0x7feb352d;
        h ^= h >>> 15;
        h *= 0x846ca68b;
        h ^= h >>> 16;
        return h;
    }

    /**
     * Finds an IPv4 connection. Allocation-free.
     *
     * @param protocol the protocol
     * @param clientAddress the client address number
     * @param clientPort the client port
     * @param virtualAddress the virtual address number
     * @param virtualPort the virtual port
     * @return the entry, or null
     */
    public Connection lookup(final Protocol protocol, final int clientAddress, final int clientPort,
        final int virtualAddress, final int virtualPort) {
        Connection c = buckets[hash(protocol, clientAddress, clientPort, virtualAddress, virtualPort) & mask];
        while (c != null) {
            if (c.matches(protocol, clientAddress, clientPort, virtualAddress, virtualPort)) {
                return c;
            }
            c = c.hashNext;
        }
        return null;
    }

    /**
     * Places a new connection: persistence first (a valid template decides), else the service's scheduler; then
     * creates the entry, bound to the server and counted. An existing entry with the same key whose sockets are
     * closed (a reused client port whose old entry lingers in TIME_WAIT or CLOSE) is expired first, as IPVS's
     * {@code conn_reuse_mode} does. An existing entry that still carries a transport attachment is a live
     * connection: it is never evicted; the new one is refused (null, {@link #lastOpenRefusedDuplicate()} true,
     * counted in {@link #duplicatesRefused()}). Only a trusted PROXY header that repeats a live connection's client
     * can cause that, since the kernel keeps real socket pairs unique.
     *
     * @param service the service
     * @param flow the flow, for the scheduler
     * @param protocol the protocol
     * @param clientAddress the client IPv4 address number
     * @param clientPort the client port
     * @param virtualAddress the virtual IPv4 address number
     * @param virtualPort the virtual port
     * @param now the current time
     * @return the entry, or null when no server is available ("no destination") or the key belongs to a live
     *     connection ({@link #lastOpenRefusedDuplicate()})
     */
    public Connection open(final VirtualService service, final Flow flow, final Protocol protocol,
        final int clientAddress, final int clientPort, final int virtualAddress, final int virtualPort,
        final long now) {
        refusedDuplicate = false;
        final Connection old = lookup(protocol, clientAddress, clientPort, virtualAddress, virtualPort);
        if (old != null && !reusable(old)) {
            return null;
        }
        final RealServer server = place(service, flow, protocol, clientAddress, null, virtualAddress, null,
            virtualPort, now);
        if (server == null) {
            return null;
        }
        return track(new Connection(protocol, clientAddress, clientPort, virtualAddress, virtualPort, service, server,
            (int) TimeUnit.NANOSECONDS.toSeconds(now - epochNs)), now);
    }

    /**
     * Whether an entry found under a new connection's key may give way to it: only if the transport holds no
     * sockets for it any more. A live one is refused and counted here.
     */
    private boolean reusable(final Connection old) {
        if (old.attachment != null) {
            refusedDuplicate = true;
            duplicatesRefused++;
            return false;
        }
        expireOne(old);
        return true;
    }

    /**
     * Whether the last {@link #open} returned null because a live connection already holds its key (rather than
     * because no server was available).
     *
     * @return true after a refused duplicate
     */
    public boolean lastOpenRefusedDuplicate() {
        return refusedDuplicate;
    }

    /**
     * How many new connections {@link #open} refused because a live connection held their key.
     *
     * @return the count over this table's life
     */
    public long duplicatesRefused() {
        return duplicatesRefused;
    }

    /**
     * Persistence first (a valid template decides), else the scheduler. Sets {@link #placedTemplate}.
     *
     * @return the server, or null when none is available
     */
    private RealServer place(final VirtualService service, final Flow flow, final Protocol protocol,
        final int client4, final InetAddress client, final int virtual4, final InetAddress virtual,
        final int virtualPort, final long now) {
        placedTemplate = null;
        if (!service.config().persistent()) {
            return service.schedule(flow);
        }
        final TemplateKey key = PersistenceTable.key(service, protocol,
            client != null ? client.getAddress() : Addresses.ipv4(client4).getAddress(),
            virtual != null ? virtual.getAddress() : Addresses.ipv4(virtual4).getAddress(), virtualPort);
        Template t = persistence.attach(key, now);
        if (t == null) {
            final RealServer picked = service.schedule(flow);
            if (picked == null) {
                return null;
            }
            t = persistence.create(key, service, picked, this, now);
        }
        placedTemplate = t;
        return t.server;
    }

    private Connection track(final Connection c, final long now) {
        c.template = placedTemplate;
        c.lastActivityNs = now;
        c.server.bindConnection();
        countConnection(c.service, c.server);
        insert(c);
        return c;
    }

    /**
     * {@link #open} for any address family: IPv4 addresses take the allocation-free path, IPv6 ones are indexed by
     * their folded value and matched on the full address.
     *
     * @param service the service
     * @param flow the flow, for the scheduler
     * @param protocol the protocol
     * @param client the client address
     * @param clientPort the client port
     * @param virtual the virtual address
     * @param virtualPort the virtual port
     * @param now the current time
     * @return the entry, or null when no server is available
     */
    public Connection open(final VirtualService service, final Flow flow, final Protocol protocol,
        final InetAddress client, final int clientPort, final InetAddress virtual, final int virtualPort,
        final long now) {
        if (client instanceof Inet4Address && virtual instanceof Inet4Address) {
            return open(service, flow, protocol, Addresses.fold(client), clientPort, Addresses.fold(virtual),
                virtualPort, now);
        }
        refusedDuplicate = false;
        final Connection old = lookup(protocol, client, clientPort, virtual, virtualPort);
        if (old != null && !reusable(old)) {
            return null;
        }
        final RealServer server = place(service, flow, protocol, 0, client, 0, virtual, virtualPort, now);
        if (server == null) {
            return null;
        }
        return track(new Connection.V6(protocol, client, clientPort, virtual, virtualPort, service, server,
            (int) TimeUnit.NANOSECONDS.toSeconds(now - epochNs)), now);
    }

    /**
     * Finds a connection of any address family.
     *
     * @param protocol the protocol
     * @param client the client address
     * @param clientPort the client port
     * @param virtual the virtual address
     * @param virtualPort the virtual port
     * @return the entry, or null
     */
    public Connection lookup(final Protocol protocol, final InetAddress client, final int clientPort,
        final InetAddress virtual, final int virtualPort) {
        final int ca = Addresses.fold(client);
        final int va = Addresses.fold(virtual);
        if (client instanceof Inet4Address && virtual instanceof Inet4Address) {
            return lookup(protocol, ca, clientPort, va, virtualPort);
        }
        Connection c = buckets[hash(protocol, ca, clientPort, va, virtualPort) & mask];
        while (c != null) {
            if (c.isIpv6() && ((Connection.V6) c).matches6(protocol, client, clientPort, virtual, virtualPort)) {
                return c;
            }
            c = c.hashNext;
        }
        return null;
    }

    /**
     * One-packet scheduling ({@code -o}): places one datagram without keeping an entry. The server is bound and
     * unbound at once, counted in {@code conns} and in the packet statistics.
     *
     * @param service the service
     * @param flow the flow
     * @param protocol the protocol
     * @param clientAddress client address number
     * @param virtualAddress virtual address number
     * @param virtualPort virtual port
     * @param bytes the datagram's size
     * @param now the current time
     * @return the server, or null when none is available
     */
    public RealServer openOnePacket(final VirtualService service, final Flow flow, final Protocol protocol,
        final int clientAddress, final int virtualAddress, final int virtualPort, final int bytes, final long now) {
        final RealServer server = place(service, flow, protocol, clientAddress, null, virtualAddress, null,
            virtualPort, now);
        if (server == null) {
            return null;
        }
        final Template t = placedTemplate;
        server.bindConnection();
        countConnection(service, server);
        countInStats(service, server, bytes);
        server.unbindConnection(false);
        if (t != null) {
            t.detach();
        }
        return server;
    }

    private void countConnection(final VirtualService service, final RealServer server) {
        server.stats().addConnection(stripe);
        service.stats().addConnection(stripe);
        if (totals != null) {
            totals.addConnection(stripe);
        }
    }

    private void countInStats(final VirtualService service, final RealServer server, final int bytes) {
        in(server.stats(), bytes);
        in(service.stats(), bytes);
        if (totals != null) {
            in(totals, bytes);
        }
    }

    /* An event loop owns its stripe (stripe 0 is shared): plain writes save a locked instruction per counter. */
    private void in(final StatsCounters s, final int bytes) {
        if (stripe > 0 && stripe < s.stripes()) {
            s.addInOwned(stripe, 1, bytes);
        } else {
            s.addIn(stripe, 1, bytes);
        }
    }

    /**
     * Counts server-to-client traffic in a statistics object from this table's loop.
     *
     * @param s the statistics
     * @param bytes bytes read
     */
    public void out(final StatsCounters s, final int bytes) {
        if (stripe > 0 && stripe < s.stripes()) {
            s.addOutOwned(stripe, 1, bytes);
        } else {
            s.addOut(stripe, 1, bytes);
        }
    }

    /**
     * Applies a socket event: the IPVS state transition, the counter moves it implies, and a timer re-arm.
     *
     * @param c a tracked TCP entry
     * @param event the event
     * @param now the current time
     */
    public void event(final Connection c, final SocketEvent event, final long now) {
        if (!c.hashed || c.protocol != Protocol.TCP) {
            return;
        }
        setState(c, event.next(c.state));
        touch(c, now);
    }

    private void setState(final Connection c, final ConnState next) {
        final ConnState prev = c.state;
        if (prev == next) {
            return;
        }
        if (prev.active() && !next.active()) {
            c.server.connectionDeactivated();
        } else if (!prev.active() && next.active()) {
            c.server.connectionActivated();
        }
        if (next == ConnState.ESTABLISHED && c.template != null) {
            c.template.assured = true;
        }
        unlinkState(c);
        c.state = next;
        linkState(c);
    }

    /**
     * Counts client-to-server traffic (one read) and re-arms the timer.
     *
     * @param c the entry
     * @param bytes bytes read
     * @param now the current time
     */
    public void countIn(final Connection c, final int bytes, final long now) {
        c.inPackets++;
        c.inBytes += bytes;
        countInStats(c.service, c.server, bytes);
        touch(c, now);
    }

    /**
     * Counts server-to-client traffic (one read) and re-arms the timer; for UDP a reply makes the template ASSURED.
     *
     * @param c the entry
     * @param bytes bytes read
     * @param now the current time
     */
    public void countOut(final Connection c, final int bytes, final long now) {
        c.outPackets++;
        c.outBytes += bytes;
        out(c.server.stats(), bytes);
        out(c.service.stats(), bytes);
        if (totals != null) {
            out(totals, bytes);
        }
        if (c.template != null && c.protocol == Protocol.UDP) {
            c.template.assured = true;
        }
        touch(c, now);
    }

    /**
     * Re-arms an entry's idle timer: it moves to the tail of its state's list.
     *
     * @param c the entry
     * @param now the current time
     */
    public void touch(final Connection c, final long now) {
        if (!c.hashed) {
            return;
        }
        c.lastActivityNs = now;
        final int s = c.state.ordinal();
        if (tails[s] != c) {
            unlinkState(c);
            linkState(c);
        }
    }

    /**
     * Moves a connection whose connect failed to another server: unbound from the old one, detached from its
     * template (the retry is a fresh pick, not persistence), bound to the new one and counted. Not an IPVS
     * operation: a kernel director never retries.
     *
     * @param c the entry
     * @param server the new server
     * @param now the current time
     */
    public void rebind(final Connection c, final RealServer server, final long now) {
        c.server.unbindConnection(c.state.active());
        if (c.template != null) {
            c.template.detach();
            c.template = null;
        }
        c.server = server;
        server.bindConnection();
        if (c.state.active()) {
            server.connectionActivated();
        }
        countConnection(c.service, server);
        touch(c, now);
    }

    /**
     * Removes an entry now (for example a UDP flow the transport drops), without telling the listener.
     *
     * @param c the entry
     */
    public void remove(final Connection c) {
        if (c.hashed) {
            unlinkAll(c);
        }
    }

    /**
     * Expires entries whose idle time in their state reached the state's timeout, and templates due, at most
     * {@code limit} of them. Allocation-free.
     *
     * @param now the current time
     * @param limit the most entries to expire in this call
     * @return how many were expired
     */
    public int expire(final long now, final int limit) {
        int n = 0;
        for (int s = 0; s < STATES && n < limit; s++) {
            final long timeout = timeouts.timeoutNs(STATE_VALUES[s]);
            Connection c = heads[s];
            while (c != null && n < limit && now - (c.lastActivityNs + timeout) >= 0) {
                expireOne(c);
                n++;
                c = heads[s];
            }
        }
        for (int l = 0; l < templateHeads.length && n < limit; l++) {
            Template t = templateHeads[l];
            while (t != null && n < limit && now - (t.armedAtNs + templateTimeouts[l]) >= 0) {
                expireTemplate(t, now);
                n++;
                t = templateHeads[l];
            }
        }
        return n;
    }

    /**
     * The earliest time an entry or template may expire, to let a loop sleep until then.
     *
     * @return nanoseconds, or {@link Long#MAX_VALUE} when the table is empty
     */
    public long nextExpiryNs() {
        long next = Long.MAX_VALUE;
        for (int s = 0; s < STATES; s++) {
            final Connection c = heads[s];
            if (c != null) {
                next = Math.min(next, c.lastActivityNs + timeouts.timeoutNs(STATE_VALUES[s]));
            }
        }
        for (int l = 0; l < templateHeads.length; l++) {
            if (templateHeads[l] != null) {
                next = Math.min(next, templateHeads[l].armedAtNs + templateTimeouts[l]);
            }
        }
        return next;
    }

    /**
     * Closes connections whose server was removed (and, if configured, quiesced), at most {@code limit} per call,
     * when {@code expire_nodest_conn} is on. Walks the index from a bucket and returns where to continue.
     *
     * @param fromBucket where to start (0 for a new sweep)
     * @param limit the most buckets to visit
     * @return the bucket to continue from, or -1 when the sweep is done (or the option is off)
     */
    public int expireNodest(final int fromBucket, final int limit) {
        if (!expireNodestConn && !expireQuiescentConn) {
            return -1;
        }
        int b = fromBucket;
        final int end = Math.min(buckets.length, fromBucket + limit);
        for (; b < end; b++) {
            Connection c = buckets[b];
            while (c != null) {
                final Connection next = c.hashNext;
                final RealServer s = c.server;
                if (expireNodestConn && !s.isAvailable() || expireQuiescentConn && s.weight() == 0) {
                    expireOne(c);
                }
                c = next;
            }
        }
        return b >= buckets.length ? -1 : b;
    }

    private void expireOne(final Connection c) {
        unlinkAll(c);
        if (c.attachment != null) {
            listener.expired(c);
        }
    }

    private void unlinkAll(final Connection c) {
        unhash(c);
        unlinkState(c);
        c.hashed = false;
        c.server.unbindConnection(c.state.active());
        if (c.template != null) {
            c.template.detach();
        }
    }

    private void expireTemplate(final Template t, final long now) {
        final long refreshed = t.refreshedAtNs;
        if (refreshed - t.armedAtNs > 0) { // a new connection refreshed it: due later
            unlinkTemplate(t);
            t.armedAtNs = refreshed;
            linkTemplateSorted(t, t.timeoutNs);
            return;
        }
        if (t.controls.get() > 0) { // still controls connections: re-arm for 60 s, as IPVS does
            unlinkTemplate(t);
            t.timeoutNs = Template.REARM_NS;
            t.armedAtNs = now;
            linkTemplateSorted(t, Template.REARM_NS);
            return;
        }
        if (!t.controls.compareAndSet(0, -1)) {
            return; // a connection attached just now: look again next time
        }
        unlinkTemplate(t);
        templates--;
        persistence.removeExpired(t);
        t.server.unbindTemplate();
    }

    void trackTemplate(final Template t) {
        templates++;
        linkTemplateSorted(t, t.timeoutNs);
    }

    private int templateList(final long timeoutNs) {
        for (int i = 0; i < templateTimeouts.length; i++) {
            if (templateTimeouts[i] == timeoutNs) {
                return i;
            }
        }
        final int n = templateTimeouts.length;
        templateTimeouts = java.util.Arrays.copyOf(templateTimeouts, n + 1);
        templateHeads = java.util.Arrays.copyOf(templateHeads, n + 1);
        templateTails = java.util.Arrays.copyOf(templateTails, n + 1);
        templateTimeouts[n] = timeoutNs;
        return n;
    }

    private void linkTemplateSorted(final Template t, final long timeoutNs) {
        final int l = templateList(timeoutNs);
        t.list = l;
        Template after = templateTails[l];
        while (after != null && after.armedAtNs - t.armedAtNs > 0) {
            after = after.prev;
        }
        t.prev = after;
        if (after == null) {
            t.next = templateHeads[l];
            templateHeads[l] = t;
        } else {
            t.next = after.next;
            after.next = t;
        }
        if (t.next == null) {
            templateTails[l] = t;
        } else {
            t.next.prev = t;
        }
    }

    private void unlinkTemplate(final Template t) {
        final int l = t.list;
        if (t.prev == null) {
            templateHeads[l] = t.next;
        } else {
            t.prev.next = t.next;
        }
        if (t.next == null) {
            templateTails[l] = t.prev;
        } else {
            t.next.prev = t.prev;
        }
        t.prev = null;
        t.next = null;
    }

    private void insert(final Connection c) {
        if (size >= buckets.length) {
            resize(buckets.length << 1);
        }
        final int b = hash(c.protocol, c.clientAddress, c.clientPort, c.virtualAddress, c.virtualPort) & mask;
        c.hashNext = buckets[b];
        buckets[b] = c;
        c.hashed = true;
        size++;
        linkState(c);
    }

    private void unhash(final Connection c) {
        final int b = hash(c.protocol, c.clientAddress, c.clientPort, c.virtualAddress, c.virtualPort) & mask;
        Connection p = null;
        Connection x = buckets[b];
        while (x != null && x != c) {
            p = x;
            x = x.hashNext;
        }
        if (x == null) {
            return;
        }
        if (p == null) {
            buckets[b] = c.hashNext;
        } else {
            p.hashNext = c.hashNext;
        }
        c.hashNext = null;
        size--;
    }

    private void resize(final int capacity) {
        final Connection[] old = buckets;
        final Connection[] nb = new Connection[capacity];
        final int m = capacity - 1;
        for (final Connection head : old) {
            Connection c = head;
            while (c != null) {
                final Connection next = c.hashNext;
                final int b = hash(c.protocol, c.clientAddress, c.clientPort, c.virtualAddress, c.virtualPort) & m;
                c.hashNext = nb[b];
                nb[b] = c;
                c = next;
            }
        }
        buckets = nb;
        mask = m;
    }

    private void linkState(final Connection c) {
        final int s = c.state.ordinal();
        c.next = null;
        c.prev = tails[s];
        if (tails[s] == null) {
            heads[s] = c;
        } else {
            tails[s].next = c;
        }
        tails[s] = c;
        counts[s]++;
    }

    private void unlinkState(final Connection c) {
        final int s = c.state.ordinal();
        if (c.prev == null) {
            if (heads[s] != c) {
                return; // not linked
            }
            heads[s] = c.next;
        } else {
            c.prev.next = c.next;
        }
        if (c.next == null) {
            tails[s] = c.prev;
        } else {
            c.next.prev = c.prev;
        }
        c.prev = null;
        c.next = null;
        counts[s]--;
    }

    /**
     * Copies entries for {@code ipvsadm -Lnc}, walking the index from a bucket; templates come with the first chunk.
     * Call on the loop thread, in chunks, so a large table never stalls the loop.
     *
     * @param out where to add rows
     * @param fromBucket 0 for the first chunk, then the returned value
     * @param maxBuckets the most buckets to visit
     * @param now the current time, for the expire column
     * @return the bucket to continue from, or -1 when done
     */
    public int snapshot(final List<ConnectionSnapshot> out, final int fromBucket, final int maxBuckets,
        final long now) {
        if (fromBucket == 0) {
            for (int l = 0; l < templateHeads.length; l++) {
                for (Template t = templateHeads[l]; t != null; t = t.next) {
                    final long due = Math.max(t.armedAtNs, t.refreshedAtNs) + t.timeoutNs;
                    out.add(new ConnectionSnapshot(t.key.protocol().label(),
                        Math.max(0, TimeUnit.NANOSECONDS.toSeconds(due - now)), t.assured ? "ASSURED" : "NONE",
                        t.key.clientNetwork(), 0, t.key.virtualAddress(), t.key.virtualPort(), t.server.address(),
                        t.key.virtualPort() == 0 ? 0 : t.server.port()));
                }
            }
        }
        int b = fromBucket;
        final int end = Math.min(buckets.length, fromBucket + maxBuckets);
        for (; b < end; b++) {
            for (Connection c = buckets[b]; c != null; c = c.hashNext) {
                final long due = c.lastActivityNs + timeouts.timeoutNs(c.state);
                out.add(new ConnectionSnapshot(c.protocol.label(),
                    Math.max(0, TimeUnit.NANOSECONDS.toSeconds(due - now)), c.state.ipvsName(), c.clientAddress(),
                    c.clientPort, c.virtualAddress(), c.virtualPort, c.server.address(), c.server.port()));
            }
        }
        return b >= buckets.length ? -1 : b;
    }

    /**
     * Tracks an entry placed by another director (a flow learned from a sync master at takeover): bound to the given
     * server (an inactive connection of it) without scheduling or persistence, and, as IPVS does for synced entries,
     * not counted in the {@code conns} statistics (its packets and bytes are), with {@code remainingNs} left
     * before it expires in its state (at most the state's timeout). An entry already under the key is expired first
     * if the transport holds no sockets for it; a live one is kept and the import refused. Not for the data path:
     * it walks the state list to keep it in expiry order.
     *
     * @param service the service
     * @param server the server the other director chose (one of the service's)
     * @param protocol the protocol
     * @param client the client address
     * @param clientPort the client port
     * @param virtual the virtual address
     * @param virtualPort the virtual port
     * @param remainingNs how long the entry has left (0 or less: it expires at the next {@link #expire})
     * @param now the current time
     * @return the entry, or null when a live entry holds the key ({@link #lastOpenRefusedDuplicate()} true)
     */
    public Connection importEntry(final VirtualService service, final RealServer server, final Protocol protocol,
        final InetAddress client, final int clientPort, final InetAddress virtual, final int virtualPort,
        final long remainingNs, final long now) {
        refusedDuplicate = false;
        final Connection old = lookup(protocol, client, clientPort, virtual, virtualPort);
        if (old != null && !reusable(old)) {
            return null;
        }
        final int created = (int) TimeUnit.NANOSECONDS.toSeconds(now - epochNs);
        final Connection c = client instanceof Inet4Address && virtual instanceof Inet4Address
            ? new Connection(protocol, Addresses.fold(client), clientPort, Addresses.fold(virtual), virtualPort,
                service, server, created)
            : new Connection.V6(protocol, client, clientPort, virtual, virtualPort, service, server, created);
        c.server.bindConnection(); // inactive, as a synced entry of IPVS; not counted in conns (nothing was scheduled)
        insert(c);
        final long timeout = timeouts.timeoutNs(c.state);
        c.lastActivityNs = now - (timeout - Math.max(0, Math.min(timeout, remainingNs)));
        unlinkState(c);
        final int s = c.state.ordinal();
        Connection after = tails[s];
        while (after != null && after.lastActivityNs - c.lastActivityNs > 0) {
            after = after.prev;
        }
        if (after == tails[s]) {
            linkState(c);
        } else {
            c.prev = after;
            c.next = after == null ? heads[s] : after.next;
            c.next.prev = c;
            if (after == null) {
                heads[s] = c;
            } else {
                after.next = c;
            }
            counts[s]++;
        }
        return c;
    }
}
