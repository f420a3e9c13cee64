package io.jlvs.core.conn;

import io.jlvs.core.config.Timeouts;

import java.util.concurrent.TimeUnit;

/**
 * The idle timeout of every state, with IPVS's defaults; ESTABLISHED, FIN_WAIT and UDP follow
 * {@code ipvsadm --set tcp tcpfin udp}.
 *
 * <p>Thread-safe: the control plane publishes a new array with one volatile write; loops read it lock-free. A
 * change applies to existing entries at once (IPVS applies it at their next packet).
 */
public final class StateTimeouts {
    private volatile long[] timeoutNs;

    /**
     * IPVS's defaults.
     */
    public StateTimeouts() {
        final long[] t = new long[ConnState.values().length];
        for (final ConnState s : ConnState.values()) {
            t[s.ordinal()] = TimeUnit.SECONDS.toNanos(s.defaultTimeoutSeconds());
        }
        this.timeoutNs = t;
    }

    /**
     * Applies the three settable values.
     *
     * @param timeouts the values
     */
    public void set(final Timeouts timeouts) {
        final long[] t = timeoutNs.clone();
        t[ConnState.ESTABLISHED.ordinal()] = TimeUnit.SECONDS.toNanos(timeouts.tcpSeconds());
        t[ConnState.FIN_WAIT.ordinal()] = TimeUnit.SECONDS.toNanos(timeouts.tcpFinSeconds());
        t[ConnState.UDP.ordinal()] = TimeUnit.SECONDS.toNanos(timeouts.udpSeconds());
        timeoutNs = t;
    }

    /**
     * A state's timeout.
     *
     * @param state the state
     * @return nanoseconds
     */
    public long timeoutNs(final ConnState state) {
        return timeoutNs[state.ordinal()];
    }
}
