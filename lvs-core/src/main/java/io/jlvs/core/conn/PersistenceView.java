package io.jlvs.core.conn;

import java.util.List;

/**
 * A read-only view of a director's persistence templates: what {@code LoadBalancer.persistence()} returns. Templates
 * are attached, imported and expired by the engine and the sync daemon, never through this view.
 *
 * <p>Thread-safe: every method reads the live concurrent table; the lists are copies.
 */
public interface PersistenceView {
    /**
     * The templates that currently match, for listings and tests.
     *
     * @return a copy
     */
    List<Template> templates();

    /**
     * The imported templates that currently match (for a backup's {@code -Lnc}).
     *
     * @return a copy
     */
    List<Template> importedTemplates();

    /**
     * How many templates currently match.
     *
     * @return the count
     */
    int size();

    /**
     * The current {@code expire_quiescent_template} setting.
     *
     * @return the setting
     */
    boolean expireQuiescentTemplate();
}
