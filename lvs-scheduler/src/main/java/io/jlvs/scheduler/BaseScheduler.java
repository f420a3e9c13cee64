package io.jlvs.scheduler;

import io.jlvs.core.sched.Scheduler;
import io.jlvs.core.sched.SchedulerContext;
import io.jlvs.core.sched.ServerView;
import io.jlvs.core.sched.ServerListView;

/**
 * Keeps the current server list for schedulers whose IPVS counterpart reads the service's list directly. Hooks
 * that IPVS does not have for a scheduler only refresh the list.
 *
 * <p>Thread-safe: the list is published with a volatile write by the (serialised) hooks.
 */
abstract class BaseScheduler implements Scheduler {
    protected final String name;
    protected final SchedulerContext context;
    protected volatile ServerListView servers = ServerListView.EMPTY;

    BaseScheduler(final String name, final SchedulerContext context) {
        this.name = name;
        this.context = context;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public ServerListView servers() {
        return servers;
    }

    @Override
    public void init(final ServerListView list) {
        servers = list;
    }

    @Override
    public void onServerAdded(final ServerListView list, final ServerView server) {
        servers = list;
    }

    @Override
    public void onServerRemoved(final ServerListView list, final ServerView server, final int formerIndex) {
        servers = list;
    }

    @Override
    public void onServerUpdated(final ServerListView list, final ServerView server) {
        servers = list;
    }

    /** IPVS's {@code hash_32}: multiply by the golden-ratio constant and keep the top bits. */
    static int hash32(final int value, final int bits) {
        return (value * 0x61C88647) >>> (32 - bits);
    }

    @Override
    public String toString() {
        return name + " " + servers;
    }
}
