package io.jlvs.kernel;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The kernel's connection tracking table through the {@code conntrack} program (Debian's conntrack package): list the
 * entries of a virtual service, delete those of one real server ({@code --shutdown-sessions}); IPv4 and IPv6
 * ({@code -f ipv6}).
 *
 * <p>Thread-safe (stateless).
 */
final class Conntrack {
    /** One tracked connection: original tuple client to virtual address, reply tuple from the real server. */
    record Entry(String protocol, long expireSeconds, String state, InetAddress client, int clientPort,
        InetAddress virtualAddress, int virtualPort, InetAddress server, int serverPort) {
    }

    private final List<String> prefix;

    Conntrack(final List<String> prefix) {
        this.prefix = List.copyOf(prefix);
    }

    List<Entry> list(final String protocol, final String vip, final int vport) throws IOException {
        final List<String> c = new ArrayList<>(prefix);
        c.addAll(List.of("-L", "-f", family(vip), "-p", protocol, "--orig-dst", vip, "--orig-port-dst", Integer.toString(vport)));
        final Exec.Result r = Exec.run(c, null);
        if (r.exit() != 0) {
            throw new IOException("conntrack -L: " + r.err().strip());
        }
        final List<Entry> out = new ArrayList<>();
        for (final String line : r.out().split("\n")) {
            final Entry e = parse(line);
            if (e != null) {
                out.add(e);
            }
        }
        return out;
    }

    void delete(final String protocol, final String vip, final int vport, final String rip, final int rport)
        throws IOException {
        final List<String> c = new ArrayList<>(prefix);
        c.addAll(List.of("-D", "-f", family(vip), "-p", protocol, "--orig-dst", vip, "--orig-port-dst", Integer.toString(vport),
            "--reply-src", rip, "--reply-port-src", Integer.toString(rport)));
        final Exec.Result r = Exec.run(c, null);
        // conntrack exits 1 when no entry matched: nothing to delete is not an error
        if (r.exit() != 0 && !r.err().contains("0 flow entries")) {
            throw new IOException("conntrack -D: " + r.err().strip());
        }
    }

    /** conntrack's family for an address literal: it lists and deletes IPv4 entries only unless told. */
    static String family(final String address) {
        return address.indexOf(':') >= 0 ? "ipv6" : "ipv4";
    }

    /**
     * Parses a line of {@code conntrack -L}: {@code tcp 6 431999 ESTABLISHED src=.. dst=.. sport=.. dport=.. src=..
     * dst=.. sport=.. dport=.. [ASSURED] mark=0 use=1}.
     */
    static Entry parse(final String line) {
        final String[] t = line.trim().split("\\s+");
        if (t.length < 4) {
            return null;
        }
        final String proto = t[0];
        long expire;
        try {
            expire = Long.parseLong(t[2]);
        } catch (final NumberFormatException e) {
            return null;
        }
        int k = 3;
        String state = proto.equals("udp") ? "UDP" : "NONE";
        if (!t[k].contains("=")) {
            state = t[k++];
        }
        final String[] v = new String[8];
        int n = 0;
        for (; k < t.length && n < 8; k++) {
            final int eq = t[k].indexOf('=');
            if (eq < 0) {
                continue;
            }
            final String key = t[k].substring(0, eq);
            final int slot = switch (key) {
                case "src" -> 0;
                case "dst" -> 1;
                case "sport" -> 2;
                case "dport" -> 3;
                default -> -1;
            };
            if (slot >= 0) {
                v[(n / 4) * 4 + slot] = t[k].substring(eq + 1);
                n++;
            }
        }
        if (n < 8) {
            return null;
        }
        try {
            return new Entry(proto.toUpperCase(java.util.Locale.ROOT), expire, state, InetAddress.getByName(v[0]),
                Integer.parseInt(v[2]), InetAddress.getByName(v[1]), Integer.parseInt(v[3]),
                InetAddress.getByName(v[4]), Integer.parseInt(v[6]));
        } catch (final UnknownHostException | NumberFormatException e) {
            return null;
        }
    }
}
