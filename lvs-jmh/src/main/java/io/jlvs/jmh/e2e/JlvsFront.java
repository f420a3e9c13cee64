package io.jlvs.jmh.e2e;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.net.Protocol;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.transport.Transport;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;

import jdk.jfr.Configuration;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;

/**
 * JLVS as a front in a process of its own. Prints {@code ready} once it forwards ({@code ready udp-unsupported: WHY}
 * when the transport does not carry UDP, {@link Transport#supports}: then only the TCP services are opened); on the
 * line {@code heap} prints the heap in use after a full collection and the live connections; on
 * {@code profile-start} starts a JFR recording with the JDK's {@code profile} settings (what
 * {@code -XX:StartFlightRecording:settings=profile} records) and prints {@code profiling}; on
 * {@code profile-stop BASE} stops it, writes {@code BASE.jfr} and its {@link JfrSummary} as {@code BASE.txt}, and
 * prints {@code profiled CPU_SAMPLES NATIVE_SAMPLES CPU_TIME_SAMPLES} (the last
 * from JDK 25's CPU-time sampler, enabled at one sample per 2 ms of a thread's CPU time where the JDK has it, else 0); stops when standard input closes. Standard input is read by the
 * main thread alone.
 *
 * <p>Usage: {@code JlvsFront --front-base F --backend-base B --loops N [--tcp 0,1] [--udp 2] [--transport NAME]
 * [--buffer BYTES]}: a TCP service on {@code F+k} to {@code B+k} for each offset {@code k} of {@code --tcp}, and a
 * UDP one for each of {@code --udp}, one real server each (rr). {@code --transport} picks the forwarding engine by
 * its {@link Transport#name()} among those on the class path (ServiceLoader); when none has that name the front
 * exits with status 2 and a message naming the ones there are, so a front of a transport that is not built yet
 * fails to start instead of measuring another. The older positional form {@code F B N [BYTES]} means
 * {@code --tcp 0,1 --udp 2}.
 */
public final class JlvsFront {
    private JlvsFront() {
    }

    private static int[] offsets(final String option, final String list) {
        if (list.isBlank()) {
            return new int[0];
        }
        final String[] t = list.split(",");
        final int[] v = new int[t.length];
        for (int i = 0; i < t.length; i++) {
            try {
                v[i] = Integer.parseInt(t[i].trim());
            } catch (final NumberFormatException e) {
                throw new IllegalArgumentException(option + ": '" + t[i]
                    + "' is not a port offset (expected e.g. 0,1,3)");
            }
        }
        return v;
    }

    /**
     * Finds a transport by name on the class path.
     *
     * @param name the name, for example {@code nio}
     * @return the transport
     * @throws IllegalArgumentException if no transport on the class path has that name
     */
    static Transport transport(final String name) {
        final List<String> there = new ArrayList<>();
        for (final Transport t : ServiceLoader.load(Transport.class, JlvsFront.class.getClassLoader())) {
            if (t.name().equals(name)) {
                return t;
            }
            there.add(t.name());
        }
        throw new IllegalArgumentException("--transport " + name + ": no such transport on the class path (there "
            + (there.isEmpty() ? "is none" : "is " + String.join(", ", there)) + ")");
    }

    /**
     * Runs the front.
     *
     * @param args the options above
     * @throws Exception on failure
     */
    public static void main(final String[] args) throws Exception {
        int front = -1;
        int back = -1;
        int loops = 1;
        int buffer = -1;
        int[] tcp = {0, 1};
        int[] udp = {2};
        String transport = null;
        try {
            if (args.length > 0 && !args[0].startsWith("--")) {
                front = Integer.parseInt(args[0]);
                back = Integer.parseInt(args[1]);
                loops = Integer.parseInt(args[2]);
                if (args.length > 3) {
                    buffer = Integer.parseInt(args[3]);
                }
            } else {
                for (int i = 0; i < args.length; i++) {
                    final String o = args[i];
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException(o + ": missing value");
                    }
                    final String v = args[++i];
                    switch (o) {
                        case "--front-base" -> front = Integer.parseInt(v);
                        case "--backend-base" -> back = Integer.parseInt(v);
                        case "--loops" -> loops = Integer.parseInt(v);
                        case "--buffer" -> buffer = Integer.parseInt(v);
                        case "--tcp" -> tcp = offsets(o, v);
                        case "--udp" -> udp = offsets(o, v);
                        case "--transport" -> transport = v;
                        default -> throw new IllegalArgumentException("unknown option " + o + " (expected "
                            + "--front-base, --backend-base, --loops, --buffer, --tcp, --udp, --transport)");
                    }
                }
            }
            if (front <= 0 || back <= 0) {
                throw new IllegalArgumentException("--front-base and --backend-base are required");
            }
        } catch (final IllegalArgumentException e) {
            System.err.println("JlvsFront: " + e.getMessage());
            System.exit(2);
            return;
        }
        final LoadBalancer.Builder b = LoadBalancer.builder().eventLoops(loops).drainTimeout(Duration.ofSeconds(1));
        String udpUnsupported = null;
        if (transport != null) {
            try {
                final Transport t = transport(transport);
                b.transport(t);
                if (udp.length > 0 && !t.supports(Protocol.UDP)) {
                    udpUnsupported = "the " + t.name() + " transport does not carry UDP";
                    udp = new int[0];
                }
            } catch (final IllegalArgumentException e) {
                System.err.println("JlvsFront: " + e.getMessage());
                System.exit(2);
                return;
            }
        }
        b.options().maxPooledBuffers(64);
        if (buffer > 0) {
            b.bufferSize(buffer);
        }
        for (final int k : tcp) {
            b.service(VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", front + k)).scheduler("rr").build(),
                RealServerConfig.builder("127.0.0.1", back + k).build());
        }
        for (final int k : udp) {
            b.service(VirtualServiceConfig.builder(ServiceKey.udp("127.0.0.1", front + k)).scheduler("rr").build(),
                RealServerConfig.builder("127.0.0.1", back + k).build());
        }
        b.timeouts(0, 0, 30);
        final LoadBalancer lb = b.build().start();
        System.out.println(udpUnsupported == null ? "ready" : "ready udp-unsupported: " + udpUnsupported);
        System.out.flush();
        final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        Recording recording = null;
        for (String l = in.readLine(); l != null; l = in.readLine()) {
            if (l.equals("profile-start")) {
                if (recording != null) {
                    recording.close();
                }
                recording = new Recording(Configuration.getConfiguration("profile"));
                if (FlightRecorder.getFlightRecorder().getEventTypes().stream()
                    .anyMatch(t -> t.getName().equals(JfrSummary.CPU_TIME))) {
                    // JDK 25+: samples per CPU time, native code included (off in the profile settings)
                    recording.enable(JfrSummary.CPU_TIME).with("throttle", "2ms");
                }
                recording.setName("jlvs-bench");
                recording.setToDisk(true);
                recording.start();
                System.out.println("profiling");
                System.out.flush();
            } else if (l.startsWith("profile-stop ") && recording != null) {
                final String base = l.substring("profile-stop ".length());
                final Path jfr = Path.of(base + ".jfr");
                recording.stop();
                recording.dump(jfr);
                recording.close();
                recording = null;
                // this thread only reads the commands and starts JFR (whose class instrumentation it then runs)
                final JfrSummary.Counts[] c = JfrSummary.read(jfr, Set.of(Thread.currentThread().getName()));
                Files.writeString(Path.of(base + ".txt"), JfrSummary.render(jfr.getFileName().toString() + " ("
                    + (transport == null ? "default" : transport) + " transport, " + loops + " event loop"
                    + (loops == 1 ? "" : "s") + ", " + System.getProperty("java.vm.name") + " "
                    + System.getProperty("java.version") + "; samples of the front's control thread '"
                    + Thread.currentThread().getName() + "' left out)", c, 15));
                System.out.println("profiled " + c[0].samples() + " " + c[1].samples() + " " + c[2].samples());
                System.out.flush();
            } else if (l.startsWith("profile-stop ")) {
                System.out.println("profiled none: no recording was started");
                System.out.flush();
            } else if (l.equals("heap")) {
                long best = Long.MAX_VALUE;
                for (int i = 0; i < 5; i++) {
                    System.gc();
                    Thread.sleep(100);
                    best = Math.min(best, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
                }
                System.out.println("heap " + best + " live " + lb.liveConnections());
                System.out.flush();
            }
        }
        if (recording != null) {
            recording.close();
        }
        lb.close(Duration.ZERO);
    }
}
