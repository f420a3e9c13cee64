package io.jlvs.transport.epoll;

import io.jlvs.transport.epoll.internal.AutoRelay;
import io.jlvs.transport.epoll.internal.CopyRelay;
import io.jlvs.transport.epoll.internal.Relay;
import io.jlvs.transport.epoll.internal.SpliceRelay;

import java.util.Locale;

/**
 * Which path the epoll transport's TCP relay moves bytes by, per connection direction: kernel zero copy by
 * {@code splice(2)} through a pooled pipe, a copy through user space by {@code recv(2)}/{@code send(2)} and a pooled
 * direct buffer, or a choice per read between them. Set by {@link EpollTransport#EpollTransport(int, SpliceMode, int)}
 * or the system property {@value EpollTransport#SPLICE_PROPERTY} ({@code auto}, {@code always}, {@code never}).
 *
 * <p>Thread-safe (an enum).
 */
public enum SpliceMode {
    /**
     * Each direction starts on copy and switches to splice once a read fills the copy buffer
     * ({@value io.jlvs.transport.epoll.internal.AutoRelay#DEFAULT_COPY_BYTES} bytes), back to copy after
     * {@value io.jlvs.transport.epoll.internal.AutoRelay#SHORT_READS_BACK} splice reads in a row that it would have
     * held: small request/response messages take two cheap copies, streams are spliced. Listed as
     * {@code splice-auto}.
     */
    AUTO("splice-auto"),
    /** Always splice (listed as {@code splice}). */
    ALWAYS("splice"),
    /** Never splice: always copy through a direct buffer of the pipe size (listed as {@code copy}). */
    NEVER("copy");

    private final String path;

    SpliceMode(final String path) {
        this.path = path;
    }

    /** {@return what listings and logs call the path: {@code splice-auto}, {@code splice} or {@code copy}} */
    public String path() {
        return path;
    }

    /** Makes one relay direction of this path on the loop's pools (loop thread). */
    Relay relay(final EpollLoop loop, final int src, final int dst, final long budgetBytes) {
        switch (this) {
            case ALWAYS:
                return new SpliceRelay(loop.sys, loop.pipes, src, dst, budgetBytes);
            case NEVER:
                return new CopyRelay(loop.sys, loop.buffers, src, dst, budgetBytes);
            default:
                return new AutoRelay(loop.sys, loop.pipes, loop.buffers, src, dst, budgetBytes);
        }
    }

    /**
     * Parses the property's value.
     *
     * @param value {@code auto}, {@code always} or {@code never} (any case, blanks around ignored)
     * @return the mode
     * @throws IllegalArgumentException naming the value and what is expected
     */
    public static SpliceMode parse(final String value) {
        final String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        switch (v) {
            case "auto":
                return AUTO;
            case "always":
                return ALWAYS;
            case "never":
                return NEVER;
            default:
                throw new IllegalArgumentException("-D" + EpollTransport.SPLICE_PROPERTY + "=" + value
                    + ": expected auto, always or never");
        }
    }
}
