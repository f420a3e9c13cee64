package io.jlvs.core.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The extension options of a service or a real server ({@link Extensions}), parsed once into typed values when
 * the configuration was built: numbers as {@code Integer}, addresses as {@link InetSocketAddress}, networks as a
 * list of {@link Extensions.Network}, status ranges as {@code int[]}, the sorry file as a {@link Path}, switches as
 * {@code Boolean.TRUE}, everything else as the text given. Readers (health checkers, transports) take the typed value
 * from here instead of parsing text again, so a value that was accepted can never fail later.
 *
 * <p>Immutable.
 */
public final class ExtensionValues {
    /** No options. */
    public static final ExtensionValues NONE = new ExtensionValues(new TreeMap<>());

    private final Map<String, Object> values;

    ExtensionValues(final Map<String, Object> values) {
        this.values = Collections.unmodifiableMap(new TreeMap<>(values));
    }

    /**
     * Whether an option was given.
     *
     * @param name its long name
     * @return true if given
     */
    public boolean has(final String name) {
        return values.containsKey(name);
    }

    /**
     * A number option.
     *
     * @param name its long name
     * @param dflt the value when it was not given
     * @return the value
     */
    public int intValue(final String name, final int dflt) {
        final Object v = values.get(name);
        return v instanceof Integer ? (Integer) v : dflt;
    }

    /**
     * A text option (a word such as {@code v2} or {@code inhibit}, a path, a host name, free text).
     *
     * @param name its long name
     * @return the text, or null when not given
     */
    public String text(final String name) {
        final Object v = values.get(name);
        return v instanceof String ? (String) v : null;
    }

    /**
     * An {@code ADDR:PORT} option.
     *
     * @param name its long name
     * @return the address, or null when not given
     */
    public InetSocketAddress endpoint(final String name) {
        final Object v = values.get(name);
        return v instanceof InetSocketAddress ? (InetSocketAddress) v : null;
    }

    /**
     * A file option.
     *
     * @param name its long name
     * @return the path, or null when not given
     */
    public Path path(final String name) {
        final Object v = values.get(name);
        return v instanceof Path ? (Path) v : null;
    }

    /**
     * A networks option.
     *
     * @param name its long name
     * @return the networks, empty when not given
     */
    @SuppressWarnings("unchecked")
    public List<Extensions.Network> networks(final String name) {
        final Object v = values.get(name);
        return v instanceof List ? (List<Extensions.Network>) v : List.of();
    }

    /**
     * A status-ranges option.
     *
     * @param name its long name
     * @return pairs of inclusive bounds (a copy), or null when not given
     */
    public int[] ranges(final String name) {
        final Object v = values.get(name);
        return v instanceof int[] ? ((int[]) v).clone() : null;
    }

    /**
     * A source-address pool option.
     *
     * @param name its long name
     * @return the pool ({@link SourceAddresses#NONE} for {@code none}), or null when not given
     */
    public SourceAddresses sourceAddresses(final String name) {
        final Object v = values.get(name);
        return v instanceof SourceAddresses ? (SourceAddresses) v : null;
    }

    @Override
    public String toString() {
        return values.keySet().toString();
    }
}
