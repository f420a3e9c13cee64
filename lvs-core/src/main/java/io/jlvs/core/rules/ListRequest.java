package io.jlvs.core.rules;

import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.listing.ListFormat;

/**
 * What an {@code ipvsadm -L} command asks for.
 *
 * <p>Immutable.
 *
 * @param service the one service to list ({@code -t}/{@code -u}), or null for all
 * @param format the service listing mode
 * @param connections {@code -c}: the connection table
 * @param timeout {@code --timeout}: the timeouts
 * @param daemon {@code --daemon}: the sync daemons (JLVS has none, so nothing is printed)
 * @param exact {@code --exact}
 * @param noSort {@code --nosort}
 * @param persistentConn {@code --persistent-conn} given (with {@code -c} it changes the header)
 */
public record ListRequest(ServiceKey service, ListFormat format, boolean connections, boolean timeout,
    boolean daemon, boolean exact, boolean noSort, boolean persistentConn) {
}
