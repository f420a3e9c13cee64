package io.jlvs.transport.tck;

/**
 * Features of a transport that {@link TransportConformanceSuite} tests and that a transport may leave out, saying
 * why in {@link TransportConformanceSuite#unsupported(Capability)}. The tests of a feature left out are reported as
 * skipped with that reason; everything else must pass.
 */
public enum Capability {
    /** UDP services: per-flow and one-packet scheduling, flow expiry, packet and byte counters. */
    UDP,
    /** Sending PROXY protocol v1 and v2 headers to real servers ({@code --proxy-protocol}). */
    PROXY_PROTOCOL_SEND,
    /** Reading PROXY protocol headers from trusted clients ({@code --accept-proxy}). */
    PROXY_PROTOCOL_ACCEPT,
    /** Answering with a sorry server ({@code --sorry-server}). */
    SORRY_SERVER,
    /** Answering with a sorry file ({@code --sorry-file}). */
    SORRY_FILE,
    /** Holding new clients in the kernel's backlog at a service's {@code --max-conns}. */
    MAX_CONNECTIONS,
    /** Timing entries out by the director's {@link io.jlvs.core.time.Ticker} (flow and idle expiry). */
    DIRECTOR_CLOCK,
    /** Pausing accepts when the process runs out of file descriptors, and resuming when it has some again. */
    FD_EXHAUSTION
}
