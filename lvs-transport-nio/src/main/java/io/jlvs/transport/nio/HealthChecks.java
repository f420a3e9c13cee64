package io.jlvs.transport.nio;

import io.jlvs.core.health.CheckResult;
import io.jlvs.core.health.HealthCheckScheduler;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.time.Ticker;
import io.jlvs.scheduler.Schedulers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Health checking for the NIO engine: one thread with its own selector runs every service's checks, so no event
 * loop ever waits for a probe. What is checked when, timeouts, rise/fall and slow start are the transport-neutral
 * {@link HealthCheckScheduler}'s; this class owns the thread and the java.nio sockets of the built-in {@code tcp},
 * {@code http} and {@code udp} probes.
 *
 * A {@link SelectorAgent} (role {@code jlvs-health}), the same shape as the event loops.
 *
 * <p>Thread-safe through its command queue; everything else (the scheduler's state, the probes in flight and their
 * channels) runs on the health thread.
 */
final class HealthChecks extends SelectorAgent implements HealthCheckScheduler.Host {
    private static final Logger LOG = LoggerFactory.getLogger(HealthChecks.class);

    private final NioEngine engine;
    private final Ticker clock;
    private final HealthCheckScheduler scheduler;
    private final List<Probe> inFlight = new ArrayList<>();
    private long now;

    HealthChecks(final NioEngine engine) throws IOException {
        super("jlvs-health");
        this.engine = engine;
        this.clock = engine.runtime.clock();
        this.now = clock.nanoTime();
        this.scheduler = new HealthCheckScheduler(engine.runtime.services(), clock,
            engine.runtime.checkers(), engine.runtime.healthListeners(), this,
            (plain, ctx, window) -> Schedulers.slowStart(plain, ctx, window, 1.0, 0.1));
    }

    @Override
    String deathNote() {
        return "health checks have stopped: servers are no longer marked up or down";
    }

    void begin() {
        scheduler.begin();
        engine.addFailureListener(scheduler::connectFailed);
        start();
    }

    @Override
    void stop() {
        super.stop();
        scheduler.end();
        try {
            join(TimeUnit.SECONDS.toMillis(10));
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void onHealthThread(final Runnable command) {
        execute(command);
    }

    @Override
    public void closeSessionsOf(final RealServer server) {
        for (final EventLoop l : engine.loops) {
            l.execute(() -> l.closeSessionsOf(server));
        }
    }

    @Override
    public void stream(final InetSocketAddress target, final long timeoutNanos, final byte[] request,
        final HealthCheckScheduler.Judge judge, final Consumer<CheckResult> done) {
        new StreamProbe(target, timeoutNanos, request, judge, done);
    }

    @Override
    public void datagram(final InetSocketAddress target, final long timeoutNanos, final byte[] payload,
        final HealthCheckScheduler.Judge judge, final Consumer<CheckResult> done) {
        new DatagramProbe(target, timeoutNanos, payload, judge, done);
    }

    @Override
    int doWork() {
        now = clock.nanoTime();
        final int started = scheduler.run();
        for (int i = inFlight.size() - 1; i >= 0; i--) {
            final Probe p = inFlight.get(i);
            if (now - p.deadline >= 0) {
                p.finish(CheckResult.fail("no answer within " + TimeUnit.NANOSECONDS.toMillis(p.timeout) + " ms"));
            }
        }
        return started;
    }

    @Override
    long idleNs() {
        long wait = scheduler.waitNanos();
        for (final Probe p : inFlight) {
            wait = Math.min(wait, p.deadline - now);
        }
        return wait;
    }

    @Override
    void onReady(final SelectionKey key) {
        final Probe p = (Probe) key.attachment();
        now = clock.nanoTime();
        try {
            p.ready(key);
        } catch (final IOException e) {
            p.finish(CheckResult.fail(describe(e)));
        } catch (final RuntimeException e) {
            p.finish(CheckResult.fail(e.toString()));
        }
    }

    @Override
    void commandFailed(final Throwable e) {
        LOG.warn("health command failed", e);
    }

    @Override
    void onClose() {
        for (final Probe p : new ArrayList<>(inFlight)) {
            p.finish(CheckResult.fail("shutting down"));
        }
        try {
            selector.close();
        } catch (final IOException ignored) {
            // closing
        }
    }

    static String describe(final IOException e) {
        if (e instanceof PortUnreachableException) {
            return "port unreachable";
        }
        final String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m.toLowerCase(Locale.ROOT);
    }

    /** One probe's socket and deadline; confined to the health thread. */
    private abstract class Probe {
        final HealthCheckScheduler.Judge judge;
        final Consumer<CheckResult> done;
        final long started;
        final long deadline;
        final long timeout;
        SelectableChannel channel;
        SelectionKey key;
        private boolean finished;

        Probe(final long timeout, final HealthCheckScheduler.Judge judge, final Consumer<CheckResult> done) {
            this.judge = judge;
            this.done = done;
            this.started = now;
            this.timeout = timeout;
            this.deadline = now + timeout;
            inFlight.add(this);
        }

        abstract void ready(SelectionKey k) throws IOException;

        void judge(final byte[] reply, final int length) {
            finish(judge.judge(reply, length, now - started));
        }

        void finish(final CheckResult r) {
            if (finished) {
                return;
            }
            finished = true;
            inFlight.remove(this);
            if (key != null) {
                key.cancel();
            }
            if (channel != null) {
                try {
                    channel.close();
                } catch (final IOException ignored) {
                    // closing
                }
            }
            done.accept(r);
        }
    }

    /** A TCP probe: connect, then optionally a request out and the answer in until the server closes. */
    private final class StreamProbe extends Probe {
        private final ByteBuffer request;
        private ByteBuffer response;

        StreamProbe(final InetSocketAddress target, final long timeout, final byte[] request,
            final HealthCheckScheduler.Judge judge, final Consumer<CheckResult> done) {
            super(timeout, judge, done);
            this.request = request == null ? null : ByteBuffer.wrap(request);
            try {
                final SocketChannel ch = SocketChannel.open(Families.of(target.getAddress()));
                channel = ch;
                ch.configureBlocking(false);
                if (ch.connect(target)) {
                    key = ch.register(selector, 0, this);
                    connected();
                } else {
                    key = ch.register(selector, SelectionKey.OP_CONNECT, this);
                }
            } catch (final IOException e) {
                finish(CheckResult.fail(describe(e)));
            }
        }

        private void connected() {
            if (request == null) {
                judge(new byte[0], 0);
                return;
            }
            response = ByteBuffer.allocate(HealthCheckScheduler.REPLY_LIMIT);
            key.interestOps(SelectionKey.OP_WRITE);
        }

        @Override
        void ready(final SelectionKey k) throws IOException {
            final SocketChannel ch = (SocketChannel) channel;
            if (k.isConnectable()) {
                if (ch.finishConnect()) {
                    connected();
                }
                return;
            }
            if (k.isWritable()) {
                ch.write(request);
                if (!request.hasRemaining()) {
                    k.interestOps(SelectionKey.OP_READ);
                }
                return;
            }
            if (k.isReadable()) {
                final int n = ch.read(response);
                if (n < 0 || !response.hasRemaining()) {
                    judge(response.array(), response.position());
                }
            }
        }
    }

    /** A UDP probe: one datagram out, the first reply judged. */
    private final class DatagramProbe extends Probe {
        DatagramProbe(final InetSocketAddress target, final long timeout, final byte[] payload,
            final HealthCheckScheduler.Judge judge, final Consumer<CheckResult> done) {
            super(timeout, judge, done);
            try {
                final DatagramChannel ch = DatagramChannel.open(Families.of(target.getAddress()));
                channel = ch;
                ch.configureBlocking(false);
                ch.connect(target);
                key = ch.register(selector, SelectionKey.OP_READ, this);
                ch.write(ByteBuffer.wrap(payload));
            } catch (final IOException e) {
                finish(CheckResult.fail(describe(e)));
            }
        }

        @Override
        void ready(final SelectionKey k) throws IOException {
            final ByteBuffer b = ByteBuffer.allocate(HealthCheckScheduler.REPLY_LIMIT);
            if (((DatagramChannel) channel).read(b) >= 0) {
                judge(b.array(), b.position());
            }
        }
    }
}
