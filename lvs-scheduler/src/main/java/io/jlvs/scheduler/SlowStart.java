package io.jlvs.scheduler;

import io.jlvs.core.sched.Explanation;
import io.jlvs.core.sched.Flow;
import io.jlvs.core.sched.Scheduler;
import io.jlvs.core.sched.ServerView;
import io.jlvs.core.sched.WeightScaling;
import io.jlvs.core.sched.ServerListView;
import io.jlvs.core.time.Ticker;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Slow start, a decorator for any weighted scheduler: a server that becomes available (added, or its weight raised
 * from 0) starts at a fraction of its weight that grows over a window, as Envoy's slow start does:
 * {@code factor = max(minFactor, (elapsed / window)^(1 / aggression))}, until it reaches 1. The factor is applied
 * through {@link WeightScaling#weightFactor(double)} (a server view that does not offer it is not
 * ramped) and the delegate's update hook, at most once per update interval,
 * from inside a pick; that refresh takes a try-lock shared with the hooks and skips the refresh when the lock is
 * busy, so a pick never waits. Servers present at {@link #init} do not ramp. Hashing schedulers ({@code mh},
 * {@code ring}) would remap keys as weights move; use it with {@code wrr}, {@code swrr}, {@code wlc}, {@code p2c}
 * and the like.
 *
 * <p>Thread-safe; picks are lock-free (a try-lock is never waited on) and allocate nothing.
 */
public final class SlowStart implements Scheduler {
    private final Scheduler delegate;
    private final Ticker clock;
    private final long windowNs;
    private final double aggression;
    private final double minFactor;
    private final long intervalNs;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile Map<ServerView, Long> ramping = new IdentityHashMap<>();
    private final Map<ServerView, Integer> lastConfigured = new IdentityHashMap<>();
    private volatile long nextUpdateNs;
    private volatile ServerListView servers = ServerListView.EMPTY;

    /**
     * Wraps a scheduler.
     *
     * @param delegate the weighted scheduler, not yet initialised
     * @param clock the clock
     * @param windowNs how long a ramp lasts, in nanoseconds (&gt; 0)
     * @param aggression the ramp's curve: 1 is linear, higher ramps faster early (&gt; 0)
     * @param minFactor the factor a ramp starts from, in (0, 1]
     */
    public SlowStart(final Scheduler delegate, final Ticker clock, final long windowNs, final double aggression,
        final double minFactor) {
        if (windowNs <= 0) {
            throw new IllegalArgumentException("window: " + windowNs + " ns (expected: > 0)");
        }
        if (!(aggression > 0) || Double.isInfinite(aggression)) {
            throw new IllegalArgumentException("aggression: " + aggression + " (expected: > 0)");
        }
        if (!(minFactor > 0 && minFactor <= 1)) {
            throw new IllegalArgumentException("minFactor: " + minFactor + " (expected: (0, 1])");
        }
        this.delegate = delegate;
        this.clock = clock;
        this.windowNs = windowNs;
        this.aggression = aggression;
        this.minFactor = minFactor;
        this.intervalNs = Math.max(1_000_000L, windowNs / 20);
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public ServerListView servers() {
        return servers;
    }

    /**
     * The scheduler this one decorates.
     *
     * @return the delegate
     */
    public Scheduler delegate() {
        return delegate;
    }

    @Override
    public void init(final ServerListView list) {
        lock.lock();
        try {
            servers = list;
            for (int i = 0; i < list.size(); i++) {
                lastConfigured.put(list.get(i), list.get(i).configuredWeight());
            }
            delegate.init(list);
        } finally {
            lock.unlock();
        }
    }

    private void startRamp(final ServerView s, final long now) {
        final Map<ServerView, Long> m = new IdentityHashMap<>(ramping);
        m.put(s, now);
        ramping = m;
        scale(s, factor(0));
        if (nextUpdateNs - now > intervalNs || m.size() == 1) {
            nextUpdateNs = now + intervalNs;
        }
    }

    private void stopRamp(final ServerView s) {
        if (ramping.containsKey(s)) {
            final Map<ServerView, Long> m = new IdentityHashMap<>(ramping);
            m.remove(s);
            ramping = m;
        }
    }

    private static void scale(final ServerView s, final double factor) {
        if (s instanceof WeightScaling w) {
            w.weightFactor(factor);
        }
    }

    double factor(final long elapsedNs) {
        final double t = Math.min(1.0, Math.max(0.0, (double) elapsedNs / windowNs));
        return Math.min(1.0, Math.max(minFactor, Math.pow(t, 1.0 / aggression)));
    }

    @Override
    public void onServerAdded(final ServerListView list, final ServerView server) {
        lock.lock();
        try {
            servers = list;
            lastConfigured.put(server, server.configuredWeight());
            if (server.configuredWeight() > 0) {
                startRamp(server, clock.nanoTime());
            }
            delegate.onServerAdded(list, server);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void onServerRemoved(final ServerListView list, final ServerView server, final int formerIndex) {
        lock.lock();
        try {
            servers = list;
            lastConfigured.remove(server);
            stopRamp(server);
            scale(server, 1.0);
            delegate.onServerRemoved(list, server, formerIndex);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void onServerUpdated(final ServerListView list, final ServerView server) {
        lock.lock();
        try {
            servers = list;
            final Integer before = lastConfigured.put(server, server.configuredWeight());
            if ((before == null || before == 0) && server.configuredWeight() > 0) {
                startRamp(server, clock.nanoTime());
            }
            delegate.onServerUpdated(list, server);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void done() {
        delegate.done();
    }

    @Override
    public void observeLatency(final ServerView server, final long latencyNanos) {
        delegate.observeLatency(server, latencyNanos);
    }

    @Override
    public Explanation explain(final Flow flow) {
        refresh(clock.nanoTime());
        return Explanation.of(this, flow);
    }

    @Override
    public ServerView schedule(final Flow flow) {
        if (!ramping.isEmpty()) {
            final long now = clock.nanoTime();
            if (now - nextUpdateNs >= 0) {
                refresh(now);
            }
        }
        return delegate.schedule(flow);
    }

    /**
     * Moves the ramps forward now, as a pick does (at most once per update interval): for a data path that decides
     * outside this scheduler, such as the kernel data path, which has no picks to drive them.
     */
    public void refreshNow() {
        if (!ramping.isEmpty()) {
            final long now = clock.nanoTime();
            if (now - nextUpdateNs >= 0) {
                refresh(now);
            }
        }
    }

    private void refresh(final long now) {
        if (!lock.tryLock()) {
            return;
        }
        try {
            nextUpdateNs = now + intervalNs;
            final Map<ServerView, Long> m = ramping;
            if (m.isEmpty()) {
                return;
            }
            Map<ServerView, Long> next = null;
            for (final Map.Entry<ServerView, Long> e : m.entrySet()) {
                final ServerView s = e.getKey();
                final double f = factor(now - e.getValue());
                final int before = s.weight();
                scale(s, f);
                if (f >= 1.0) {
                    if (next == null) {
                        next = new IdentityHashMap<>(m);
                    }
                    next.remove(s);
                }
                if (s.weight() != before && servers.indexOf(s) >= 0) {
                    delegate.onServerUpdated(servers, s);
                }
            }
            if (next != null) {
                ramping = next;
            }
        } finally {
            lock.unlock();
        }
    }
}
