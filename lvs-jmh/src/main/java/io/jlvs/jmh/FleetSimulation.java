package io.jlvs.jmh;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.net.Protocol;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.net.Addresses;
import io.jlvs.core.sched.MutableFlow;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.VirtualService;

import java.io.PrintStream;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A fleet of directors that share no state: each one is a {@link LoadBalancer} built from the same rules text (not
 * started; no sockets), so each holds its own scheduler instance and decides alone. A fixed set of client sources is
 * scheduled by every director after every step of an event, and the program prints, per event, how many sources all
 * directors agree on while the event is half rolled out and after it, and how many sources changed server
 * (disruption), split into the sources whose server left (forced) and the others (excess).
 *
 * <p>Events: a rolling restart (each director rebuilt from the rules, one after the other), a weight change rolled
 * out director by director, a server failing (removed from each director in turn, as health checks on each director
 * notice it one after the other), a new server added in turn, the failed server coming back, and a second rolling
 * restart. Run with
 * {@code java -cp lvs-jmh/target/benchmarks.jar io.jlvs.jmh.FleetSimulation [DIRECTORS [SOURCES [SCHEDULERS]]]}
 * (defaults 100, 100000, {@code mh,sh}). Only stateless hashing schedulers make sense here: {@code wlc} and the
 * other connection-count schedulers decide by each director's own counts, which no two directors share.
 *
 * <p>Not thread-safe (a program).
 */
public final class FleetSimulation {
    private static final String VIP = "10.255.0.1";
    private static final int VPORT = 80;
    private static final int SERVERS = 10;

    private final String scheduler;
    private final int sourceCount;
    private final int[] sources;
    private final List<LoadBalancer> directors = new ArrayList<>();
    private final ServiceKey key = ServiceKey.tcp(VIP, VPORT);
    private final MutableFlow flow = new MutableFlow();
    private final int vipFold = Addresses.fold(Addresses.parseLiteral(VIP));
    /** The rules every director loads at (re)start; edits made to the fleet are applied to it too. */
    private final List<String> serverLines = new ArrayList<>();
    private final List<Integer> serverWeights = new ArrayList<>();

    private FleetSimulation(final String scheduler, final int directorCount, final int sourceCount, final long seed) {
        this.scheduler = scheduler;
        this.sourceCount = sourceCount;
        this.sources = new int[sourceCount];
        final SplittableRandom r = new SplittableRandom(seed);
        final java.util.HashSet<Integer> seen = new java.util.HashSet<>();
        for (int i = 0; i < sourceCount; i++) {
            int a;
            do {
                a = 0x0b000000 | r.nextInt(1 << 24); // 11.0.0.0/8
            } while (!seen.add(a));
            sources[i] = a;
        }
        for (int i = 1; i <= SERVERS; i++) {
            serverLines.add("10.0.0." + i);
            serverWeights.add(1);
        }
        for (int d = 0; d < directorCount; d++) {
            directors.add(boot());
        }
    }

    private String rules() {
        final StringBuilder sb = new StringBuilder("-A -t " + VIP + ":" + VPORT + " -s " + scheduler + "\n");
        for (int i = 0; i < serverLines.size(); i++) {
            sb.append("-a -t ").append(VIP).append(':').append(VPORT).append(" -r ").append(serverLines.get(i))
                .append(':').append(VPORT).append(" -m -w ").append(serverWeights.get(i)).append('\n');
        }
        return sb.toString();
    }

    private LoadBalancer boot() {
        return LoadBalancer.builder().rules(rules()).build();
    }

    /** Every director's pick for every source: picks[d][s], as the low octet of the server's address. */
    private byte[][] picks() {
        final byte[][] p = new byte[directors.size()][sourceCount];
        for (int d = 0; d < directors.size(); d++) {
            final VirtualService svc = directors.get(d).services().service(key);
            for (int s = 0; s < sourceCount; s++) {
                flow.setIpv4(Protocol.TCP, sources[s], 40000 + (s & 0x3fff), vipFold, VPORT);
                final RealServer r = svc.schedule(flow);
                p[d][s] = r == null ? 0 : (byte) r.addressFold();
            }
        }
        return p;
    }

    private static double agreement(final byte[][] p) {
        int agree = 0;
        for (int s = 0; s < p[0].length; s++) {
            boolean all = true;
            for (int d = 1; d < p.length && all; d++) {
                all = p[d][s] == p[0][s];
            }
            if (all) {
                agree++;
            }
        }
        return (double) agree / p[0].length;
    }

    /** One event's figures. */
    private record Row(String event, double agreementDuring, double agreementAfter, double moved, double forced,
        double excess) {
    }

    private interface Step {
        void apply(LoadBalancer director, int index);
    }

    /** Rolls a change out over the fleet, one director after the other, measuring when half of it is done. */
    private Row roll(final String event, final Step step, final Runnable rulesEdit, final String gone) {
        final byte[] before = picks()[0];
        final int half = directors.size() / 2;
        double during = Double.NaN;
        rulesEdit.run();
        for (int d = 0; d < directors.size(); d++) {
            step.apply(directors.get(d), d);
            if (d == half - 1) {
                during = agreement(picks());
            }
        }
        final byte[][] after = picks();
        int moved = 0;
        int forced = 0;
        final byte goneOctet = gone == null ? -1 : (byte) Addresses.fold(Addresses.parseLiteral(gone));
        for (int s = 0; s < sourceCount; s++) {
            if (after[0][s] != before[s]) {
                moved++;
                if (gone != null && before[s] == goneOctet) {
                    forced++;
                }
            }
        }
        return new Row(event, during, agreement(after), (double) moved / sourceCount, (double) forced / sourceCount,
            (double) (moved - forced) / sourceCount);
    }

    private List<Row> run() {
        final List<Row> rows = new ArrayList<>();
        final byte[][] start = picks();
        rows.add(new Row("boot (all load the same rules)", Double.NaN, agreement(start), 0, 0, 0));
        rows.add(roll("rolling restart", (lb, i) -> directors.set(i, boot()), () -> { }, null));
        rows.add(roll("weight 10.0.0.3 1 -> 3", (lb, i) -> lb.weight(key, "10.0.0.3", VPORT, 3),
            () -> serverWeights.set(2, 3), null));
        rows.add(roll("server 10.0.0.7 fails (removed)", (lb, i) -> lb.deleteServer(key,
            Addresses.parseLiteral("10.0.0.7"), VPORT), () -> {
                final int i = serverLines.indexOf("10.0.0.7");
                serverLines.remove(i);
                serverWeights.remove(i);
            }, "10.0.0.7"));
        rows.add(roll("server 10.0.0.11 added", (lb, i) -> lb.addServer(key, server("10.0.0.11", 1)), () -> {
            serverLines.add("10.0.0.11");
            serverWeights.add(1);
        }, null));
        rows.add(roll("server 10.0.0.7 back", (lb, i) -> lb.addServer(key, server("10.0.0.7", 1)), () -> {
            serverLines.add("10.0.0.7");
            serverWeights.add(1);
        }, null));
        rows.add(roll("weight 10.0.0.3 3 -> 1", (lb, i) -> lb.weight(key, "10.0.0.3", VPORT, 1),
            () -> serverWeights.set(2, 1), null));
        rows.add(roll("rolling restart", (lb, i) -> directors.set(i, boot()), () -> { }, null));
        return rows;
    }

    private static RealServerConfig server(final String address, final int weight) {
        final InetAddress a = Addresses.parseLiteral(address);
        return RealServerConfig.builder(a, VPORT).weight(weight).build();
    }

    private static String pct(final double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f %%", 100 * v);
    }

    /**
     * Runs the simulation and prints a Markdown table per scheduler.
     *
     * @param args directors (default 100), sources (default 100000), schedulers (default mh,sh)
     */
    public static void main(final String[] args) {
        final int directors = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        final int sources = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        final String[] schedulers = (args.length > 2 ? args[2] : "mh,sh").split(",");
        final PrintStream out = System.out;
        out.printf("FleetSimulation: %d directors, %d client sources, %d servers of weight 1, events rolled out one "
            + "director at a time%n%n", directors, sources, SERVERS);
        for (final String s : schedulers) {
            final long t0 = System.nanoTime();
            final FleetSimulation sim = new FleetSimulation(s, directors, sources, 42);
            final List<Row> rows = sim.run();
            out.printf("scheduler %s%n%n", s);
            out.println("| event | all agree, half rolled out | all agree, after | sources moved | forced (their "
                + "server left) | excess |");
            out.println("|---|---:|---:|---:|---:|---:|");
            for (final Row r : rows) {
                out.printf("| %s | %s | %s | %s | %s | %s |%n", r.event(), pct(r.agreementDuring()),
                    pct(r.agreementAfter()), pct(r.moved()), pct(r.forced()), pct(r.excess()));
            }
            out.printf("%n(%.1f s)%n%n", (System.nanoTime() - t0) / 1e9);
        }
    }
}
