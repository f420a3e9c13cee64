package io.jlvs.examples.sync;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.net.Protocol;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.conn.PersistenceTable;
import io.jlvs.core.conn.Template;
import io.jlvs.core.conn.TemplateKey;
import io.jlvs.core.internal.DirectorAccess;
import io.jlvs.core.listing.ConnectionSnapshot;
import io.jlvs.core.listing.IpvsadmListing;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.ServerList;
import io.jlvs.core.service.VirtualService;
import io.jlvs.core.sync.SyncCodec;
import io.jlvs.core.sync.SyncDecoder;
import io.jlvs.core.sync.SyncMessage;
import io.jlvs.core.sync.SyncRecord;
import io.jlvs.core.transport.FlowImport;
import io.jlvs.core.transport.FlowImportResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The receiving side of sync. Its director's load balancer is built but not started: the backup accepts no client
 * until it takes over. A receiver thread decodes each datagram whole ({@link SyncDecoder}: other sync ids, truncated,
 * corrupted or malformed datagrams are dropped and counted, never applied in part) and applies it: persistence
 * templates go into the director's {@link PersistenceTable} (so after takeover a returning client lands on the
 * server it had), UDP flows and TCP connection entries into a bounded table of this backup that {@link #listing()}
 * shows as {@code ipvsadm -Lnc} does. A TCP connection of a full proxy cannot move between processes (its sockets
 * die with the master), so the TCP entries are state only. UDP flows of a persistent service continue on the same
 * server through their template; at takeover the flows of non-persistent UDP services are imported into the
 * engine's own flow tables ({@link LoadBalancer#importFlows}), each bound to the server it had with its remaining
 * timeout, so their next datagrams reach the same backend. Flows whose server is gone or down are dropped and
 * counted; with a transport that cannot import flows (the default of the transport SPI) they are counted as not
 * imported and scheduled afresh.
 *
 * <p>When no heartbeat arrives for the dead interval (counted from start until a first one), or on
 * {@link #takeover()}, it stops receiving and starts the load balancer. Work per datagram is bounded (one datagram
 * of at most 64 KiB, records of at least 12 bytes); the receiver runs on its own thread with a bounded socket buffer,
 * so a flood of bad datagrams costs a checksum each and never reaches a data path thread.
 *
 * <p>Thread-safe: the receiver thread ({@code jlvs-sync-backup}) owns the channel and the buffer; the watchdog thread
 * ({@code jlvs-sync-watch}) owns expiry and the takeover decision; the entry table is concurrent, the heartbeat time
 * and the last import's result volatile, the counters atomic, and {@link #takeover()} (which imports the flows)
 * synchronized.
 */
public final class SyncBackup implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SyncBackup.class);

    /** A synced UDP flow or TCP entry. */
    private record Entry(SyncRecord record, long deadlineNs) {
    }

    /** What finds an entry: protocol and the client and virtual endpoints. */
    private record EntryKey(Protocol protocol, InetAddress client, int clientPort, InetAddress virtual,
        int virtualPort) {
    }

    private final SyncDaemon.Settings settings;
    private final LoadBalancer lb;
    private final DatagramChannel channel;
    private final SyncDecoder decoder;
    private final ConcurrentHashMap<EntryKey, Entry> entries = new ConcurrentHashMap<>();
    private final ScheduledExecutorService watch;
    private final Thread receiver;
    private final List<Runnable> takeoverListeners = new CopyOnWriteArrayList<>();
    private final long startedNs;
    private final AtomicLong templatesApplied = new AtomicLong();
    private final AtomicLong entriesApplied = new AtomicLong();
    private final AtomicLong unknownService = new AtomicLong();
    private final AtomicLong unknownServer = new AtomicLong();
    private final AtomicLong tableFull = new AtomicLong();
    private final AtomicLong heartbeats = new AtomicLong();
    private final AtomicLong datagramsApplied = new AtomicLong();
    private final AtomicLong flowsImported = new AtomicLong();
    private final AtomicLong flowsNotImported = new AtomicLong();
    private volatile FlowImportResult lastImport;
    private volatile long lastHeartbeatNs;
    private volatile long masterId;
    private volatile long takenOverNs;
    private volatile String takeoverReason = "";
    private volatile boolean closed;
    private volatile String wanted;
    private boolean warned;
    // owned by the watchdog
    private long lastSweepNs;

    private SyncBackup(final SyncDaemon.Settings settings, final LoadBalancer lb, final DatagramChannel channel) {
        this.settings = settings;
        this.lb = lb;
        this.channel = channel;
        this.decoder = new SyncDecoder(new SyncCodec(settings.syncId(), SyncCodec.MAX_DATAGRAM_BYTES));
        this.startedNs = settings.clock().nanoTime();
        this.lastHeartbeatNs = startedNs;
        this.lastSweepNs = startedNs;
        this.receiver = new Thread(this::receive, "jlvs-sync-backup");
        receiver.setDaemon(true);
        this.watch = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread t = new Thread(r, "jlvs-sync-watch");
            t.setDaemon(true);
            return t;
        });
    }

    static SyncBackup start(final SyncDaemon.Settings s, final LoadBalancer lb) throws IOException {
        final InetSocketAddress bind = s.group() != null
            ? new InetSocketAddress(s.group().getPort()) : s.listen();
        final boolean v6 = (s.group() != null ? s.group() : s.listen()).getAddress() instanceof Inet6Address;
        final DatagramChannel ch = DatagramChannel.open(v6 ? StandardProtocolFamily.INET6
            : StandardProtocolFamily.INET);
        try {
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ch.setOption(StandardSocketOptions.SO_RCVBUF, 256 * 1024); // bounded: a flood overflows here, not in us
            ch.bind(bind);
            if (s.group() != null && s.multicastInterface() != null) {
                ch.join(s.group().getAddress(), namedInterface(s.multicastInterface(), ch));
            } else if (s.group() != null) {
                NetworkInterface nif = s.listen() != null ? NetworkInterface.getByInetAddress(s.listen().getAddress())
                    : null;
                if (nif == null) {
                    nif = NetworkInterface.getByInetAddress(v6 ? InetAddress.getByName("::1")
                        : InetAddress.getLoopbackAddress());
                }
                if (s.listen() == null) {
                    nif = defaultMulticastInterface(nif);
                }
                ch.join(s.group().getAddress(), nif);
            }
        } catch (final IOException e) {
            ch.close();
            throw new IOException("sync " + (s.group() != null ? "group " + s.group() : "listen " + s.listen()) + ": "
                + e.getMessage(), e);
        }
        final SyncBackup b = new SyncBackup(s, lb, ch);
        b.receiver.start();
        b.watch.scheduleAtFixedRate(b::watchdog, 100, 100, TimeUnit.MILLISECONDS);
        return b;
    }

    static NetworkInterface namedInterface(final String name, final DatagramChannel ch) throws IOException {
        final NetworkInterface n = NetworkInterface.getByName(name);
        if (n == null) {
            ch.close();
            throw new IOException("--sync-interface " + name + ": no such network interface");
        }
        if (!n.supportsMulticast()) {
            ch.close();
            throw new IOException("--sync-interface " + name + ": the interface has multicast off (ip link set "
                + name + " multicast on)");
        }
        return n;
    }

    private static NetworkInterface defaultMulticastInterface(final NetworkInterface fallback) throws IOException {
        final java.util.Enumeration<NetworkInterface> all = NetworkInterface.getNetworkInterfaces();
        while (all != null && all.hasMoreElements()) {
            final NetworkInterface n = all.nextElement();
            if (n.isUp() && n.supportsMulticast() && !n.isLoopback()) {
                return n;
            }
        }
        return fallback;
    }

    /**
     * The address the backup receives on.
     *
     * @return the bound address
     */
    public InetSocketAddress address() {
        try {
            return (InetSocketAddress) channel.getLocalAddress();
        } catch (final IOException e) {
            return settings.listen();
        }
    }

    /**
     * Adds something to run once the backup took over (its load balancer is running then).
     *
     * @param r the listener (runs on the thread that took over)
     */
    public void onTakeover(final Runnable r) {
        takeoverListeners.add(Objects.requireNonNull(r, "listener"));
    }

    private void receive() {
        final ByteBuffer buf = ByteBuffer.allocateDirect(SyncCodec.MAX_DATAGRAM_BYTES);
        while (!closed && takenOverNs == 0) {
            try {
                buf.clear();
                if (channel.receive(buf) == null) {
                    continue;
                }
                buf.flip();
                final SyncMessage m = decoder.accept(buf);
                if (m != null) {
                    apply(m);
                    datagramsApplied.incrementAndGet();
                }
            } catch (final ClosedChannelException e) {
                return;
            } catch (final IOException | RuntimeException e) {
                if (closed || takenOverNs != 0) {
                    return;
                }
                LOG.warn("sync receive failed", e);
            }
        }
    }

    private void apply(final SyncMessage m) {
        final long now = settings.clock().nanoTime();
        for (final SyncRecord r : m.records()) {
            if (r instanceof SyncRecord.Heartbeat h) {
                if (h.masterId() != masterId && masterId != 0) {
                    LOG.info("sync: master {} replaced by {}", Long.toHexString(masterId),
                        Long.toHexString(h.masterId()));
                }
                masterId = h.masterId();
                heartbeats.incrementAndGet();
                lastHeartbeatNs = now;
            } else if (r instanceof SyncRecord.TemplateRecord t) {
                applyTemplate(t, now);
            } else if (r instanceof SyncRecord.FlowRecord f) {
                put(new EntryKey(Protocol.UDP, f.clientAddress(), f.clientPort(), f.virtualAddress(), f.virtualPort()),
                    r, now + f.remainingMillis() * 1_000_000);
            } else {
                final SyncRecord.ConnectionRecord c = (SyncRecord.ConnectionRecord) r;
                put(new EntryKey(Protocol.TCP, c.clientAddress(), c.clientPort(), c.virtualAddress(),
                    c.virtualPort()), r, now + c.remainingMillis() * 1_000_000);
            }
        }
    }

    private void applyTemplate(final SyncRecord.TemplateRecord t, final long now) {
        final VirtualService svc = lb.services().service(ServiceKey.of(t.protocol(), t.virtualAddress(),
            t.servicePort()));
        if (svc == null || !svc.config().persistent()) {
            unknownService.incrementAndGet();
            return;
        }
        final ServerList members = svc.members();
        final int i = members.indexOf(t.serverAddress(), t.serverPort());
        if (i < 0) {
            unknownServer.incrementAndGet();
            return;
        }
        final RealServer server = members.get(i);
        final TemplateKey key = new TemplateKey(t.protocol(), t.clientNetwork().getAddress(),
            t.virtualAddress().getAddress(), t.templatePort());
        if (DirectorAccess.persistence(lb).importTemplate(key, svc, server, t.remainingMillis() * 1_000_000, t.assured(), now)
            != null) {
            templatesApplied.incrementAndGet();
        }
    }

    private void put(final EntryKey k, final SyncRecord r, final long deadline) {
        if (entries.size() >= settings.maxEntries() && !entries.containsKey(k)) {
            tableFull.incrementAndGet();
            return;
        }
        entries.put(k, new Entry(r, deadline));
        entriesApplied.incrementAndGet();
    }

    private void watchdog() {
        try {
            final long now = settings.clock().nanoTime();
            if (takenOverNs == 0) {
                final String w = wanted;
                if (w != null) {
                    takeover(w);
                } else if (now - lastHeartbeatNs >= settings.deadIntervalMillis() * 1_000_000) {
                    takeover("no heartbeat for " + (now - lastHeartbeatNs) / 1_000_000 + " ms (dead interval "
                        + settings.deadIntervalMillis() + " ms)");
                }
            }
            if (now - lastSweepNs >= 1_000_000_000L) {
                lastSweepNs = now;
                DirectorAccess.persistence(lb).expireImported(now);
                entries.values().removeIf(e -> now - e.deadlineNs() >= 0);
            }
        } catch (final RuntimeException e) {
            LOG.warn("sync watchdog", e);
        }
    }

    /**
     * Takes over now (as when the master's heartbeats stop, or on an operator's command): stops receiving and starts
     * the director's services. Does nothing if it already took over. If a listener cannot be opened yet (the
     * master's socket lingers), the watchdog tries again every 100 ms.
     *
     * @param reason why, for the log
     * @return true if the director runs now
     */
    public synchronized boolean takeover(final String reason) {
        if (takenOverNs != 0) {
            return true;
        }
        if (closed) {
            return false;
        }
        try {
            lb.start();
        } catch (final IOException e) {
            if (!warned) {
                warned = true;
                LOG.warn("sync: taking over ({}): {}; retrying every 100 ms. A service address must be local to "
                    + "this host at takeover: move the VIP here first (keepalived/VRRP, or ip addr add)", reason,
                    e.getMessage());
            }
            wanted = reason; // the watchdog tries again
            return false;
        }
        importFlows(); // before it reports that it took over: the flows are in place when a caller learns it
        takenOverNs = settings.clock().nanoTime();
        takeoverReason = reason;
        try {
            channel.close(); // ends the receiver: this director is the one that serves now
        } catch (final IOException e) {
            LOG.debug("closing the sync channel", e);
        }
        LOG.info("sync: took over ({}) with {} templates and {} flows/entries", reason,
            lb.persistence().importedTemplates().size(), entries.size());
        for (final Runnable r : takeoverListeners) {
            try {
                r.run();
            } catch (final RuntimeException e) {
                LOG.warn("takeover listener", e);
            }
        }
        return true;
    }

    /**
     * Hands the synced flows of non-persistent UDP services to the engine (a persistent service's flows follow their
     * templates). Those the engine took, or dropped for a reason of its own (server gone or down, no such service),
     * leave this backup's table: the engine lists what it took. If the transport cannot import, they stay, as state.
     */
    private void importFlows() {
        final long now = settings.clock().nanoTime();
        final List<FlowImport> flows = new ArrayList<>();
        final List<EntryKey> keys = new ArrayList<>();
        for (final Map.Entry<EntryKey, Entry> me : entries.entrySet()) {
            final Entry e = me.getValue();
            if (!(e.record() instanceof SyncRecord.FlowRecord f) || now - e.deadlineNs() >= 0) {
                continue;
            }
            final VirtualService svc = lb.services().lookup(Protocol.UDP, f.virtualAddress(), f.virtualPort());
            if (svc != null && svc.config().persistent()) {
                continue;
            }
            flows.add(new FlowImport(Protocol.UDP, new InetSocketAddress(f.clientAddress(), f.clientPort()),
                new InetSocketAddress(f.virtualAddress(), f.virtualPort()),
                new InetSocketAddress(f.serverAddress(), f.serverPort()), (e.deadlineNs() - now) / 1_000_000));
            keys.add(me.getKey());
        }
        if (flows.isEmpty()) {
            return;
        }
        final FlowImportResult r;
        try {
            r = lb.importFlows(flows);
        } catch (final RuntimeException ex) {
            flowsNotImported.addAndGet(flows.size());
            LOG.warn("sync: importing {} UDP flows failed; their clients are scheduled afresh", flows.size(), ex);
            return;
        }
        lastImport = r;
        flowsImported.addAndGet(r.imported());
        flowsNotImported.addAndGet(r.dropped());
        if (r.unsupported() < flows.size()) {
            for (final EntryKey k : keys) {
                entries.remove(k);
            }
        }
        LOG.info("sync: imported {} of {} UDP flows of non-persistent services ({} dropped: {} without service, {} "
            + "with their server gone or down, {} over the flow limit, {} failed, {} not supported by the transport)",
            r.imported(), flows.size(), r.dropped(), r.noService(), r.serverGone(), r.tableFull(), r.failed(),
            r.unsupported());
    }

    /**
     * {@link #takeover(String)} on an operator's command.
     *
     * @return true if the director runs now
     */
    public boolean takeover() {
        return takeover("operator command");
    }

    /**
     * Whether it took over.
     *
     * @return true once the director runs
     */
    public boolean tookOver() {
        return takenOverNs != 0;
    }

    /**
     * When it took over, on the director's clock.
     *
     * @return nanoseconds, or 0
     */
    public long tookOverAtNs() {
        return takenOverNs;
    }

    /**
     * When the last heartbeat arrived (or the backup started), on the director's clock.
     *
     * @return nanoseconds
     */
    public long lastHeartbeatNs() {
        return lastHeartbeatNs;
    }

    /**
     * The decoder, with its accepted and dropped counters.
     *
     * @return the decoder
     */
    public SyncDecoder decoder() {
        return decoder;
    }

    /**
     * Counters: what the decoder accepted and dropped, datagrams applied (counted after their last record),
     * heartbeats, templates and entries applied, templates whose
     * service or server this director does not have, entries dropped because the table was full; after takeover,
     * the UDP flows imported into the engine and those not imported (and, by reason, of the import at takeover).
     *
     * @return a snapshot by name
     */
    public Map<String, Long> counters() {
        final Map<String, Long> m = new java.util.LinkedHashMap<>(decoder.counters());
        m.put("datagrams_applied", datagramsApplied.get());
        m.put("heartbeats", heartbeats.get());
        m.put("templates_applied", templatesApplied.get());
        m.put("entries_applied", entriesApplied.get());
        m.put("unknown_service", unknownService.get());
        m.put("unknown_server", unknownServer.get());
        m.put("table_full", tableFull.get());
        m.put("flows_imported", flowsImported.get());
        m.put("flows_not_imported", flowsNotImported.get());
        final FlowImportResult r = lastImport;
        if (r != null) {
            m.put("flows_import_no_service", (long) r.noService());
            m.put("flows_import_server_gone", (long) r.serverGone());
            m.put("flows_import_table_full", (long) r.tableFull());
            m.put("flows_import_failed", (long) r.failed());
            m.put("flows_import_unsupported", (long) r.unsupported());
        }
        return m;
    }

    /**
     * The synced UDP flows and TCP entries that have not expired.
     *
     * @return the records
     */
    public List<SyncRecord> entries() {
        final long now = settings.clock().nanoTime();
        final List<SyncRecord> l = new ArrayList<>();
        for (final Entry e : entries.values()) {
            if (now - e.deadlineNs() < 0) {
                l.add(e.record());
            }
        }
        return l;
    }

    /**
     * The rows {@code ipvsadm -Lnc} would show: the synced templates, UDP flows and TCP entries with their remaining
     * time (and, once it took over, the director's own connections too).
     *
     * @return the rows
     */
    public List<ConnectionSnapshot> rows() {
        final long now = settings.clock().nanoTime();
        final List<ConnectionSnapshot> rows = new ArrayList<>();
        if (tookOver()) {
            for (final ConnectionSnapshot c : lb.connections()) {
                rows.add(c);
            }
        }
        for (final Template t : lb.persistence().importedTemplates()) {
            final TemplateKey k = t.key();
            rows.add(new ConnectionSnapshot(k.protocol().label(), PersistenceTable.remainingNs(t, now) / 1_000_000_000L,
                t.assured() ? "ASSURED" : "NONE", k.clientNetwork(), 0, k.virtualAddress(), k.virtualPort(),
                t.server().address(), k.virtualPort() == 0 ? 0 : t.server().port())); // as the loops list them
        }
        for (final Entry e : entries.values()) {
            final long left = (e.deadlineNs() - now) / 1_000_000_000L;
            if (left < 0) {
                continue;
            }
            if (e.record() instanceof SyncRecord.FlowRecord f) {
                rows.add(new ConnectionSnapshot("UDP", left, "UDP", f.clientAddress(), f.clientPort(),
                    f.virtualAddress(), f.virtualPort(), f.serverAddress(), f.serverPort()));
            } else {
                final SyncRecord.ConnectionRecord c = (SyncRecord.ConnectionRecord) e.record();
                rows.add(new ConnectionSnapshot("TCP", left, c.state().ipvsName(), c.clientAddress(), c.clientPort(),
                    c.virtualAddress(), c.virtualPort(), c.serverAddress(), c.serverPort()));
            }
        }
        return rows;
    }

    /**
     * {@code ipvsadm -Lnc} for this backup: see {@link #rows()}.
     *
     * @return the listing
     */
    public String listing() {
        return IpvsadmListing.connections(rows(), false);
    }

    String status() {
        final StringBuilder sb = new StringBuilder();
        sb.append("backup sync daemon (mcast=").append(settings.group() != null ? settings.group() : "off")
            .append(", listen=").append(address()).append(", syncid=").append(settings.syncId()).append(")\n");
        sb.append("  ").append(tookOver() ? "took over: " + takeoverReason : "standing by, last heartbeat "
            + (settings.clock().nanoTime() - lastHeartbeatNs) / 1_000_000 + " ms ago").append('\n');
        sb.append("  ").append(counters()).append('\n');
        return sb.toString();
    }

    /** Stops receiving; a backup that took over leaves its director running (close the load balancer yourself). */
    @Override
    public void close() {
        closed = true;
        watch.shutdownNow();
        try {
            channel.close();
        } catch (final IOException e) {
            LOG.debug("closing the sync channel", e);
        }
        try {
            receiver.join(5000);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
