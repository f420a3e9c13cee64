package io.jlvs.examples.sync;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.net.Protocol;
import io.jlvs.core.conn.ConnState;
import io.jlvs.core.conn.PersistenceTable;
import io.jlvs.core.conn.Template;
import io.jlvs.core.conn.TemplateKey;
import io.jlvs.core.listing.ConnectionSnapshot;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.sync.SyncCodec;
import io.jlvs.core.sync.SyncRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sending side of sync: every interval (at most 1 s) it takes its director's persistence templates, UDP flows and
 * TCP connection entries with their remaining timeouts, puts a heartbeat first, and sends them in datagrams of at
 * most the MTU to each unicast peer or to the multicast group. At most the record budget (records per second times
 * the interval) goes out per round; what is over waits for the next round, which resumes where this one stopped, so
 * every record is refreshed within {@code records / budget} rounds and the sync link carries a bounded rate.
 *
 * <p>Thread-safe: one scheduler thread ({@code jlvs-sync-master}) owns the channel, the buffer, the cursor and the
 * sequence; the counters are atomics any thread may read.
 */
public final class SyncMaster implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SyncMaster.class);
    private static final Map<String, ConnState> STATES = new HashMap<>();

    static {
        for (final ConnState s : ConnState.values()) {
            STATES.put(s.ipvsName(), s);
        }
    }

    private final SyncDaemon.Settings settings;
    private final LoadBalancer lb;
    private final SyncCodec codec;
    private final DatagramChannel channel;
    private final List<InetSocketAddress> destinations;
    private final ByteBuffer buffer;
    private final ScheduledExecutorService timer;
    private final long masterId = new SecureRandom().nextLong();
    private final AtomicLong datagrams = new AtomicLong();
    private final AtomicLong records = new AtomicLong();
    private final AtomicLong deferred = new AtomicLong();
    private final AtomicLong sendErrors = new AtomicLong();
    private volatile int lastRoundRecords;
    // owned by the timer thread
    private long sequence;
    private int cursor;

    private SyncMaster(final SyncDaemon.Settings settings, final LoadBalancer lb, final DatagramChannel channel) {
        this.settings = settings;
        this.lb = lb;
        this.channel = channel;
        this.codec = new SyncCodec(settings.syncId(), settings.datagramLimit());
        this.buffer = ByteBuffer.allocateDirect(codec.maxDatagramBytes());
        this.destinations = settings.group() != null ? List.of(settings.group()) : settings.peers();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread t = new Thread(r, "jlvs-sync-master");
            t.setDaemon(true);
            return t;
        });
    }

    static SyncMaster start(final SyncDaemon.Settings s, final LoadBalancer lb) throws IOException {
        final boolean v6 = (s.group() != null ? s.group() : s.peers().get(0)).getAddress() instanceof Inet6Address;
        final DatagramChannel ch = DatagramChannel.open(v6 ? StandardProtocolFamily.INET6
            : StandardProtocolFamily.INET);
        if (s.group() != null) {
            ch.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 1);
            ch.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, true);
            if (s.multicastInterface() != null) {
                ch.setOption(StandardSocketOptions.IP_MULTICAST_IF, SyncBackup.namedInterface(s.multicastInterface(),
                    ch));
            }
        }
        final SyncMaster m = new SyncMaster(s, lb, ch);
        m.timer.scheduleAtFixedRate(m::roundSafely, 0, s.intervalMillis(), TimeUnit.MILLISECONDS);
        return m;
    }

    private void roundSafely() {
        try {
            round();
        } catch (final RuntimeException e) {
            // a failure of one round (a send error, a listing that failed) never stops the next
            sendErrors.incrementAndGet();
            LOG.warn("sync round failed", e);
        }
    }

    /** What the director holds now, heartbeat not included. */
    List<SyncRecord> collect() {
        final long now = settings.clock().nanoTime();
        final List<SyncRecord> out = new ArrayList<>();
        for (final Template t : lb.persistence().templates()) {
            if (t.invalidated()) {
                continue;
            }
            final TemplateKey k = t.key();
            final RealServer r = t.server();
            final long ms = Math.min(SyncRecord.MAX_REMAINING_MILLIS, PersistenceTable.remainingNs(t, now) / 1_000_000);
            out.add(new SyncRecord.TemplateRecord(k.protocol(), k.clientNetwork(), k.virtualAddress(),
                t.service().key().port(), k.virtualPort(), r.address(), r.port(), ms, t.assured()));
        }
        for (final ConnectionSnapshot c : lb.connections()) {
            if (c.clientPort() == 0 || c.serverAddress() == null) {
                continue; // a template (exported above)
            }
            if (c.clientAddress().getClass() != c.virtualAddress().getClass()
                || c.clientAddress().getClass() != c.serverAddress().getClass()) {
                continue; // a client of one family proxied to a server of another: no record carries that
            }
            final long ms = Math.min(SyncRecord.MAX_REMAINING_MILLIS, Math.max(0, c.expireSeconds()) * 1000);
            if (c.protocol().equals(Protocol.UDP.label())) {
                out.add(new SyncRecord.FlowRecord(c.clientAddress(), c.clientPort(), c.virtualAddress(),
                    c.virtualPort(), c.serverAddress(), c.serverPort(), ms));
            } else if (c.protocol().equals(Protocol.TCP.label())) {
                final ConnState st = STATES.get(c.state());
                if (st != null && st != ConnState.UDP) {
                    out.add(new SyncRecord.ConnectionRecord(st, c.clientAddress(), c.clientPort(), c.virtualAddress(),
                        c.virtualPort(), c.serverAddress(), c.serverPort(), ms));
                }
            }
        }
        return out;
    }

    private void round() {
        final List<SyncRecord> all = collect();
        final int budget = Math.max(1, (int) ((long) settings.maxRecordsPerSecond() * settings.intervalMillis()
            / 1000));
        final List<SyncRecord> send = new ArrayList<>(Math.min(all.size(), budget) + 1);
        send.add(new SyncRecord.Heartbeat(masterId, settings.intervalMillis()));
        if (all.size() <= budget) {
            send.addAll(all);
            cursor = 0;
        } else {
            if (cursor >= all.size()) {
                cursor = 0;
            }
            for (int i = 0; i < budget; i++) {
                send.add(all.get((cursor + i) % all.size()));
            }
            cursor = (cursor + budget) % all.size();
            deferred.addAndGet(all.size() - budget);
        }
        lastRoundRecords = send.size();
        int i = 0;
        do {
            i = codec.encode(sequence++, send, i, buffer);
            for (final InetSocketAddress d : destinations) {
                buffer.rewind();
                try {
                    channel.send(buffer, d);
                    datagrams.incrementAndGet();
                } catch (final IOException e) {
                    sendErrors.incrementAndGet();
                    LOG.debug("sync send to {} failed", d, e);
                }
            }
        } while (i < send.size());
        records.addAndGet(send.size());
    }

    /**
     * The random id this master's heartbeats carry.
     *
     * @return the id
     */
    public long masterId() {
        return masterId;
    }

    /**
     * Datagrams sent (one per destination).
     *
     * @return the count
     */
    public long datagramsSent() {
        return datagrams.get();
    }

    /**
     * Records sent, heartbeats included.
     *
     * @return the count
     */
    public long recordsSent() {
        return records.get();
    }

    /**
     * Records left for a later round because a round's budget was spent.
     *
     * @return the count
     */
    public long recordsDeferred() {
        return deferred.get();
    }

    /**
     * Records the last round sent, its heartbeat included: at most the budget plus one.
     *
     * @return the count
     */
    public int lastRoundRecords() {
        return lastRoundRecords;
    }

    /**
     * Sends that failed, and rounds that failed.
     *
     * @return the count
     */
    public long sendErrors() {
        return sendErrors.get();
    }

    String status() {
        return "master sync daemon (mcast=" + (settings.group() != null ? settings.group() : "off") + ", peers="
            + settings.peers() + ", syncid=" + settings.syncId() + ", maxlen=" + codec.maxDatagramBytes() + ")\n"
            + "  datagrams " + datagrams.get() + ", records " + records.get() + " (last round " + lastRoundRecords
            + "), deferred " + deferred.get() + ", errors " + sendErrors.get() + "\n";
    }

    /** Stops sending (the director keeps running). */
    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
            channel.close();
        } catch (final IOException e) {
            LOG.debug("closing the sync channel", e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
