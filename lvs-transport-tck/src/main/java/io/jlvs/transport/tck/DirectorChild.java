package io.jlvs.transport.tck;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.reflect.Constructor;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The program the suite runs in a child JVM for its file-descriptor test: a director built with the transport of
 * the suite subclass named on the command line, forwarding one TCP service to one real server, driven by commands
 * on standard input. Not for applications.
 *
 * <p>Commands (one per line) and answers:
 * <ul>
 * <li>{@code FILL [k]}: opens {@code /dev/null} until the process is out of file descriptors, then closes
 * {@code k} of them (default 0) so that exactly {@code k} are free; {@code FILLED n} (n held)</li>
 * <li>{@code RELEASE}: closes what {@code FILL} opened; {@code RELEASED n}</li>
 * <li>{@code COUNTERS}: {@code COUNTERS live=L accepted=A accept_pauses=P}</li>
 * <li>{@code EXIT} (or the end of input): closes the director; {@code BYE}, exit status 0</li>
 * </ul>
 * At start it prints {@code READY port} once the director listens on {@code 127.0.0.1:port}.
 *
 * <p>Single-threaded: the main thread owns everything.
 */
public final class DirectorChild {
    /** Back-off the child's director uses after EMFILE. */
    static final Duration ACCEPT_BACKOFF = Duration.ofMillis(100);

    private DirectorChild() {
    }

    /**
     * Runs the child.
     *
     * @param args the suite subclass's name and the real server's port on 127.0.0.1
     * @throws Exception anything that stops the child (it exits non-zero)
     */
    public static void main(final String[] args) throws Exception {
        final Class<?> suiteClass = Class.forName(args[0]);
        final Constructor<?> ctor = suiteClass.getDeclaredConstructor();
        ctor.setAccessible(true);
        final TransportConformanceSuite suite = (TransportConformanceSuite) ctor.newInstance();
        final int backendPort = Integer.parseInt(args[1]);
        final LoadBalancer lb = Ports.startTcp(port -> {
            final LoadBalancer.Builder b = LoadBalancer.builder().transport(suite.transport()).eventLoops(1)
                .drainTimeout(Duration.ofSeconds(1));
            b.options().acceptBackoff(ACCEPT_BACKOFF);
            suite.configure(b);
            return b.service(VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", port)).scheduler("rr").build(),
                RealServerConfig.builder("127.0.0.1", backendPort).build()).build();
        });
        final int port = lb.listening().get(0).getPort();
        final List<FileChannel> fillers = new ArrayList<>();
        counters(lb); // load what COUNTERS needs while descriptors are plenty
        System.out.println("READY " + port);
        System.out.flush();
        final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String cmd = in.readLine(); cmd != null && !cmd.equals("EXIT"); cmd = in.readLine()) {
            final String[] words = cmd.trim().split(" ");
            switch (words[0]) {
                case "FILL":
                    fill(fillers);
                    for (int k = words.length > 1 ? Integer.parseInt(words[1]) : 0; k > 0; k--) {
                        fillers.remove(fillers.size() - 1).close();
                    }
                    System.out.println("FILLED " + fillers.size());
                    break;
                case "RELEASE":
                    final int n = fillers.size();
                    for (final FileChannel f : fillers) {
                        f.close();
                    }
                    fillers.clear();
                    System.out.println("RELEASED " + n);
                    break;
                case "COUNTERS":
                    System.out.println(counters(lb));
                    break;
                default:
                    System.out.println("ERROR unknown command '" + cmd + "' (expected FILL, RELEASE, COUNTERS, EXIT)");
            }
            System.out.flush();
        }
        for (final FileChannel f : fillers) {
            f.close();
        }
        lb.close(Duration.ZERO);
        System.out.println("BYE");
        System.out.flush();
    }

    private static String counters(final LoadBalancer lb) {
        final Map<String, Long> c = lb.counters();
        return "COUNTERS live=" + lb.liveConnections() + " accepted=" + c.get("accepted") + " accept_pauses="
            + c.get("accept_pauses");
    }

    private static void fill(final List<FileChannel> fillers) throws IOException {
        final Path devNull = Path.of("/dev/null");
        for (int i = 0; i < 1_000_000; i++) {
            try {
                fillers.add(FileChannel.open(devNull, StandardOpenOption.READ));
            } catch (final IOException e) {
                if (String.valueOf(e.getMessage()).contains("Too many open files")) {
                    return;
                }
                throw e;
            }
        }
        throw new IllegalStateException("opened 1,000,000 descriptors without running out: no limit applies");
    }
}
