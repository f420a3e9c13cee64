package io.jlvs.core.health;

import io.jlvs.core.config.ExtensionValues;
import io.jlvs.core.config.Extensions;
import io.jlvs.core.config.VirtualServiceConfig;

import java.util.concurrent.TimeUnit;

/**
 * A service's health-checking settings, read from its extension options ({@link Extensions}), which were parsed
 * and checked when the service's configuration was built.
 *
 * <p>Immutable.
 *
 * @param check the active check's name ({@code tcp}, {@code http}, {@code udp} or a registered one), or null
 * @param intervalNs time between checks of one server (default 2 s)
 * @param timeoutNs time a check may take (default 1 s)
 * @param rise consecutive passes that bring a server up (default 2)
 * @param fall consecutive failures that take it down (default 3)
 * @param initialUp whether a new server starts up (default) or down until its first pass
 * @param port the port to check, 0 for the server's own
 * @param httpPath the HTTP check's path
 * @param httpHost the HTTP check's Host header, or null for the server's address
 * @param httpStatuses inclusive status ranges that pass
 * @param httpBody text the body must contain, or null
 * @param udpSend the UDP check's datagram
 * @param udpExpect text the UDP reply must contain, or null (any reply passes)
 * @param inhibit whether a down server gets weight 0 (keepalived's inhibit_on_failure) instead of leaving rotation
 * @param shutdownSessions whether a down server's live connections are closed
 * @param observe consecutive failed connects of real traffic that eject a server (0: no passive checking)
 * @param ejectNs how long an ejected server stays down (default 30 s)
 * @param quorum fewer servers up than this turns the sorry response on (0: no quorum)
 * @param slowStartNs ramp time of a server coming up (0: none)
 */
public record HealthCheckConfig(String check, long intervalNs, long timeoutNs, int rise, int fall,
    boolean initialUp, int port, String httpPath, String httpHost, int[] httpStatuses, String httpBody,
    String udpSend, String udpExpect, boolean inhibit, boolean shutdownSessions, int observe, long ejectNs,
    int quorum, long slowStartNs) {
    /** Default interval: 2 s. */
    public static final long DEFAULT_INTERVAL_MS = 2000;
    /** Default timeout: 1 s. */
    public static final long DEFAULT_TIMEOUT_MS = 1000;
    /** Default rise: 2. */
    public static final int DEFAULT_RISE = 2;
    /** Default fall: 3. */
    public static final int DEFAULT_FALL = 3;
    /** Default ejection time: 30 s. */
    public static final long DEFAULT_EJECT_MS = 30_000;

    /**
     * Reads a service's settings.
     *
     * @param c the service
     * @return the settings, or null when the service has neither active nor passive checking nor quorum
     */
    public static HealthCheckConfig of(final VirtualServiceConfig c) {
        final ExtensionValues o = c.extensions();
        String check = o.text(Extensions.CHECK);
        if ("none".equals(check)) {
            check = null;
        }
        final int observe = o.intValue(Extensions.OBSERVE, 0);
        final int quorum = o.intValue(Extensions.QUORUM, 0);
        if (check == null && observe == 0 && quorum == 0) {
            return null;
        }
        final int[] statuses = o.ranges(Extensions.HTTP_STATUS);
        final String udpSend = o.text(Extensions.UDP_SEND);
        return new HealthCheckConfig(check,
            TimeUnit.MILLISECONDS.toNanos(o.intValue(Extensions.CHECK_INTERVAL, (int) DEFAULT_INTERVAL_MS)),
            TimeUnit.MILLISECONDS.toNanos(o.intValue(Extensions.CHECK_TIMEOUT, (int) DEFAULT_TIMEOUT_MS)),
            o.intValue(Extensions.RISE, DEFAULT_RISE), o.intValue(Extensions.FALL, DEFAULT_FALL),
            !"down".equals(o.text(Extensions.CHECK_INITIAL)), o.intValue(Extensions.CHECK_PORT, 0),
            o.has(Extensions.HTTP_PATH) ? o.text(Extensions.HTTP_PATH) : "/", o.text(Extensions.HTTP_HOST),
            statuses != null ? statuses : new int[] {200, 399}, o.text(Extensions.HTTP_BODY),
            udpSend != null ? udpSend : "ping", o.text(Extensions.UDP_EXPECT),
            "inhibit".equals(o.text(Extensions.ON_DOWN)), o.has(Extensions.SHUTDOWN_SESSIONS), observe,
            TimeUnit.MILLISECONDS.toNanos(o.intValue(Extensions.EJECT_TIME, (int) DEFAULT_EJECT_MS)), quorum,
            TimeUnit.MILLISECONDS.toNanos(o.intValue(Extensions.SLOW_START, 0)));
    }

    /**
     * Whether an HTTP status passes.
     *
     * @param status the status
     * @return true if in one of the ranges
     */
    public boolean statusPasses(final int status) {
        for (int i = 0; i < httpStatuses.length; i += 2) {
            if (status >= httpStatuses[i] && status <= httpStatuses[i + 1]) {
                return true;
            }
        }
        return false;
    }
}
