package io.jlvs.examples.tune;

import io.jlvs.core.transport.DirectorOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What N proxied connections need on a host, setting by setting, against what the host has: the rows of {@code jlvs
 * tune}'s table. Each row is required (the connections cannot all be opened without it: exit status 1 when short),
 * advice (a burst, churn or UDP figure the connections do not strictly need), or information.
 *
 * <p>Not thread-safe: computed, completed with notes and printed by one thread.
 */
final class TunePlan {
    /** How a row stands. */
    enum Status {
        /** Enough. */
        OK("yes"),
        /** Required and short: the host cannot take the connections. */
        SHORT("NO"),
        /** Below the advised value; the connections open anyway. */
        ADVICE("advice"),
        /** Shown for reference. */
        INFO("-"),
        /** The file could not be read or parsed. */
        UNREADABLE("unreadable");

        final String label;

        Status(final String label) {
            this.label = label;
        }
    }

    /**
     * One row.
     *
     * @param setting the sysctl or limit
     * @param now what the host has
     * @param needed what the connections need
     * @param status how it stands
     * @param required whether short means the host cannot take the connections
     * @param sysctlValue the value for the sysctl.d file when short (null: not a sysctl, or nothing to set)
     * @param why one line on where the figure comes from
     */
    record Row(String setting, String now, String needed, Status status, boolean required, String sysctlValue,
        String why) {
    }

    /**
     * The connections one real server endpoint gets.
     *
     * @param endpoint {@code ADDR:PORT}
     * @param connections its share
     */
    record Backend(String endpoint, long connections) {
    }

    /** The widest ephemeral range the kernel allows for connect(): 1024..65535. */
    static final int WIDEST_LOW = 1024;
    static final int WIDEST_HIGH = 65535;

    private final long connections;
    private final long descriptors;
    private final List<Row> rows = new ArrayList<>();
    private final List<Backend> backends;
    private final long sourceAddresses;
    private final long portsPerSource;
    private final List<String> notes = new ArrayList<>();
    private final ConnectionCosts costs;
    private final String transportWhy;
    private final int loops;

    private TunePlan(final long connections, final List<Backend> backends, final long sourceAddresses,
        final long portsPerSource, final ConnectionCosts costs, final String transportWhy, final int loops) {
        this.connections = connections;
        this.costs = costs;
        this.transportWhy = transportWhy;
        this.loops = loops;
        this.descriptors = 2 * connections + ConnectionCosts.DESCRIPTOR_MARGIN + loops * costs.descriptorsPerLoop();
        this.backends = backends;
        this.sourceAddresses = sourceAddresses;
        this.portsPerSource = portsPerSource;
    }

    long connections() {
        return connections;
    }

    /** The transport planned for, whose figures the memory and descriptor rows use. */
    ConnectionCosts costs() {
        return costs;
    }

    /** Why that transport: e.g. {@code auto: epoll (Java 25; ...)} or {@code nio (--transport nio)}. */
    String transportWhy() {
        return transportWhy;
    }

    /** Descriptors the director needs: two per connection plus {@link ConnectionCosts#DESCRIPTOR_MARGIN}. */
    long descriptors() {
        return descriptors;
    }

    List<Row> rows() {
        return rows;
    }

    List<Backend> backends() {
        return backends;
    }

    /** Source addresses the busiest backend needs, with the port range the plan proposes. */
    long sourceAddresses() {
        return sourceAddresses;
    }

    long portsPerSource() {
        return portsPerSource;
    }

    List<String> notes() {
        return notes;
    }

    /** Whether every required row is met. */
    boolean ok() {
        for (final Row r : rows) {
            if (r.required() && (r.status() == Status.SHORT || r.status() == Status.UNREADABLE)) {
                return false;
            }
        }
        return true;
    }

    /** Rows that are short or unreadable, required first. */
    List<Row> problems() {
        final List<Row> out = new ArrayList<>();
        for (final boolean req : new boolean[] {true, false}) {
            for (final Row r : rows) {
                if (r.required() == req && (r.status() == Status.SHORT || r.status() == Status.UNREADABLE
                    || r.status() == Status.ADVICE)) {
                    out.add(r);
                }
            }
        }
        return out;
    }

    /**
     * Computes the plan.
     *
     * @param n connections
     * @param h the host
     * @param jvm this JVM's limits
     * @param backends each real server endpoint's share (at least one)
     * @param udp whether the rules have UDP services
     * @param loops event loops the director runs
     * @param costs the figures of the transport planned for
     * @param transportWhy which transport and why, for the report
     * @return the plan
     */
    static TunePlan compute(final long n, final HostFacts h, final JvmLimits jvm, final List<Backend> backends,
        final boolean udp, final int loops, final ConnectionCosts costs, final String transportWhy) {
        long busiest = 0;
        for (final Backend b : backends) {
            busiest = Math.max(busiest, b.connections());
        }
        final HostFacts.Reading range = h.get("net.ipv4.ip_local_port_range");
        long ports = 0;
        long proposedPorts = 0;
        if (range.ok()) {
            ports = Math.max(0, range.get(1) - range.get(0) + 1);
            proposedPorts = busiest <= ports ? ports : WIDEST_HIGH - WIDEST_LOW + 1;
        }
        final long sources = proposedPorts == 0 ? 0 : ceilDiv(busiest, proposedPorts);
        final TunePlan p = new TunePlan(n, backends, sources, proposedPorts, costs, transportWhy, loops);
        p.descriptorRows(h);
        p.portRows(h, range, busiest, ports, proposedPorts, sources);
        p.backlogRows(h);
        p.memoryRows(h, jvm, loops, udp);
        p.socketRows(h, udp);
        return p;
    }

    private void descriptorRows(final HostFacts h) {
        final HostFacts.Reading nofile = h.get(HostFacts.NOFILE);
        final String why = "2 per connection + " + ConnectionCosts.DESCRIPTOR_MARGIN + " for the JVM, listeners, "
            + "selectors and health checks" + (costs.descriptorsPerLoop() == 0 ? "" : " + " + loops + " loops x "
            + costs.descriptorsPerLoop() + " for pooled " + costs.transport() + " pipes");
        if (!nofile.ok()) {
            rows.add(unreadable("RLIMIT_NOFILE (this JVM)", descriptors, true, nofile));
        } else {
            rows.add(atLeast("RLIMIT_NOFILE soft (this JVM)", nofile.get(0), descriptors, true, null,
                why + "; set LimitNOFILE= (systemd) or ulimit -n; the JVM raises its soft limit to the hard one"));
            rows.add(atLeast("RLIMIT_NOFILE hard (this JVM)", nofile.get(1), descriptors, true, null,
                "the ceiling of the soft limit; at most fs.nr_open"));
        }
        rows.add(sysctlAtLeast(h, "fs.nr_open", descriptors, true, "the highest RLIMIT_NOFILE a process may get"));
        final HostFacts.Reading fileNr = h.get("fs.file-nr");
        final HostFacts.Reading fileMax = h.get("fs.file-max");
        if (!fileNr.ok()) {
            rows.add(unreadable("fs.file-max", descriptors, true, fileNr));
        } else {
            final long need = fileNr.get(0) + descriptors;
            rows.add(sysctlAtLeast(h, "fs.file-max", need, true, "open files of the whole system: the "
                + fileNr.get(0) + " allocated now (fs.file-nr) + the director's"));
        }
        rows.add(new Row("fs.file-nr (allocated)", fileNr.ok() ? Long.toString(fileNr.get(0)) : "unreadable", "-",
            fileNr.ok() ? Status.INFO : Status.UNREADABLE, false, null,
            fileNr.ok() ? "of " + fileMax.text() + " (fs.file-max)" : fileNr.error()));
    }

    private void portRows(final HostFacts h, final HostFacts.Reading range, final long busiest, final long ports,
        final long proposedPorts, final long sources) {
        final String who = backends.size() == 1 && backends.get(0).endpoint().equals(Tune.ANY_BACKEND)
            ? "one backend taking every connection" : "busiest backend " + busiestName();
        if (!range.ok()) {
            rows.add(unreadable("net.ipv4.ip_local_port_range", busiest, true, range));
            return;
        }
        final boolean widen = busiest > ports;
        rows.add(new Row("net.ipv4.ip_local_port_range", range.get(0) + " " + range.get(1) + " (" + ports
            + " ports)", widen ? WIDEST_LOW + " " + WIDEST_HIGH : range.get(0) + " " + range.get(1),
            widen ? Status.SHORT : Status.OK, true, widen ? WIDEST_LOW + " " + WIDEST_HIGH : null,
            "one ephemeral port per connection to one backend address from one source address; " + who + ": "
                + busiest + " connections" + (widen ? "; reserve listening ports above 1024 with "
                + "net.ipv4.ip_local_reserved_ports" : "")));
        rows.add(new Row("source addresses per backend", "1", Long.toString(sources),
            sources <= 1 ? Status.OK : Status.SHORT, true, null, sources <= 1 ? who + " fits one port range"
                : who + ": " + busiest + " connections / " + proposedPorts + " ports; give the service or the "
                    + "server --source-addresses with that many local addresses (with java.nio a pool of k addresses "
                    + "gives k port ranges in all)"));
    }

    private String busiestName() {
        Backend best = backends.get(0);
        for (final Backend b : backends) {
            if (b.connections() > best.connections()) {
                best = b;
            }
        }
        return best.endpoint();
    }

    private void backlogRows(final HostFacts h) {
        final int backlog = DirectorOptions.DEFAULT_BACKLOG;
        rows.add(sysctlAtLeast(h, "net.core.somaxconn", backlog, false, "the kernel cuts the director's listen "
            + "backlog (" + backlog + ") to it: a burst of new connections beyond it is refused"));
        rows.add(sysctlAtLeast(h, "net.ipv4.tcp_max_syn_backlog", backlog, false, "half-open connections per "
            + "listener (without SYN cookies)"));
        final long advised = connections >= 100_000 ? 16_384 : 1000;
        rows.add(sysctlAtLeast(h, "net.core.netdev_max_backlog", advised, false, "packets queued per CPU before the "
            + "stack: 16384 is the usual advice from 100,000 connections, 1000 (the default) below"));
        final HostFacts.Reading tw = h.get("net.ipv4.tcp_tw_reuse");
        if (!tw.ok()) {
            rows.add(unreadable("net.ipv4.tcp_tw_reuse", 1, false, tw));
        } else {
            final boolean good = tw.get(0) == 1;
            rows.add(new Row("net.ipv4.tcp_tw_reuse", Long.toString(tw.get(0)), "1", good ? Status.OK
                : Status.ADVICE, false, good ? null : "1", "lets backend connections reuse ports in TIME_WAIT (2 "
                + "reuses them on loopback only)"));
        }
        final HostFacts.Reading fin = h.get("net.ipv4.tcp_fin_timeout");
        if (!fin.ok()) {
            rows.add(unreadable("net.ipv4.tcp_fin_timeout", 30, false, fin));
        } else {
            final boolean good = fin.get(0) <= 30;
            rows.add(new Row("net.ipv4.tcp_fin_timeout", Long.toString(fin.get(0)), "<= 30", good ? Status.OK
                : Status.ADVICE, false, good ? null : "30", "seconds a closed socket waits in FIN_WAIT_2, holding "
                + "its port and memory"));
        }
        if (h.conntrack()) {
            final HostFacts.Reading count = h.get(HostFacts.CONNTRACK_COUNT);
            if (!count.ok()) {
                rows.add(unreadable(HostFacts.CONNTRACK_MAX, 2 * connections, true, count));
            } else {
                rows.add(sysctlAtLeast(h, HostFacts.CONNTRACK_MAX, count.get(0) + 2 * connections, true,
                    "nf_conntrack is loaded: each proxied connection is two tracked flows (client to director, "
                        + "director to backend), plus the " + count.get(0) + " tracked now"));
            }
        } else {
            notes.add("nf_conntrack is not loaded (no " + HostFacts.sysctlPath(h.root(), HostFacts.CONNTRACK_MAX)
                + "): no connection-tracking limit applies");
        }
    }

    private void memoryRows(final HostFacts h, final JvmLimits jvm, final int loops, final boolean udp) {
        final String t = costs.transport();
        final long heap = ConnectionCosts.HEAP_HEADROOM * (ConnectionCosts.HEAP_BASE_BYTES
            + connections * costs.heapPerConnectionBytes());
        rows.add(atLeast("JVM max heap (-Xmx)", jvm.maxHeapBytes(), heap, true, null,
            ConnectionCosts.HEAP_HEADROOM + " x (" + mib(ConnectionCosts.HEAP_BASE_BYTES) + " + "
                + costs.heapPerConnectionBytes() + " B measured per " + t + " connection)", true));
        final long direct = loops * costs.directPoolPerLoopBytes()
            + connections * costs.directPerConnectionBytes();
        final String directWhy = costs.directPoolPerLoopBytes() == 0 && costs.directPerConnectionBytes() == 0
            ? t + " holds no direct buffers (0 B measured per connection and per loop); " + jvm.directSource()
            : loops + " loops x " + mib(costs.directPoolPerLoopBytes()) + " pooled + "
                + costs.directPerConnectionBytes() + " B measured per " + t + " connection under small traffic (0 "
                + "when idle); " + jvm.directSource();
        if (jvm.maxDirectBytes() < 0) {
            rows.add(new Row("JVM max direct memory", "unreadable", bytes(direct), Status.UNREADABLE, true, null,
                directWhy));
        } else {
            rows.add(atLeast("JVM max direct memory", jvm.maxDirectBytes(), direct, true, null, directWhy, true));
        }
        final long nativeBytes = loops * costs.nativePerLoopBytes(udp);
        final long kernel = 2 * connections * (ConnectionCosts.KERNEL_PER_SOCKET_BYTES
            + ConnectionCosts.TCP_BUFFER_PER_SOCKET_BYTES);
        final long process = heap + direct + nativeBytes + ConnectionCosts.JVM_OVERHEAD_BYTES;
        final long total = kernel + process;
        final HostFacts.Reading avail = h.get(HostFacts.MEM_AVAILABLE);
        if (!avail.ok()) {
            rows.add(unreadable("MemAvailable", total, true, avail));
        } else {
            rows.add(atLeast("MemAvailable", avail.get(0), total, true, null, "director: heap + direct + "
                + (nativeBytes == 0 ? "" : loops + " loops x " + mib(costs.nativePerLoopBytes(udp)) + " " + t
                + " native (FFM, outside -XX:MaxDirectMemorySize) + ")
                + mib(ConnectionCosts.JVM_OVERHEAD_BYTES) + " JVM = " + bytes(process) + "; kernel: 2 sockets x ("
                + ConnectionCosts.KERNEL_PER_SOCKET_BYTES + " B measured + " + ConnectionCosts.TCP_BUFFER_PER_SOCKET_BYTES
                + " B buffers) = " + bytes(kernel), true));
        }
        final HostFacts.Reading totalMem = h.get(HostFacts.MEM_TOTAL);
        rows.add(new Row("MemTotal", totalMem.ok() ? bytes(totalMem.get(0)) : "unreadable", "-",
            totalMem.ok() ? Status.INFO : Status.UNREADABLE, false, null, totalMem.ok() ? "" : totalMem.error()));
        final HostFacts.Reading tcpMem = h.get("net.ipv4.tcp_mem");
        final HostFacts.Reading page = h.get(HostFacts.PAGE_SIZE);
        if (!tcpMem.ok() || !page.ok()) {
            rows.add(unreadable("net.ipv4.tcp_mem", 0, true, tcpMem.ok() ? page : tcpMem));
        } else {
            final long pageSize = page.get(0);
            final long pages = ceilDiv(2 * connections * ConnectionCosts.TCP_BUFFER_PER_SOCKET_BYTES, pageSize);
            final Status st = tcpMem.get(2) < pages ? Status.SHORT : tcpMem.get(1) < pages ? Status.ADVICE
                : Status.OK;
            final String set = st == Status.OK ? null : tcpMem.get(0) + " " + Math.max(tcpMem.get(1), pages) + " "
                + Math.max(tcpMem.get(2), pages + pages / 2);
            rows.add(new Row("net.ipv4.tcp_mem", tcpMem.text() + " pages", "max >= " + pages + ", pressure >= "
                + pages, st, true, set, "TCP buffer pages (" + pageSize + " B) for 2 sockets per connection holding "
                + ConnectionCosts.TCP_BUFFER_PER_SOCKET_BYTES + " B each at once; above 'pressure' the kernel "
                + "shrinks buffers, at 'max' it drops"));
        }
    }

    private void socketRows(final HostFacts h, final boolean udp) {
        for (final String name : new String[] {"net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"}) {
            final HostFacts.Reading r = h.get(name);
            final HostFacts.Reading page = h.get(HostFacts.PAGE_SIZE);
            String why = r.ok() ? "min default max bytes per socket" : r.error();
            if (r.ok() && page.ok()) {
                why += "; if every director socket filled its default: " + bytes(2 * connections * r.get(1));
            }
            rows.add(new Row(name, r.text(), "-", r.ok() ? Status.INFO : Status.UNREADABLE, false, null, why));
        }
        final long rcv = udp ? 4L << 20 : 0;
        rows.add(sysctlAtLeast(h, "net.core.rmem_max", rcv, false, udp ? "UDP services ask for a 4 MiB receive "
            + "queue; the kernel cuts it to rmem_max" : "no UDP service: JLVS asks for no larger TCP receive buffer"));
        rows.add(sysctlAtLeast(h, "net.core.wmem_max", 0, false, "JLVS asks for no larger send buffer by default"));
    }

    private Row sysctlAtLeast(final HostFacts h, final String name, final long need, final boolean required,
        final String why) {
        final HostFacts.Reading r = h.get(name);
        if (!r.ok()) {
            return unreadable(name, need, required, r);
        }
        return atLeast(name, r.get(0), need, required, Long.toString(need), why);
    }

    private static Row atLeast(final String setting, final long now, final long need, final boolean required,
        final String sysctlValue, final String why) {
        return atLeast(setting, now, need, required, sysctlValue, why, false);
    }

    private static Row atLeast(final String setting, final long now, final long need, final boolean required,
        final String sysctlValue, final String why, final boolean inBytes) {
        final boolean good = now >= need;
        return new Row(setting, inBytes ? bytes(now) : Long.toString(now), inBytes ? bytes(need)
            : Long.toString(need), good ? Status.OK : required ? Status.SHORT : Status.ADVICE, required,
            good ? null : sysctlValue, why);
    }

    private static Row unreadable(final String setting, final long need, final boolean required,
        final HostFacts.Reading r) {
        return new Row(setting, "unreadable", need > 0 ? Long.toString(need) : "-", Status.UNREADABLE, required,
            null, r.error());
    }

    static long ceilDiv(final long a, final long b) {
        return (a + b - 1) / b;
    }

    static String mib(final long bytes) {
        return (bytes >> 20) + " MiB";
    }

    /** Bytes with a binary unit, one decimal. */
    static String bytes(final long b) {
        if (b == Long.MAX_VALUE) {
            return "unlimited";
        }
        if (b >= 1L << 30) {
            return String.format(Locale.ROOT, "%.1f GiB", b / (double) (1L << 30));
        }
        if (b >= 1L << 20) {
            return String.format(Locale.ROOT, "%.1f MiB", b / (double) (1L << 20));
        }
        if (b >= 1L << 10) {
            return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
        }
        return b + " B";
    }
}
