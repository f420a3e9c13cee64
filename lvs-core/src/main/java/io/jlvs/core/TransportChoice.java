package io.jlvs.core;

import io.jlvs.core.net.Protocol;

import io.jlvs.core.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Picks the transport a director starts with, by name ({@code nio}, {@code epoll}) or {@code auto}: the transports
 * on the class path ({@link ServiceLoader}) that can run here ({@link Transport#unavailableReason()} is null), the
 * one of highest {@link Transport#priority()} first. A provider that cannot even be loaded (the epoll module, built
 * for Java 22, on Java 17) is skipped with its error as the reason. The choice and why are logged once per start.
 *
 * <p>Thread-safe (stateless).
 */
final class TransportChoice {
    static final String AUTO = "auto";
    private static final List<String> NAMES = List.of("nio", "epoll", AUTO);
    private static final Logger LOG = LoggerFactory.getLogger(LoadBalancer.class);

    private TransportChoice() {
    }

    static String checkName(final String name) {
        final String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        if (!NAMES.contains(n)) {
            throw new IllegalArgumentException("transport '" + name + "' (expected one of nio, epoll, auto)");
        }
        return n;
    }

    /** What the class path offers: the transports that loaded, and why the others did not. */
    record Found(List<Transport> transports, List<String> unloadable) {
    }

    static Found load() {
        final List<Transport> out = new ArrayList<>();
        final List<String> bad = new ArrayList<>();
        final Iterator<Transport> it = ServiceLoader.load(Transport.class, LoadBalancer.class.getClassLoader())
            .iterator();
        for (int guard = 0; guard < 256; guard++) { // bounded, should a broken provider keep failing
            try {
                if (!it.hasNext()) {
                    break;
                }
                out.add(it.next());
            } catch (final ServiceConfigurationError | LinkageError e) {
                // e.g. UnsupportedClassVersionError: the epoll module needs Java 22+
                bad.add(String.valueOf(e.getCause() != null ? e.getCause() : e));
            }
        }
        return new Found(out, bad);
    }

    static Transport choose(final String name, final java.util.Set<io.jlvs.core.net.Protocol> used) throws IOException {
        return choose(name, load(), used);
    }

    static Transport choose(final String name, final Found found) throws IOException {
        return choose(name, found, java.util.Set.of());
    }

    static Transport choose(final String name, final Found found, final java.util.Set<io.jlvs.core.net.Protocol> used)
        throws IOException {
        if (!AUTO.equals(name)) {
            for (final Transport t : found.transports()) {
                if (t.name().equals(name)) {
                    final String why = t.unavailableReason();
                    if (why != null) {
                        throw new IOException("transport " + name + " cannot run here: " + why);
                    }
                    LOG.info("transport: {} (asked for by name)", name);
                    return t;
                }
            }
            throw new IOException("transport " + name + " is not on the class path (found: " + names(found)
                + (found.unloadable().isEmpty() ? "" : "; could not load: " + found.unloadable()) + ")");
        }
        Transport best = null;
        final List<String> skipped = new ArrayList<>(found.unloadable());
        for (final Transport t : found.transports()) {
            final String why = t.unavailableReason();
            final io.jlvs.core.net.Protocol missing = missing(t, used);
            if (why != null) {
                skipped.add(t.name() + ": " + why);
            } else if (missing != null) {
                skipped.add(t.name() + ": carries no " + missing + " (a " + missing + " service is configured)");
            } else if (best == null || t.priority() > best.priority()) {
                best = t;
            }
        }
        if (best == null) {
            throw new IllegalStateException("no transport on the class path can run here (add io.jlvs:"
                + "lvs-transport-nio, or pass one to LoadBalancer.Builder.transport)"
                + (skipped.isEmpty() ? "" : "; skipped: " + skipped));
        }
        for (final Transport t : found.transports()) {
            if (t != best && t.unavailableReason() == null && missing(t, used) == null
                && t.priority() < best.priority()) {
                skipped.add(t.name() + ": lower priority");
            }
        }
        LOG.info("transport: {} (auto: the available transport of highest priority{})", best.name(),
            skipped.isEmpty() ? "" : "; not chosen: " + String.join("; ", skipped));
        return best;
    }

    private static io.jlvs.core.net.Protocol missing(final Transport t, final java.util.Set<io.jlvs.core.net.Protocol> used) {
        for (final io.jlvs.core.net.Protocol p : used) {
            if (!t.supports(p)) {
                return p;
            }
        }
        return null;
    }

    private static List<String> names(final Found found) {
        final List<String> n = new ArrayList<>();
        for (final Transport t : found.transports()) {
            n.add(t.name());
        }
        return n;
    }
}
