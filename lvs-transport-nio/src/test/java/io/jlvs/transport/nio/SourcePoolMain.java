package io.jlvs.transport.nio;

import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;
import io.jlvs.core.service.RealServer;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The child JVM of {@link SourceAddressPoolNamespaceTest}, run inside a network namespace whose ephemeral port
 * range is 500 ports: an echo backend on 127.0.0.1:9000 (one selector thread, recording the source address of each
 * connection), a director 127.0.0.1:8000 -> 127.0.0.1:9000 (two loops, {@code --source-addresses} from the second
 * argument unless it is {@code none}), and N clients bound to the third argument's address and ports from 20000 (outside the
 * ephemeral range, so only the director's connections to the backend take ephemeral ports), each held open after
 * a 64-byte round trip. Prints {@code FACT key=value} lines for the test to check, then {@code DONE}.
 */
public final class SourcePoolMain {
    private static final int BACKEND_PORT = 9000;
    private static final int VIP_PORT = 8000;

    private SourcePoolMain() {
    }

    /**
     * Runs one scenario.
     *
     * @param args the number of clients, the pool ({@code none} for none), the clients' address (one per run: the
     *     ports of a run before are in TIME_WAIT), and {@code recover} to check that the director serves again
     *     after one connection ends
     * @throws Exception on failure
     */
    public static void main(final String[] args) throws Exception {
        final int n = Integer.parseInt(args[0]);
        final String pool = args[1];
        final InetAddress clientAddress = InetAddress.getByName(args[2]);
        final boolean recover = args.length > 3 && args[3].equals("recover");
        final EchoBackend backend = new EchoBackend();
        final VirtualServiceConfig.Builder svc = VirtualServiceConfig.builder(ServiceKey.tcp("127.0.0.1", VIP_PORT));
        if (!pool.equals("none")) {
            svc.option("source-addresses", pool);
        }
        final LoadBalancer lb = LoadBalancer.builder().eventLoops(2).connectTimeout(Duration.ofSeconds(10))
            .transport(new NioTransport()).service(svc.build(), RealServerConfig.builder("127.0.0.1", BACKEND_PORT)
                .build()).build().start();
        final List<Socket> held = new ArrayList<>();
        final List<String> failures = new ArrayList<>();
        int ok = 0;
        for (int i = 0; i < n; i++) {
            final Socket s = new Socket();
            held.add(s);
            final String r = roundTrip(s, clientAddress, 20000 + i, i);
            if (r == null) {
                ok++;
            } else {
                failures.add(i + ":" + r);
            }
        }
        System.out.println("FACT ok=" + ok);
        System.out.println("FACT failures=" + failures);
        report(lb, backend);
        if (recover) {
            // one connection ends with a reset (no TIME_WAIT on the director's port); once the backend saw it, the
            // director's port is free again and a new client must be served
            final int before = backend.open.get();
            final Socket first = held.get(0);
            first.setSoLinger(true, 0);
            first.close();
            await(() -> backend.open.get() == before - 1);
            await(() -> lb.liveConnections() == before - 1);
            final Socket again = new Socket();
            held.add(again);
            final String r = roundTrip(again, clientAddress, 20000 + n, n);
            System.out.println("FACT recovered=" + (r == null ? "yes" : r));
            report(lb, backend);
        }
        System.out.println("FACT health=" + lb.health().healthy());
        for (final Socket s : held) {
            s.close();
        }
        lb.close(Duration.ZERO);
        backend.close();
        System.out.println("DONE");
        System.out.flush();
        System.exit(0);
    }

    private static void report(final LoadBalancer lb, final EchoBackend backend) {
        final Map<String, Long> c = lb.counters();
        final RealServer server = lb.services().service(ServiceKey.tcp("127.0.0.1", VIP_PORT)).servers().get(0);
        System.out.println("FACT local_port_exhausted=" + c.get("local_port_exhausted"));
        System.out.println("FACT connect_failures=" + c.get("connect_failures"));
        System.out.println("FACT redispatches=" + c.get("redispatches"));
        System.out.println("FACT server_connect_failures=" + server.connectFailuresTotal());
        System.out.println("FACT live=" + lb.liveConnections());
        System.out.println("FACT listing_rows=" + lb.connections().size());
        System.out.println("FACT backend_accepted=" + backend.accepted.get());
        System.out.println("FACT backend_sources=" + new TreeMap<>(backend.sources));
    }

    /** Null when 64 bytes went through the director and came back unchanged, else what happened. */
    private static String roundTrip(final Socket s, final InetAddress from, final int port, final int seed) {
        try {
            s.bind(new InetSocketAddress(from, port));
            s.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), VIP_PORT), 10_000);
            s.setSoTimeout(30_000);
            final byte[] out = new byte[64];
            Arrays.fill(out, (byte) seed);
            out[0] = (byte) (seed >> 8);
            s.getOutputStream().write(out);
            final byte[] in = new byte[64];
            final InputStream is = s.getInputStream();
            int got = 0;
            while (got < in.length) {
                final int r = is.read(in, got, in.length - got);
                if (r < 0) {
                    return "eof after " + got + " bytes";
                }
                got += r;
            }
            return Arrays.equals(in, out) ? null : "bytes changed";
        } catch (final IOException e) {
            return e.getClass().getSimpleName() + " " + e.getMessage();
        }
    }

    private static void await(final BooleanSupplier condition) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("timed out");
            }
            Thread.sleep(5);
        }
    }

    /** An echo server on one selector thread (thousands of connections without thousands of threads). */
    private static final class EchoBackend implements AutoCloseable {
        final AtomicInteger accepted = new AtomicInteger();
        final AtomicInteger open = new AtomicInteger();
        final Map<String, Integer> sources = new ConcurrentHashMap<>();
        private final ServerSocketChannel server;
        private final Selector selector;
        private final Thread thread;
        private volatile boolean closed;

        EchoBackend() throws IOException {
            server = ServerSocketChannel.open();
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            server.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), BACKEND_PORT), 4096);
            server.configureBlocking(false);
            selector = Selector.open();
            server.register(selector, SelectionKey.OP_ACCEPT);
            thread = new Thread(this::run, "echo-backend");
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            final ByteBuffer buf = ByteBuffer.allocate(4096);
            while (!closed) {
                try {
                    selector.select(100);
                    for (final SelectionKey k : selector.selectedKeys()) {
                        if (k.isAcceptable()) {
                            for (SocketChannel c = server.accept(); c != null; c = server.accept()) {
                                c.configureBlocking(false);
                                c.register(selector, SelectionKey.OP_READ);
                                accepted.incrementAndGet();
                                open.incrementAndGet();
                                sources.merge(((InetSocketAddress) c.getRemoteAddress()).getAddress()
                                    .getHostAddress(), 1, Integer::sum);
                            }
                        } else if (k.isReadable()) {
                            final SocketChannel c = (SocketChannel) k.channel();
                            buf.clear();
                            int r;
                            try {
                                r = c.read(buf);
                            } catch (final IOException e) {
                                r = -1;
                            }
                            if (r < 0) {
                                k.cancel();
                                c.close();
                                open.decrementAndGet();
                            } else if (r > 0) {
                                buf.flip();
                                c.write(buf); // 64 bytes at a time: the socket buffer takes them
                            }
                        }
                    }
                    selector.selectedKeys().clear();
                } catch (final IOException e) {
                    System.out.println("FACT backend_error=" + e);
                    return;
                }
            }
        }

        @Override
        public void close() throws IOException {
            closed = true;
            try {
                thread.join(10_000);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            selector.close();
            server.close();
        }
    }
}
