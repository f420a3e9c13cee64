package io.jlvs.core.listing;

import io.jlvs.core.config.SchedulerFlags;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.Timeouts;
import io.jlvs.core.config.VirtualServiceConfig;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Renders ipvsadm's listings from snapshots, numerically (as with {@code -n}: JLVS never resolves names).
 *
 * <p>Thread-safe (stateless).
 */
public final class IpvsadmListing {
    private static final Comparator<ServerSnapshot> SERVER_ORDER = (a, b) -> {
        final int r = ServiceKey.compareAddressQuirk(a.config().address().getAddress(),
            b.config().address().getAddress());
        return r != 0 ? r : a.config().port() - b.config().port();
    };
    private static final Comparator<ServiceSnapshot> SERVICE_ORDER =
        (a, b) -> ServiceKey.IPVSADM_ORDER.compare(a.config().key(), b.config().key());

    private IpvsadmListing() {
    }

    /**
     * The first line: where ipvsadm prints {@code IP Virtual Server version 1.2.1 (size=4096)}, JLVS prints its
     * own name and version.
     *
     * @param tableSize the connection table's bucket count
     * @return the line without a line end
     */
    public static String versionLine(final int tableSize) {
        return "JLVS version " + JlvsVersion.version() + " (size=" + tableSize + ")";
    }

    /**
     * {@code ipvsadm -Ln} with a format: the version line, the titles and every service.
     *
     * @param snapshot the state
     * @param format the mode
     * @param exact {@code --exact}: numbers in full
     * @param noSort {@code --nosort}: services in the order they were added, servers in list order
     * @return the text, each line ending with a newline
     */
    public static String list(final DirectorSnapshot snapshot, final ListFormat format, final boolean exact,
        final boolean noSort) {
        final StringBuilder sb = new StringBuilder(256);
        sb.append(versionLine(snapshot.tableSize())).append('\n');
        title(sb, format);
        List<ServiceSnapshot> services = snapshot.services();
        if (!noSort) {
            services = mergeSort(services, SERVICE_ORDER);
        }
        for (final ServiceSnapshot s : services) {
            service(sb, s, format, exact, noSort);
        }
        return sb.toString();
    }

    /**
     * {@code ipvsadm -Ln -t VIP:PORT} (one service): the titles and the service, no version line.
     *
     * @param service the service
     * @param format the mode
     * @param exact {@code --exact}
     * @param noSort {@code --nosort}
     * @return the text
     */
    public static String listService(final ServiceSnapshot service, final ListFormat format, final boolean exact,
        final boolean noSort) {
        final StringBuilder sb = new StringBuilder(256);
        title(sb, format);
        service(sb, service, format, exact, noSort);
        return sb.toString();
    }

    /**
     * {@code ipvsadm -Lnc}.
     *
     * @param connections the entries
     * @param persistentConn {@code --persistent-conn}: the header with the pe columns
     * @return the text
     */
    public static String connections(final List<ConnectionSnapshot> connections, final boolean persistentConn) {
        final StringBuilder sb = new StringBuilder(64 + connections.size() * 80);
        sb.append("IPVS connection entries\n");
        if (persistentConn) {
            sb.append(String.format("pro expire %-11s %-18s %-18s %-18s %-16s %s\n", "state", "source", "virtual",
                "destination", "pe name", "pe_data"));
        } else {
            sb.append(String.format("pro expire %-11s %-18s %-18s %s\n", "state", "source", "virtual",
                "destination"));
        }
        for (final ConnectionSnapshot c : connections) {
            sb.append(c.row()).append('\n');
        }
        return sb.toString();
    }

    /**
     * {@code ipvsadm -L --timeout}.
     *
     * @param timeouts the timeouts
     * @return the line with a newline
     */
    public static String timeouts(final Timeouts timeouts) {
        return timeouts.listing() + "\n";
    }

    private static void title(final StringBuilder sb, final ListFormat format) {
        switch (format) {
            case STATS:
                sb.append(String.format("%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n",
                    "Prot LocalAddress:Port", "Conns", "InPkts", "OutPkts", "InBytes", "OutBytes"));
                break;
            case RATE:
                sb.append(String.format("%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n",
                    "Prot LocalAddress:Port", "CPS", "InPPS", "OutPPS", "InBPS", "OutBPS"));
                break;
            case THRESHOLDS:
                sb.append(String.format("%-33s %-10s %-10s %-10s %-10s\n  -> RemoteAddress:Port\n",
                    "Prot LocalAddress:Port", "Uthreshold", "Lthreshold", "ActiveConn", "InActConn"));
                break;
            case PERSISTENT_CONN:
                sb.append(String.format("%-33s %-9s %-11s %-10s %-10s\n  -> RemoteAddress:Port\n",
                    "Prot LocalAddress:Port", "Weight", "PersistConn", "ActiveConn", "InActConn"));
                break;
            default:
                sb.append("Prot LocalAddress:Port Scheduler Flags\n")
                    .append("  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n");
        }
    }

    private static void service(final StringBuilder sb, final ServiceSnapshot s, final ListFormat format,
        final boolean exact, final boolean noSort) {
        final VirtualServiceConfig c = s.config();
        final ServiceKey key = c.key();
        String name = key.protocol().label() + "  " + key.addressAndPort();
        if (!key.isIpv6() && name.length() > 33) {
            name = name.substring(0, 33);
        }
        switch (format) {
            case STATS:
                sb.append(String.format("%-33s", name));
                largeNumbers(sb, exact, s.stats().conns(), s.stats().inPackets(), s.stats().outPackets(),
                    s.stats().inBytes(), s.stats().outBytes());
                break;
            case RATE:
                sb.append(String.format("%-33s", name));
                largeNumbers(sb, exact, s.stats().cps(), s.stats().inPps(), s.stats().outPps(), s.stats().inBps(),
                    s.stats().outBps());
                break;
            default:
                sb.append(name).append(' ').append(c.scheduler());
                if ((c.schedulerFlags() & SchedulerFlags.MASK) != 0) {
                    sb.append(" (").append(SchedulerFlags.format(c.scheduler(), c.schedulerFlags())).append(')');
                }
                if (c.persistent()) {
                    sb.append(" persistent ").append(c.persistenceSeconds());
                    if (!c.defaultNetmask()) {
                        sb.append(" mask ").append(c.netmaskText());
                    }
                }
                if (c.onePacket()) {
                    sb.append(" ops");
                }
        }
        sb.append('\n');
        List<ServerSnapshot> servers = s.servers();
        if (!noSort) {
            servers = mergeSort(servers, SERVER_ORDER);
        }
        for (final ServerSnapshot d : servers) {
            String dname = d.config().addressAndPort();
            if (!key.isIpv6() && dname.length() > 28) {
                dname = dname.substring(0, 28);
            }
            switch (format) {
                case STATS:
                    sb.append(String.format("  -> %-28s", dname));
                    largeNumbers(sb, exact, d.stats().conns(), d.stats().inPackets(), d.stats().outPackets(),
                        d.stats().inBytes(), d.stats().outBytes());
                    sb.append('\n');
                    break;
                case RATE:
                    sb.append(String.format("  -> %-28s %8d %8d %8d", dname, d.stats().cps() & 0xffffffffL,
                        d.stats().inPps() & 0xffffffffL, d.stats().outPps() & 0xffffffffL));
                    largeNumbers(sb, exact, d.stats().inBps(), d.stats().outBps());
                    sb.append('\n');
                    break;
                case THRESHOLDS:
                    sb.append(String.format("  -> %-28s %-10d %-10d %-10d %-10d\n", dname,
                        d.config().upperThreshold(), d.config().lowerThreshold(), d.activeConns(),
                        d.inactiveConns()));
                    break;
                case PERSISTENT_CONN:
                    sb.append(String.format("  -> %-28s %-9d %-11d %-10d %-10d\n", dname, d.weight(),
                        d.persistConns(), d.activeConns(), d.inactiveConns()));
                    break;
                default:
                    sb.append(String.format("  -> %-28s %-7s %-6d %-10d %-10d\n", dname,
                        d.config().forwarding().listName(), d.weight(), d.activeConns(), d.inactiveConns()));
            }
        }
    }

    private static void largeNumbers(final StringBuilder sb, final boolean exact, final long... values) {
        for (final long v : values) {
            largeNumber(sb, v, exact);
        }
    }

    /**
     * ipvsadm's {@code print_largenum}: {@code %9llu} below 10^8, then {@code %8lluK}, {@code M} (below 10^11),
     * {@code G} (below 10^14) and {@code T}; with {@code --exact} the full number right-aligned in
     * max(9, digits + 1) columns.
     *
     * @param sb where to append
     * @param value the number (unsigned)
     * @param exact {@code --exact}
     */
    static void largeNumber(final StringBuilder sb, final long value, final boolean exact) {
        final String digits = Long.toUnsignedString(value);
        if (exact) {
            pad(sb, digits, digits.length() <= 8 ? 9 : digits.length() + 1);
            return;
        }
        if (Long.compareUnsigned(value, 100_000_000L) < 0) {
            pad(sb, digits, 9);
        } else if (Long.compareUnsigned(value, 1_000_000_000L) < 0) {
            pad(sb, Long.toUnsignedString(Long.divideUnsigned(value, 1000L)), 8);
            sb.append('K');
        } else if (Long.compareUnsigned(value, 100_000_000_000L) < 0) {
            pad(sb, Long.toUnsignedString(Long.divideUnsigned(value, 1_000_000L)), 8);
            sb.append('M');
        } else if (Long.compareUnsigned(value, 100_000_000_000_000L) < 0) {
            pad(sb, Long.toUnsignedString(Long.divideUnsigned(value, 1_000_000_000L)), 8);
            sb.append('G');
        } else {
            pad(sb, Long.toUnsignedString(Long.divideUnsigned(value, 1_000_000_000_000L)), 8);
            sb.append('T');
        }
    }

    private static void pad(final StringBuilder sb, final String s, final int width) {
        for (int i = s.length(); i < width; i++) {
            sb.append(' ');
        }
        sb.append(s);
    }

    /**
     * A stable top-down merge sort that takes the left element on ties, like glibc's {@code qsort} merge path.
     * It never throws on comparators that are not transitive, which ipvsadm's address comparison is not (its
     * signed-difference quirk), and it reproduces ipvsadm's order for the inputs JLVS renders.
     *
     * @param in the input
     * @param cmp the comparator
     * @param <T> element type
     * @return a sorted copy
     */
    static <T> List<T> mergeSort(final List<T> in, final Comparator<? super T> cmp) {
        final List<T> a = new ArrayList<>(in);
        final List<T> tmp = new ArrayList<>(in);
        mergeSort(a, tmp, 0, a.size(), cmp);
        return a;
    }

    private static <T> void mergeSort(final List<T> a, final List<T> tmp, final int from, final int to,
        final Comparator<? super T> cmp) {
        final int n = to - from;
        if (n <= 1) {
            return;
        }
        final int mid = from + n / 2;
        mergeSort(a, tmp, from, mid, cmp);
        mergeSort(a, tmp, mid, to, cmp);
        int i = from;
        int j = mid;
        int k = from;
        while (i < mid && j < to) {
            if (cmp.compare(a.get(i), a.get(j)) <= 0) {
                tmp.set(k++, a.get(i++));
            } else {
                tmp.set(k++, a.get(j++));
            }
        }
        while (i < mid) {
            tmp.set(k++, a.get(i++));
        }
        while (j < to) {
            tmp.set(k++, a.get(j++));
        }
        for (int x = from; x < to; x++) {
            a.set(x, tmp.get(x));
        }
    }
}
