package io.jlvs.core;

import io.jlvs.core.config.ConfigDiff;
import io.jlvs.core.config.DirectorConfig;

import java.util.List;
import java.util.Objects;

/**
 * What {@link LoadBalancer#reload(String, String)} changed.
 *
 * <p>Immutable.
 *
 * @param changes the services, servers and timeouts that were added, removed or changed
 * @param warnings the rules' warnings (for example direct routing run as a proxy), each naming its line
 * @param config the configuration running after the reload
 */
public record ReloadResult(ConfigDiff changes, List<String> warnings, DirectorConfig config) {
    /**
     * Checks and copies the fields.
     *
     * @param changes the changes
     * @param warnings the warnings
     * @param config the configuration now
     */
    public ReloadResult {
        Objects.requireNonNull(changes, "changes");
        warnings = List.copyOf(warnings);
        Objects.requireNonNull(config, "config");
    }
}
