package io.jlvs.core.listing;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The version of this JLVS build, as printed where ipvsadm prints the kernel's IPVS version.
 *
 * <p>Immutable.
 */
public final class JlvsVersion {
    private static final String VERSION = load();

    private JlvsVersion() {
    }

    /**
     * The Maven version of lvs-core, for example {@code 0.1.0-SNAPSHOT}.
     *
     * @return the version string, never null
     */
    public static String version() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = JlvsVersion.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                final Properties p = new Properties();
                p.load(in);
                final String v = p.getProperty("version");
                if (v != null && !v.isEmpty() && !v.startsWith("${")) {
                    return v;
                }
            }
        } catch (final IOException ignored) {
            // fall through to the manifest
        }
        final String v = JlvsVersion.class.getPackage().getImplementationVersion();
        return v == null ? "unknown" : v;
    }
}
