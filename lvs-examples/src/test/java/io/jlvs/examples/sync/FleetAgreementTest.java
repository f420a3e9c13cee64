package io.jlvs.examples.sync;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.net.Protocol;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.net.Addresses;
import io.jlvs.core.sched.Flows;
import io.jlvs.core.service.RealServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three director processes ({@code jlvs run}) load the same {@code mh} rules and no state is shared: 10,000 client
 * sources get the same real server from all three, and the same one an in-process {@link LoadBalancer} built from
 * the rules computes. One real server then dies (its listener is closed, and each director is told with {@code -d}
 * on its admin socket, as a health check would): the flows that move are that server's flows plus exactly the ones
 * mh's table rebuild moves between survivors, and all three still agree on every flow.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class FleetAgreementTest {
    private static final int SOURCES = 10_000;
    private static final int SERVERS = 5;
    private static final Pattern ADMIN = Pattern.compile("admin socket on ([0-9.]+):(\\d+)");

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    /** A backend that writes its name and closes; returns its listener. */
    private ServerSocket named(final String name) throws IOException {
        final ServerSocket s = new ServerSocket(0, 1024, InetAddress.getLoopbackAddress());
        closeables.add(s);
        final Thread t = new Thread(() -> {
            while (!s.isClosed()) {
                try (Socket c = s.accept()) {
                    c.getOutputStream().write((name + "\n").getBytes(StandardCharsets.US_ASCII));
                } catch (final IOException e) {
                    if (s.isClosed()) {
                        return;
                    }
                }
            }
        }, "backend-" + name);
        t.setDaemon(true);
        t.start();
        return s;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static InetAddress source(final int i) {
        return Addresses.parseLiteral("127.20." + (i / 250) + "." + (i % 250 + 1));
    }

    private static String line(final InputStream in) throws IOException {
        final StringBuilder sb = new StringBuilder();
        for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
            sb.append((char) c);
        }
        return sb.toString();
    }

    static String ask(final InetSocketAddress admin, final String... lines) throws IOException {
        try (Socket s = new Socket(admin.getAddress(), admin.getPort())) {
            s.setSoTimeout(10_000);
            final OutputStream o = s.getOutputStream();
            for (final String l : lines) {
                o.write((l + "\n").getBytes(StandardCharsets.UTF_8));
            }
            s.shutdownOutput();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private final AtomicInteger retries = new AtomicInteger();

    /** Connects from every source to the VIP and returns the name of the server that answered, by source. */
    private String[] sweep(final ExecutorService pool, final InetAddress vip, final int port) throws Exception {
        final String[] got = new String[SOURCES];
        final int tasks = 4;
        final List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < tasks; t++) {
            final int first = t;
            fs.add(pool.submit(() -> {
                for (int i = first; i < SOURCES; i += tasks) {
                    got[i] = through(source(i), vip, port);
                }
                return null;
            }));
        }
        for (final Future<?> f : fs) {
            f.get(150, TimeUnit.SECONDS);
        }
        return got;
    }

    private String through(final InetAddress src, final InetAddress vip, final int port) throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try (Socket s = new Socket()) {
                s.setSoTimeout(10_000);
                s.bind(new InetSocketAddress(src, 0));
                s.connect(new InetSocketAddress(vip, port), 10_000);
                final String name = line(s.getInputStream());
                if (!name.isEmpty()) {
                    return name;
                }
                last = new IOException("connection from " + src + " closed without a server name");
            } catch (final IOException e) {
                last = e;
            }
            retries.incrementAndGet();
        }
        throw new IOException("source " + src.getHostAddress() + " -> " + vip.getHostAddress() + ":" + port, last);
    }

    private static String rules(final String vip, final int port, final int[] backendPorts) {
        final StringBuilder sb = new StringBuilder("-A -t " + vip + ":" + port + " -s mh\n");
        for (final int b : backendPorts) {
            sb.append("-a -t ").append(vip).append(':').append(port).append(" -r 127.0.0.1:").append(b)
                .append(" -m -w 1\n");
        }
        return sb.toString();
    }

    @Test
    void threeDirectorsAgreeOnEveryFlowBeforeAndAfterAServerDies(@TempDir final Path dir) throws Exception {
        final ServerSocket[] backends = new ServerSocket[SERVERS];
        final int[] ports = new int[SERVERS];
        final String[] nameOfPort = new String[65536];
        for (int i = 0; i < SERVERS; i++) {
            backends[i] = named("s" + (i + 1));
            ports[i] = backends[i].getLocalPort();
            nameOfPort[ports[i]] = "s" + (i + 1);
        }
        final int vport = freePort();
        // the same rules on every director but for the VIP: three directors on one host cannot share an address and
        // port without SO_REUSEPORT sharing, and mh does not hash the virtual address
        final String[] vips = {"127.0.1.1", "127.0.1.2", "127.0.1.3"};
        final List<ChildJvm> directors = new ArrayList<>();
        final InetSocketAddress[] admins = new InetSocketAddress[vips.length];
        for (int d = 0; d < vips.length; d++) {
            final Path rules = dir.resolve("rules" + d);
            Files.writeString(rules, rules(vips[d], vport, ports));
            final ChildJvm c = new ChildJvm("director" + d, dir, "io.jlvs.examples.Main", "run", "--rules",
                rules.toString(), "--event-loops", "1", "--admin", "127.0.0.1:0", "--admin-level", "admin",
                "--drain", "1");
            closeables.add(c);
            directors.add(c);
        }
        for (int d = 0; d < vips.length; d++) {
            final Matcher m = directors.get(d).await(ADMIN, 60);
            admins[d] = new InetSocketAddress(m.group(1), Integer.parseInt(m.group(2)));
        }

        // what a director computes from the rules alone, with no sockets
        final LoadBalancer model = LoadBalancer.builder().rules(rules(vips[0], vport, ports)).build();
        final ServiceKey key = ServiceKey.tcp(vips[0], vport);
        final String[] predicted = predict(model, key, vips[0], vport, nameOfPort);

        final ExecutorService pool = Executors.newFixedThreadPool(4 * vips.length);
        closeables.add(pool::shutdownNow);
        final long t0 = System.nanoTime();
        final String[][] before = sweepAll(pool, vips, vport);
        final long t1 = System.nanoTime();
        for (int d = 0; d < vips.length; d++) {
            for (int i = 0; i < SOURCES; i++) {
                assertEquals(predicted[i], before[d][i], "director " + d + ", source " + source(i));
            }
        }

        // s3 dies: its listener closes, and every director takes it out
        final int dead = 2;
        backends[dead].close();
        for (int d = 0; d < vips.length; d++) {
            assertEquals("", ask(admins[d], "-d -t " + vips[d] + ":" + vport + " -r 127.0.0.1:" + ports[dead]));
            assertTrue(!ask(admins[d], "-L -n").contains(":" + ports[dead] + " "), "s3 still listed");
        }
        model.deleteServer(key, InetAddress.getLoopbackAddress(), ports[dead]);
        final String[] predictedAfter = predict(model, key, vips[0], vport, nameOfPort);
        final String[][] after = sweepAll(pool, vips, vport);
        final long t2 = System.nanoTime();

        int onDead = 0;
        int movedSurvivors = 0;
        int predictedSurvivorMoves = 0;
        final String deadName = "s" + (dead + 1);
        for (int i = 0; i < SOURCES; i++) {
            for (int d = 0; d < vips.length; d++) {
                assertEquals(predictedAfter[i], after[d][i], "after the failure: director " + d + ", source "
                    + source(i));
            }
            if (before[0][i].equals(deadName)) {
                onDead++;
                assertTrue(!after[0][i].equals(deadName), "a flow still goes to the dead server");
            } else if (!after[0][i].equals(before[0][i])) {
                movedSurvivors++;
            }
            if (!predicted[i].equals(deadName) && !predictedAfter[i].equals(predicted[i])) {
                predictedSurvivorMoves++;
            }
        }
        final double share = (double) onDead / SOURCES;
        final double moved = (double) (onDead + movedSurvivors) / SOURCES;
        System.out.printf("fleet: %d sources x %d directors, 100 %% agreement before and after; %s had %.2f %% of "
            + "the flows; %.2f %% moved in all, %.2f %% between surviving servers (mh's rebuild: %.2f %%); "
            + "sweeps %.1f s and %.1f s, %d connect retries%n", SOURCES, vips.length, deadName, 100 * share,
            100 * moved, 100.0 * movedSurvivors / SOURCES, 100.0 * predictedSurvivorMoves / SOURCES,
            (t1 - t0) / 1e9, (t2 - t1) / 1e9, retries.get());
        assertEquals(predictedSurvivorMoves, movedSurvivors, "moves between survivors beyond mh's rebuild");
        assertTrue(share > 0.10 && share < 0.30, "one of 5 servers' share: " + share);
        assertTrue(moved <= share + 0.05, "moved " + moved + " vs the dead server's share " + share);
    }

    private String[][] sweepAll(final ExecutorService pool, final String[] vips, final int vport) throws Exception {
        final List<Future<String[]>> fs = new ArrayList<>();
        final ExecutorService each = Executors.newFixedThreadPool(vips.length);
        for (final String v : vips) {
            final InetAddress vip = Addresses.parseLiteral(v);
            fs.add(each.submit(() -> sweep(pool, vip, vport)));
        }
        each.shutdown();
        final String[][] r = new String[vips.length][];
        for (int d = 0; d < vips.length; d++) {
            r[d] = fs.get(d).get(160, TimeUnit.SECONDS);
        }
        return r;
    }

    private static String[] predict(final LoadBalancer model, final ServiceKey key, final String vip, final int vport,
        final String[] nameOfPort) {
        final String[] p = new String[SOURCES];
        final InetAddress v = Addresses.parseLiteral(vip);
        for (int i = 0; i < SOURCES; i++) {
            final RealServer r = model.services().service(key).schedule(Flows.of(Protocol.TCP, source(i), 40000, v,
                vport));
            p[i] = nameOfPort[r.port()];
        }
        return p;
    }
}
