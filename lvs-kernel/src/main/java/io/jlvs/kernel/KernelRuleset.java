package io.jlvs.kernel;

import io.jlvs.core.net.Protocol;
import io.jlvs.core.config.ServiceKey;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What JLVS installs for its kernel services, and the nft transaction that turns one installed state into another.
 * Immutable.
 *
 * <p>The table {@code inet jlvs_NAME} (one table for IPv4 and IPv6 services, so that every change is one transaction
 * whatever the families) holds: base chains {@code nat_pre} (nat, prerouting, dstnat) and {@code nat_out}
 * (nat, output, -100) that jump to one chain per service on its address, protocol and port; the service chain picks
 * a real server with {@code numgen inc mod TOTAL} ({@code rr}, {@code wrr}) or {@code jhash ip saddr mod TOTAL}
 * ({@code jhash ip6 saddr} for IPv6; {@code sh}) over a verdict map of weight ranges; each server chain counts the connection (named counter
 * {@code _c}) and DNATs ({@code dnat ip to RIP:PORT}, {@code dnat ip6 to [RIP]:PORT}). A service and its real
 * servers are of one family (the rules parser refuses a mix, naming the line). Base chains {@code acct_pre} (filter, prerouting, not from {@code lo}) and
 * {@code acct_out} (filter, output) count each server's packets and bytes by the connection's conntrack tuples into
 * named counters {@code _i} (client to server) and {@code _o} (server to client). Only the first packet of a
 * connection traverses the nat chains: conntrack carries the rest, so a changed map applies to new connections only.
 *
 * @param table the table name
 * @param services the kernel services
 */
record KernelRuleset(String table, List<Service> services) {
    /**
     * A kernel service.
     *
     * @param key its key
     * @param hash true for a source hash ({@code sh}), false for a weighted round robin
     * @param members every member (counters and accounting exist for all of them)
     */
    record Service(ServiceKey key, boolean hash, List<Member> members) {
        String chain() {
            return "v" + hex(key.address()) + (key.protocol() == Protocol.TCP ? "t" : "u") + key.port();
        }

        String proto() {
            return key.protocol() == Protocol.TCP ? "tcp" : "udp";
        }

        /** The nft address family keyword of the service: {@code ip} or {@code ip6}. */
        String family() {
            return key.isIpv6() ? "ip6" : "ip";
        }
    }

    /**
     * A real server of a kernel service.
     *
     * @param address its address
     * @param port its port
     * @param share its share in the map (0: not in the map: weight 0, down, or the service lost quorum)
     */
    record Member(InetAddress address, int port, int share) {
    }

    static String hex(final InetAddress a) {
        final StringBuilder sb = new StringBuilder();
        for (final byte b : a.getAddress()) {
            sb.append(String.format("%02x", b & 0xff));
        }
        return sb.toString();
    }

    static String serverChain(final Service s, final Member m) {
        return s.chain() + "_" + hex(m.address()) + "_" + m.port();
    }

    /** The chains and counters this state declares (besides the base chains). */
    Set<String> objects() {
        final Set<String> out = new LinkedHashSet<>();
        for (final Service s : services) {
            out.add("chain " + s.chain());
            for (final Member m : s.members()) {
                final String c = serverChain(s, m);
                out.add("chain " + c);
                out.add("counter " + c + "_c");
                out.add("counter " + c + "_i");
                out.add("counter " + c + "_o");
            }
        }
        return out;
    }

    /** The family of the table JLVS installs. */
    static final String FAMILY = "inet";

    /**
     * The script that deletes the table (nothing else): the {@code inet} table, and an {@code ip} table of that name
     * that a JLVS before IPv6 kernel services left (those installed {@code ip jlvs_NAME}).
     */
    static String deleteTable(final String table) {
        return "add table ip " + table + "\ndelete table ip " + table + "\nadd table " + FAMILY + " " + table
            + "\ndelete table " + FAMILY + " " + table + "\n";
    }

    /** A real server's address as nft writes it in a dnat statement: bracketed for IPv6. */
    static String dnatAddress(final InetAddress a, final int port) {
        final String h = a.getHostAddress();
        return (a instanceof java.net.Inet6Address ? "[" + h + "]" : h) + ":" + port;
    }

    /**
     * The transaction from {@code previous} (what is installed, or null for nothing) to this state. Named counters
     * that stay keep their values.
     */
    String transaction(final KernelRuleset previous) {
        final String t = FAMILY + " " + table;
        final StringBuilder sb = new StringBuilder();
        sb.append("add table ").append(t).append('\n');
        sb.append("add chain ").append(t).append(" nat_pre { type nat hook prerouting priority dstnat; policy accept; }\n");
        sb.append("add chain ").append(t).append(" nat_out { type nat hook output priority -100; policy accept; }\n");
        sb.append("add chain ").append(t).append(" acct_pre { type filter hook prerouting priority filter; policy accept; }\n");
        sb.append("add chain ").append(t).append(" acct_out { type filter hook output priority filter; policy accept; }\n");
        final Set<String> now = objects();
        for (final String o : now) {
            sb.append("add ").append(o.replaceFirst(" ", " " + t + " ")).append('\n');
        }
        sb.append("flush table ").append(t).append('\n');
        if (previous != null) {
            final List<String> gone = new ArrayList<>(previous.objects());
            gone.removeAll(now);
            for (final String o : gone) {
                sb.append("delete ").append(o.replaceFirst(" ", " " + t + " ")).append('\n');
            }
        }
        for (final Service s : services) {
            final String vip = s.key().address().getHostAddress();
            final String af = s.family();
            final String match = af + " daddr " + vip + " " + s.proto() + " dport " + s.key().port();
            sb.append("add rule ").append(t).append(" nat_pre ").append(match).append(" jump ").append(s.chain())
                .append('\n');
            sb.append("add rule ").append(t).append(" nat_out ").append(match).append(" jump ").append(s.chain())
                .append('\n');
            long total = 0;
            final StringBuilder map = new StringBuilder();
            for (final Member m : s.members()) {
                if (m.share() <= 0) {
                    continue;
                }
                map.append(map.length() == 0 ? "" : ", ").append(total);
                if (m.share() > 1) {
                    map.append('-').append(total + m.share() - 1);
                }
                map.append(" : jump ").append(serverChain(s, m));
                total += m.share();
            }
            if (total > 0) {
                sb.append("add rule ").append(t).append(' ').append(s.chain()).append(' ')
                    .append(s.hash() ? "jhash " + af + " saddr mod " + total + " seed 0x4a4c5653" : "numgen inc mod " + total)
                    .append(" vmap { ").append(map).append(" }\n");
            }
            for (final Member m : s.members()) {
                final String c = serverChain(s, m);
                final String rip = m.address().getHostAddress();
                sb.append("add rule ").append(t).append(' ').append(c).append(" meta l4proto ").append(s.proto())
                    .append(" counter name \"").append(c).append("_c\" dnat ").append(af).append(" to ")
                    .append(dnatAddress(m.address(), m.port())).append('\n');
                final String tuple = "meta l4proto " + s.proto() + " ct original " + af + " daddr " + vip
                    + " ct original proto-dst " + s.key().port() + " ct reply " + af + " saddr " + rip
                    + " ct reply proto-src " + m.port();
                for (final String hook : new String[] {"acct_pre iifname != \"lo\" ", "acct_out "}) {
                    sb.append("add rule ").append(t).append(' ').append(hook).append(tuple)
                        .append(" ct direction original counter name \"").append(c).append("_i\"\n");
                    sb.append("add rule ").append(t).append(' ').append(hook).append(tuple)
                        .append(" ct direction reply counter name \"").append(c).append("_o\"\n");
                }
            }
        }
        return sb.toString();
    }
}
