package io.jlvs.transport.nio;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The relay's global buffer budget: how many bytes of direct memory the event loops' buffer pools may hold together,
 * idle buffers included. Loops reserve a buffer's size before allocating it and give it back when they drop it, so
 * slow readers that pin buffers can never drive the JVM into {@code OutOfMemoryError: Cannot reserve ... direct
 * buffer memory}. When large buffers would take the budget past {@link #LARGE_SHARE_PERCENT}% the pools hand out
 * small ones; when small ones would pass it whole, a connection gets none and stops reading until one is free
 * (back-pressure: the connection is kept).
 *
 * <p>Thread-safe (one atomic counter, compare-and-set).
 */
final class RelayBudget {
    /** Share of the JVM's direct-memory limit the relay takes by default. */
    static final int DEFAULT_PERCENT = 50;
    /** Share of the budget large buffers may fill; above it buffers are small. */
    static final int LARGE_SHARE_PERCENT = 50;

    private final long limit;
    private final long largeLimit;
    private final AtomicLong reserved = new AtomicLong();
    private final AtomicLong refusals = new AtomicLong();

    RelayBudget(final long limitBytes) {
        this.limit = limitBytes;
        this.largeLimit = (long) (limitBytes * (LARGE_SHARE_PERCENT / 100.0));
    }

    /**
     * The budget for a configured value: the value itself, or for 0 {@value #DEFAULT_PERCENT}% of the JVM's
     * direct-memory limit.
     */
    static long resolve(final long configured) {
        return configured > 0 ? configured : (long) (maxDirectMemory() * (DEFAULT_PERCENT / 100.0));
    }

    /**
     * The JVM's direct-memory limit, found portably: {@code -XX:MaxDirectMemorySize} from the JVM's arguments (the
     * last one wins, as in HotSpot), else the HotSpot diagnostic option if it is set to a positive value, else
     * {@link Runtime#maxMemory()}, which is what the JDK uses when the flag is absent.
     */
    static long maxDirectMemory() {
        long found = -1;
        try {
            final List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
            for (final String a : args) {
                if (a.startsWith("-XX:MaxDirectMemorySize=")) {
                    final long v = parseSize(a.substring("-XX:MaxDirectMemorySize=".length()));
                    if (v > 0) {
                        found = v;
                    }
                }
            }
        } catch (final RuntimeException | LinkageError e) {
            // no management API: fall through
        }
        if (found <= 0) {
            try {
                final com.sun.management.HotSpotDiagnosticMXBean hs = ManagementFactory.getPlatformMXBean(
                    com.sun.management.HotSpotDiagnosticMXBean.class);
                if (hs != null) {
                    final long v = Long.parseLong(hs.getVMOption("MaxDirectMemorySize").getValue());
                    if (v > 0) {
                        found = v;
                    }
                }
            } catch (final RuntimeException | LinkageError e) {
                // not HotSpot: fall through
            }
        }
        return found > 0 ? found : Runtime.getRuntime().maxMemory();
    }

    /** A HotSpot size: digits with an optional k, m, g or t suffix (either case); -1 if it is not one. */
    static long parseSize(final String s) {
        final String t = s.trim().toLowerCase(Locale.ROOT);
        if (t.isEmpty()) {
            return -1;
        }
        long mult = 1;
        String digits = t;
        switch (t.charAt(t.length() - 1)) {
            case 'k':
                mult = 1L << 10;
                break;
            case 'm':
                mult = 1L << 20;
                break;
            case 'g':
                mult = 1L << 30;
                break;
            case 't':
                mult = 1L << 40;
                break;
            default:
                mult = 1;
        }
        if (mult != 1) {
            digits = t.substring(0, t.length() - 1);
        }
        try {
            final long v = Long.parseLong(digits);
            return v < 0 || v > Long.MAX_VALUE / mult ? -1 : v * mult;
        } catch (final NumberFormatException e) {
            return -1;
        }
    }

    /** Reserves a large buffer if large buffers stay within their share; false if not (try a small one). */
    boolean tryReserveLarge(final int bytes) {
        return tryReserve(bytes, largeLimit);
    }

    /** Reserves a buffer if the whole budget allows it; false (counted) if not: back-pressure. */
    boolean tryReserve(final int bytes) {
        if (tryReserve(bytes, limit)) {
            return true;
        }
        refusals.incrementAndGet();
        return false;
    }

    private boolean tryReserve(final int bytes, final long cap) {
        while (true) {
            final long r = reserved.get();
            if (r + bytes > cap) {
                return false;
            }
            if (reserved.compareAndSet(r, r + bytes)) {
                return true;
            }
        }
    }

    /** Gives back a dropped buffer's bytes. */
    void release(final int bytes) {
        reserved.addAndGet(-bytes);
    }

    /** Whether a small buffer of this size would fit now. */
    boolean fits(final int bytes) {
        return reserved.get() + bytes <= limit;
    }

    /** {@return the budget in bytes} */
    long limit() {
        return limit;
    }

    /** {@return bytes reserved by buffers now (in flight and idle)} */
    long reserved() {
        return reserved.get();
    }

    /** {@return how many times a buffer was refused for want of budget} */
    long refusals() {
        return refusals.get();
    }
}
