package io.jlvs.kernel;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.Extensions;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.health.HealthEvent;
import io.jlvs.core.health.HealthListener;
import io.jlvs.core.health.HealthState;
import io.jlvs.core.listing.ConnectionSnapshot;
import io.jlvs.core.listing.DirectorSnapshot;
import io.jlvs.core.listing.IpvsadmListing;
import io.jlvs.core.listing.ListFormat;
import io.jlvs.core.listing.ServerSnapshot;
import io.jlvs.core.listing.ServiceSnapshot;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.ServerList;
import io.jlvs.core.service.ServiceTable;
import io.jlvs.core.service.VirtualService;
import io.jlvs.core.stats.StatsCounters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the {@code --forward kernel} services of a running {@link LoadBalancer} installed as nftables NAT in a table
 * of their own ({@code inet jlvs_NAME}, IPv4 and IPv6 services), and brings the kernel's counters and connection table back into the
 * director's statistics and listings. The transport does not bind kernel services; its health checks run on them as
 * on any service, and their outcome (a server leaving rotation, inhibited, ramping up in slow start, a service losing
 * quorum) reaches the kernel in the next transaction.
 *
 * <pre>{@code
 * LoadBalancer lb = LoadBalancer.builder().rules(rules).build().start();
 * KernelDataPath kernel = KernelDataPath.attach(lb, "main"); // table inet jlvs_main
 * ...
 * kernel.close(); // deletes the table
 * lb.close();
 * }</pre>
 *
 * <p>Every change is one nftables transaction that replaces the table's rules and keeps the named counters of the
 * servers that stay; nothing runs per packet in Java. At attach the table is deleted first (what a crashed director
 * left), so a restart starts clean.
 *
 * <p>A JVM shutdown hook (SIGTERM, {@code System.exit}) closes it too; after a SIGKILL the next attach under the same
 * name deletes the table left behind.
 *
 * <p>Threads: the sync thread {@code jlvs-kernel-NAME} does the background transactions and conntrack deletions;
 * {@code installed} and {@code lastCounters} are guarded by the {@code apply} lock, which {@link #syncNow()},
 * {@link #readCounters()} and {@link #close()} take on the caller's thread; table and health listeners (on the
 * threads that change the table or run checks) only set the volatile {@code dirty} flag and queue conntrack deletions
 * in a concurrent queue. {@link #snapshot()}, {@link #list} and {@link #connections()} may be called from any
 * thread.
 */
public final class KernelDataPath implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KernelDataPath.class);
    /** How often the table is compared with the service table (slow-start steps and inhibits have no event). */
    private static final long POLL_NS = TimeUnit.MILLISECONDS.toNanos(100);
    /** How often counters are read into the director's statistics. */
    private static final long COUNTERS_NS = TimeUnit.MILLISECONDS.toNanos(1000);

    private final LoadBalancer lb;
    private final String table;
    private final NftBackend nft;
    private final Conntrack conntrack;
    private final Object wake = new Object();
    private final java.util.concurrent.ConcurrentLinkedQueue<String[]> shutdowns =
        new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final ServiceTable.Listener tableListener;
    private final HealthListener healthListener;
    private final Thread thread;
    private final Thread shutdownHook;
    private final Map<String, long[]> lastCounters = new HashMap<>();
    private volatile boolean dirty = true;
    private volatile boolean closed;
    private volatile String lastError;
    private KernelRuleset installed;
    private final Object apply = new Object();

    private KernelDataPath(final LoadBalancer lb, final String name, final NftBackend nft, final List<String> ct)
        throws IOException {
        this.lb = lb;
        this.table = "jlvs_" + name;
        this.nft = nft;
        this.conntrack = new Conntrack(ct);
        check(lb);
        try {
            nft.apply(KernelRuleset.deleteTable(table));
        } catch (final IOException e) {
            final String m = e.getMessage() == null ? "" : e.getMessage();
            if (m.contains("Operation not permitted") || m.contains("Permission denied")) {
                throw new IOException("--forward kernel needs CAP_NET_ADMIN (run as root or grant the capability, "
                    + "for example with systemd AmbientCapabilities=CAP_NET_ADMIN): " + m, e);
            }
            if (m.startsWith("cannot run")) {
                throw new IOException("--forward kernel needs the nft program (Debian: apt-get install nftables): "
                    + m, e);
            }
            throw e;
        }
        syncNow();
        this.tableListener = new ServiceTable.Listener() {
            @Override
            public void serviceAdded(final VirtualService service) {
                wake();
            }

            @Override
            public void serviceEdited(final VirtualService service, final VirtualServiceConfig previous) {
                wake();
            }

            @Override
            public void serviceRemoved(final VirtualService service) {
                wake();
            }

            @Override
            public void serversChanged(final VirtualService service) {
                wake();
            }
        };
        this.healthListener = this::onHealth;
        lb.services().addListener(tableListener);
        lb.addHealthListener(healthListener);
        this.thread = new Thread(this::run, "jlvs-kernel-" + name);
        thread.setDaemon(true);
        thread.start();
        this.shutdownHook = new Thread(this::close, "jlvs-kernel-" + name + "-exit");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Attaches to a director under the table name {@code jlvs_jlvs}, with the {@code nft} and {@code conntrack}
     * programs.
     *
     * @param lb a built (usually started) director
     * @return the data path, installed
     * @throws IOException if nft is missing, the process lacks CAP_NET_ADMIN, or the first transaction fails
     */
    public static KernelDataPath attach(final LoadBalancer lb) throws IOException {
        return attach(lb, "jlvs");
    }

    /**
     * Attaches to a director under the table name {@code jlvs_NAME}, with the {@code nft} and {@code conntrack}
     * programs.
     *
     * @param lb a built (usually started) director
     * @param name the director's name: 1..24 of {@code [A-Za-z0-9_]}
     * @return the data path, installed
     * @throws IOException if nft is missing, the process lacks CAP_NET_ADMIN, or the first transaction fails
     * @throws IllegalArgumentException for a bad name, or a kernel service that cannot be forwarded by the kernel
     */
    public static KernelDataPath attach(final LoadBalancer lb, final String name) throws IOException {
        return attach(lb, name, new NftCommand(), List.of("conntrack"));
    }

    /**
     * Attaches with a given nft backend and conntrack command line.
     *
     * @param lb a built (usually started) director
     * @param name the director's name: 1..24 of {@code [A-Za-z0-9_]}
     * @param nft the backend
     * @param conntrackCommand the conntrack program and its leading arguments
     * @return the data path, installed
     * @throws IOException if the first transaction fails (then nothing is installed)
     * @throws IllegalArgumentException for a bad name, or a kernel service that cannot be forwarded by the kernel
     */
    public static KernelDataPath attach(final LoadBalancer lb, final String name, final NftBackend nft,
        final List<String> conntrackCommand) throws IOException {
        if (!name.matches("[A-Za-z0-9_]{1,24}")) {
            throw new IllegalArgumentException("name: '" + name + "' (expected 1..24 of A-Z a-z 0-9 _)");
        }
        return new KernelDataPath(lb, name, nft, conntrackCommand);
    }

    private static void check(final LoadBalancer lb) {
        for (final VirtualService s : lb.services().services()) {
            if (!Extensions.kernelForwarded(s.config())) {
                continue;
            }
            final String r = Extensions.kernelRefusal(s.config());
            if (r != null) {
                throw new IllegalArgumentException(s.key() + ": --forward kernel: " + r);
            }
            final ServerList members = s.members();
            for (int i = 0; i < members.size(); i++) {
                final RealServer m = members.get(i);
                final String pp = m.config().options().get(Extensions.PROXY_PROTOCOL);
                if (pp != null && !pp.equals("none")) {
                    throw new IllegalArgumentException(s.key() + ": real server " + m.addressAndPort()
                        + ": --forward kernel: --proxy-protocol needs the bytes of each connection");
                }
            }
        }
    }

    /**
     * The nftables table this director owns.
     *
     * @return {@code jlvs_NAME}
     */
    public String table() {
        return table;
    }

    /**
     * The last error of a background transaction (nft refused it, so the kernel kept the previous state), or null
     * after a transaction succeeded.
     *
     * @return the message or null
     */
    public String lastError() {
        return lastError;
    }

    /**
     * Applies the service table to the kernel now, on the caller's thread.
     *
     * @throws IOException if nft refused the transaction (the kernel keeps the previous state)
     */
    public void syncNow() throws IOException {
        synchronized (apply) {
            final KernelRuleset want = desired();
            if (!want.equals(installed)) {
                try {
                    nft.apply(want.transaction(installed));
                    lastError = null;
                } catch (final IOException e) {
                    lastError = e.getMessage();
                    throw e;
                }
                installed = want;
            }
        }
    }

    private KernelRuleset desired() {
        final List<KernelRuleset.Service> out = new ArrayList<>();
        final List<VirtualService> list = new ArrayList<>(lb.services().services());
        list.sort((a, b) -> ServiceKey.IPVSADM_ORDER.compare(a.key(), b.key()));
        for (final VirtualService s : list) {
            final VirtualServiceConfig c = s.config();
            if (!Extensions.kernelForwarded(c) || Extensions.kernelRefusal(c) != null) {
                continue;
            }
            if (s.scheduler() instanceof io.jlvs.scheduler.SlowStart ramp) {
                ramp.refreshNow(); // no picks run in Java for a kernel service: the sync loop moves the ramps
            }
            final boolean rr = c.scheduler().equals("rr");
            final ServerList members = s.members();
            final ServerList rotation = s.servers();
            final List<KernelRuleset.Member> ms = new ArrayList<>();
            // in IPVS order (the rotation), then the members out of rotation
            for (int i = 0; i < rotation.size(); i++) {
                final RealServer r = rotation.get(i);
                final int w = s.inSorryMode() || r.isOverloaded() ? 0 : r.weight();
                ms.add(new KernelRuleset.Member(r.address(), r.port(), rr ? Math.min(w, 1) : w));
            }
            for (int i = 0; i < members.size(); i++) {
                final RealServer r = members.get(i);
                if (rotation.indexOf(r) < 0) {
                    ms.add(new KernelRuleset.Member(r.address(), r.port(), 0));
                }
            }
            out.add(new KernelRuleset.Service(s.key(), c.scheduler().equals("sh"), List.copyOf(ms)));
        }
        return new KernelRuleset(table, List.copyOf(out));
    }

    private void wake() {
        dirty = true;
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    private void onHealth(final HealthEvent e) {
        if (closed) {
            return;
        }
        if (e.server() == null || e.state() != HealthState.DOWN) {
            wake();
            return;
        }
        final VirtualService s = lb.services().service(e.service());
        if (s != null && Extensions.kernelForwarded(s.config())
            && s.config().extensions().has(Extensions.SHUTDOWN_SESSIONS)) {
            final int colon = e.server().lastIndexOf(':');
            String host = e.server().substring(0, colon);
            if (host.startsWith("[")) {
                host = host.substring(1, host.length() - 1);
            }
            shutdowns.add(new String[] {s.key().protocol() == io.jlvs.core.net.Protocol.TCP ? "tcp" : "udp",
                s.key().address().getHostAddress(), Integer.toString(s.key().port()), host,
                e.server().substring(colon + 1)});
        }
        wake();
    }

    private void run() {
        long nextCounters = System.nanoTime() + COUNTERS_NS;
        while (!closed) {
            try {
                synchronized (wake) {
                    if (!dirty && shutdowns.isEmpty()) {
                        wake.wait(TimeUnit.NANOSECONDS.toMillis(POLL_NS));
                    }
                }
                if (closed) {
                    break;
                }
                dirty = false;
                syncNow();
                for (String[] d = shutdowns.poll(); d != null; d = shutdowns.poll()) {
                    conntrack.delete(d[0], d[1], Integer.parseInt(d[2]), d[3], Integer.parseInt(d[4]));
                }
                if (System.nanoTime() - nextCounters >= 0) {
                    nextCounters = System.nanoTime() + COUNTERS_NS;
                    readCounters();
                }
            } catch (final InterruptedException e) {
                break;
            } catch (final IOException | RuntimeException e) {
                LOG.error("kernel data path {}: {}", table, e.getMessage());
                lastError = e.getMessage();
                try {
                    Thread.sleep(200); // nft failing: try again, not in a tight loop
                } catch (final InterruptedException ie) {
                    break;
                }
            }
        }
    }

    /**
     * Reads the table's named counters into the director's statistics (connections, packets and bytes of each
     * kernel service and real server, and the totals), so that {@code --stats}, {@code --rate} and the estimator
     * see kernel traffic. Runs every second on the sync thread; callers may run it to be up to date.
     *
     * @throws IOException if nft cannot list the counters
     */
    public void readCounters() throws IOException {
        synchronized (apply) {
            final KernelRuleset now = installed;
            if (now == null) {
                return;
            }
            final Map<String, long[]> read = counters();
            final StatsCounters totals = lb.services().totals();
            for (final KernelRuleset.Service ks : now.services()) {
                final VirtualService s = lb.services().service(ks.key());
                if (s == null) {
                    continue;
                }
                final ServerList members = s.members();
                for (final KernelRuleset.Member m : ks.members()) {
                    final int i = members.indexOf(m.address(), m.port());
                    final RealServer r = i < 0 ? null : members.get(i);
                    final String c = KernelRuleset.serverChain(ks, m);
                    final long[] dc = delta(c + "_c", read);
                    final long[] di = delta(c + "_i", read);
                    final long[] dout = delta(c + "_o", read);
                    for (final StatsCounters sc : r == null ? new StatsCounters[] {s.stats(), totals}
                        : new StatsCounters[] {r.stats(), s.stats(), totals}) {
                        for (long k = 0; k < dc[0]; k++) {
                            sc.addConnection(0);
                        }
                        if (di[0] > 0) {
                            sc.addIn(0, di[0], di[1]);
                        }
                        if (dout[0] > 0) {
                            sc.addOut(0, dout[0], dout[1]);
                        }
                    }
                }
            }
        }
    }

    private long[] delta(final String name, final Map<String, long[]> read) {
        final long[] v = read.get(name);
        if (v == null) {
            return new long[2];
        }
        final long[] prev = lastCounters.put(name, v);
        if (prev == null) {
            return v;
        }
        return new long[] {Math.max(0, v[0] - prev[0]), Math.max(0, v[1] - prev[1])};
    }

    /**
     * The table's named counters as nft reports them now.
     *
     * @return name to {packets, bytes}
     * @throws IOException if nft cannot list them
     */
    public Map<String, long[]> counters() throws IOException {
        final Object root = Json.parse(nft.listJson("counters table " + KernelRuleset.FAMILY + " " + table));
        final Map<String, long[]> out = new HashMap<>();
        if (root instanceof Map<?, ?> m && m.get("nftables") instanceof List<?> items) {
            for (final Object item : items) {
                if (item instanceof Map<?, ?> im && im.get("counter") instanceof Map<?, ?> c) {
                    out.put(String.valueOf(c.get("name")), new long[] {((Number) c.get("packets")).longValue(),
                        ((Number) c.get("bytes")).longValue()});
                }
            }
        }
        return out;
    }

    /**
     * The director's snapshot with the kernel services' connection counts taken from the kernel's connection table
     * (ESTABLISHED counts as active, every other state as inactive, as IPVS counts).
     *
     * @return the snapshot
     * @throws IOException if conntrack cannot be read
     */
    public DirectorSnapshot snapshot() throws IOException {
        final DirectorSnapshot base = lb.snapshot();
        final List<ServiceSnapshot> services = new ArrayList<>();
        for (final ServiceSnapshot ss : base.services()) {
            if (!Extensions.kernelForwarded(ss.config())) {
                services.add(ss);
                continue;
            }
            final ServiceKey k = ss.config().key();
            final List<Conntrack.Entry> entries = conntrack.list(k.protocol() == io.jlvs.core.net.Protocol.TCP ? "tcp"
                : "udp", k.address().getHostAddress(), k.port());
            final List<ServerSnapshot> servers = new ArrayList<>();
            for (final ServerSnapshot s : ss.servers()) {
                int active = 0;
                int inactive = 0;
                for (final Conntrack.Entry e : entries) {
                    if (e.server().equals(s.config().address()) && e.serverPort() == s.config().port()) {
                        if (e.state().equals("ESTABLISHED")) {
                            active++;
                        } else {
                            inactive++;
                        }
                    }
                }
                servers.add(new ServerSnapshot(s.config(), s.weight(), active, inactive, s.persistConns(),
                    s.flags(), s.stats()));
            }
            services.add(new ServiceSnapshot(ss.config(), ss.stats(), List.copyOf(servers)));
        }
        return new DirectorSnapshot(List.copyOf(services), base.timeouts(), base.totals(), base.tableSize());
    }

    /**
     * Lists as ipvsadm would ({@code -Ln}, {@code --stats}, {@code --rate}), kernel services included; a kernel
     * service's line ends in {@code kernel}.
     *
     * @param format the format
     * @return the listing
     * @throws IOException if conntrack cannot be read
     */
    public String list(final ListFormat format) throws IOException {
        return list(format, false, false);
    }

    /**
     * Lists as ipvsadm would, with its {@code --exact} and {@code --nosort}; kernel services' counters come from the
     * kernel (read now), their connection counts from conntrack, and their service line ends in {@code kernel}.
     *
     * @param format the format
     * @param exact whether numbers are printed in full
     * @param noSort whether services keep the table's order
     * @return the listing
     * @throws IOException if nft or conntrack cannot be read
     */
    public String list(final ListFormat format, final boolean exact, final boolean noSort) throws IOException {
        readCounters();
        return markKernel(IpvsadmListing.list(snapshot(), format, exact, noSort));
    }

    /**
     * Lists one service as ipvsadm would ({@code -L -t VIP:PORT}); for a kernel service its counters come from the
     * kernel and its line ends in {@code kernel}.
     *
     * @param key the service
     * @param format the format
     * @param exact whether numbers are printed in full
     * @param noSort whether servers keep their order
     * @return the listing, or null if there is no such service
     * @throws IOException if nft or conntrack cannot be read
     */
    public String listService(final ServiceKey key, final ListFormat format, final boolean exact,
        final boolean noSort) throws IOException {
        readCounters();
        for (final ServiceSnapshot ss : snapshot().services()) {
            if (ss.config().key().equals(key)) {
                return markKernel(IpvsadmListing.listService(ss, format, exact, noSort));
            }
        }
        return null;
    }

    private String markKernel(final String text) {
        final StringBuilder out = new StringBuilder();
        final String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            out.append(lines[i]);
            if (isKernelServiceLine(lines[i])) {
                out.append(" kernel");
            }
            if (i < lines.length - 1) {
                out.append('\n');
            }
        }
        return out.toString();
    }

    private boolean isKernelServiceLine(final String line) {
        if (!line.startsWith("TCP") && !line.startsWith("UDP")) {
            return false;
        }
        final String[] t = line.trim().split("\\s+");
        if (t.length < 2) {
            return false;
        }
        for (final VirtualService s : lb.services().services()) {
            if (Extensions.kernelForwarded(s.config()) && t[0].equals(s.key().protocol().name())
                && t[1].equals(s.key().addressAndPort())) {
                return true;
            }
        }
        return false;
    }

    /**
     * The kernel services' connections from the kernel's connection table, as {@code -Lnc} rows.
     *
     * @return the connections
     * @throws IOException if conntrack cannot be read
     */
    public List<ConnectionSnapshot> connections() throws IOException {
        final List<ConnectionSnapshot> out = new ArrayList<>();
        for (final VirtualService s : lb.services().services()) {
            if (!Extensions.kernelForwarded(s.config())) {
                continue;
            }
            final ServiceKey k = s.key();
            for (final Conntrack.Entry e : conntrack.list(k.protocol() == io.jlvs.core.net.Protocol.TCP ? "tcp" : "udp",
                k.address().getHostAddress(), k.port())) {
                out.add(new ConnectionSnapshot(e.protocol(), e.expireSeconds(), e.state(), e.client(),
                    e.clientPort(), e.virtualAddress(), e.virtualPort(), e.server(), e.serverPort()));
            }
        }
        return out;
    }

    /**
     * Stops the sync thread and deletes the table: the kernel forwards nothing for this director any more (live
     * connections' conntrack entries keep their translation until they end). Calling it again does nothing.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (final IllegalStateException exiting) {
                // the JVM is exiting: the hook runs this anyway
            }
        }
        lb.services().removeListener(tableListener);
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (apply) {
            try {
                nft.apply(KernelRuleset.deleteTable(table));
                installed = null;
            } catch (final IOException e) {
                LOG.error("kernel data path: cannot delete table inet {}: {}", table, e.getMessage());
            }
        }
    }
}
