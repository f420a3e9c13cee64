package io.jlvs.jmh;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

/**
 * The director of {@link ConnectionMemory}, a process of its own: one TCP service on {@code 127.0.0.1:FRONT}
 * (round robin) to one real server {@code 127.0.0.1:BACKEND}, with the default {@code DirectorOptions} (what
 * {@code jlvs run} uses), the given number of event loops and transport ({@code nio} or {@code epoll}: a named transport
 * that cannot run here fails the start with the reason), and, with {@code share}, {@code --reuse-port-share}
 * (SO_REUSEPORT: several director processes hold the same VIP:port and the kernel spreads the connections). Prints
 * {@code ready PID TRANSPORT} (the engine that runs), then answers lines on standard input:
 * <ul>
 *   <li>{@code measure}: full collections (the smallest heap in use after five), then one line
 *   {@code measure heap=B direct=B directCount=N rss=KB rssAnon=KB fds=N live=N};</li>
 *   <li>{@code sample}: the same line without collecting ({@code heap} is then the heap in use at that moment).</li>
 * </ul>
 * It stops when standard input closes.
 *
 * <p>Not thread-safe: the main thread reads commands; the director runs on its own threads.
 */
public final class MemoryDirector {
    private MemoryDirector() {
    }

    /**
     * Runs the director.
     *
     * @param args front port, backend port, event loops, optionally the transport ({@code nio} by default) and
     *     {@code share} (SO_REUSEPORT on the front port)
     * @throws Exception on failure
     */
    public static void main(final String[] args) throws Exception {
        final int front = Integer.parseInt(args[0]);
        final int back = Integer.parseInt(args[1]);
        final int loops = Integer.parseInt(args[2]);
        final String transport = args.length > 3 ? args[3] : "nio";
        final boolean share = args.length > 4 && args[4].equals("share");
        final LoadBalancer lb = LoadBalancer.builder().eventLoops(loops).drainTimeout(Duration.ofSeconds(1))
            .transport(transport).reusePortShare(share)
            .service(VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", front)).scheduler("rr").build(),
                RealServerConfig.builder("127.0.0.1", back).build())
            .build().start();
        System.out.println("ready " + ProcessHandle.current().pid() + " " + lb.transportName());
        System.out.flush();
        final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        for (String l = in.readLine(); l != null; l = in.readLine()) {
            if (l.equals("measure") || l.equals("sample")) {
                final long heap = l.equals("measure") ? usedAfterGc() : ManagementFactory.getMemoryMXBean()
                    .getHeapMemoryUsage().getUsed();
                long direct = 0;
                long directCount = 0;
                for (final BufferPoolMXBean p : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
                    if (p.getName().equals("direct")) {
                        direct = p.getMemoryUsed();
                        directCount = p.getCount();
                    }
                }
                System.out.println("measure heap=" + heap + " direct=" + direct + " directCount=" + directCount
                    + " rss=" + status("VmRSS:") + " rssAnon=" + status("RssAnon:") + " fds=" + fds() + " live="
                    + lb.liveConnections());
                System.out.flush();
            }
        }
        lb.close(Duration.ZERO);
    }

    static long usedAfterGc() throws InterruptedException {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(100);
            best = Math.min(best, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return best;
    }

    /** A {@code /proc/self/status} field in kB, -1 when absent. */
    static long status(final String field) throws IOException {
        for (final String s : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (s.startsWith(field)) {
                return Long.parseLong(s.substring(field.length()).replace("kB", "").trim());
            }
        }
        return -1;
    }

    private static long fds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }
}
