package io.jlvs.examples.sync;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.Extensions;
import io.jlvs.core.rules.RulesException;
import io.jlvs.core.service.VirtualService;
import io.jlvs.examples.AdminCommands;
import io.jlvs.examples.AdminServer;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * A standalone director with state sync, until {@code jlvs run} takes the sync options itself:
 * {@code java -cp jlvs.jar io.jlvs.examples.sync.SyncMain --rules FILE [--event-loops N] [--admin HOST:PORT]
 * --sync master|backup [--sync-id N] [--sync-peers ADDR:PORT,...|--sync-group ADDR:PORT] [--sync-listen ADDR:PORT]
 * [--sync-interval MS] [--sync-dead-interval SECONDS] [--sync-mtu BYTES] [--sync-rate N]}. A master starts its
 * services at once; a backup only when it takes over. Runs until killed.
 *
 * <p>Not thread-safe (a program).
 */
public final class SyncMain {
    private SyncMain() {
    }

    /**
     * Runs the director.
     *
     * @param args the options
     */
    public static void main(final String[] args) {
        final int status = run(args, System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    static int run(final String[] args, final PrintStream out, final PrintStream err) {
        String rules = null;
        int loops = 0;
        InetSocketAddress admin = null;
        final SyncDaemon.Builder sync = SyncDaemon.builder();
        try {
            for (int i = 0; i < args.length; i++) {
                final String a = args[i];
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(a + " needs a value");
                }
                final String v = args[++i];
                switch (a) {
                    case "--rules":
                        rules = v;
                        break;
                    case "--event-loops":
                        loops = Integer.parseInt(v);
                        break;
                    case "--admin":
                        admin = Extensions.endpoint(v, true);
                        if (admin == null) {
                            throw new IllegalArgumentException("--admin " + v + ": expected a numeric HOST:PORT");
                        }
                        break;
                    default:
                        sync.option(a, v);
                }
            }
            if (rules == null) {
                throw new IllegalArgumentException("--rules FILE is required");
            }
            sync.settings();
        } catch (final IllegalArgumentException e) {
            err.println("sync: " + e.getMessage());
            return 2;
        }
        final LoadBalancer lb;
        try {
            final LoadBalancer.Builder b = LoadBalancer.builder().rules(Files.readString(Path.of(rules),
                StandardCharsets.UTF_8)).drainTimeout(Duration.ofSeconds(1));
            if (loops > 0) {
                b.eventLoops(loops);
            }
            lb = b.build();
        } catch (final RulesException e) {
            for (final String m : e.errors()) {
                err.println(rules + ": " + m);
            }
            return 2;
        } catch (final IOException e) {
            err.println("sync: " + rules + ": " + e.getMessage());
            return 2;
        }
        try {
            final SyncDaemon.Settings s = sync.settings();
            if (s.role() == SyncDaemon.Role.MASTER) {
                lb.start();
                printListening(lb, out);
            }
            final SyncDaemon d = sync.start(lb);
            if (d.backup() != null) {
                d.backup().onTakeover(() -> {
                    out.println("took over");
                    printListening(lb, out);
                });
                out.println("sync backup id " + s.syncId() + " on " + d.backup().address().getAddress()
                    .getHostAddress() + ":" + d.backup().address().getPort() + ", standing by");
            } else {
                out.println("sync master id " + s.syncId() + " sending to " + (s.group() != null ? s.group()
                    : s.peers()));
            }
            if (admin != null) {
                final AdminServer server = new AdminServer(admin, new AdminCommands(lb));
                out.println("admin socket on " + server.address().getAddress().getHostAddress() + ":"
                    + server.address().getPort());
            }
            out.flush();
            new CountDownLatch(1).await();
            return 0;
        } catch (final IOException | IllegalStateException e) {
            err.println("sync: " + e.getMessage());
            lb.close(Duration.ZERO);
            return 1;
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    private static void printListening(final LoadBalancer lb, final PrintStream out) {
        for (final VirtualService s : lb.services().services()) {
            out.println("listening on " + s.key() + " (" + s.config().scheduler() + ", " + s.members().size()
                + " real servers)");
        }
        out.flush();
    }
}
