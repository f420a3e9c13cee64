package io.jlvs.scheduler;

import io.jlvs.core.sched.SchedulerContext;
import io.jlvs.core.sched.ServerView;
import io.jlvs.core.sched.ServerListView;

/**
 * A scheduler whose state is rebuilt from the whole list at init and after every add, remove and update (as IPVS's
 * {@code sh}, {@code mh} and {@code wrr}-like hooks do), and published with one volatile write by
 * {@link #rebuild}.
 *
 * <p>Thread-safe: hooks are serialised by the caller; picks read the published state.
 */
abstract class RebuildingScheduler extends BaseScheduler {
    RebuildingScheduler(final String name, final SchedulerContext context) {
        super(name, context);
    }

    /**
     * Rebuilds and publishes the state for a list.
     *
     * @param list the new list
     */
    abstract void rebuild(ServerListView list);

    @Override
    public void init(final ServerListView list) {
        super.init(list);
        rebuild(list);
    }

    @Override
    public void onServerAdded(final ServerListView list, final ServerView server) {
        super.onServerAdded(list, server);
        rebuild(list);
    }

    @Override
    public void onServerRemoved(final ServerListView list, final ServerView server, final int formerIndex) {
        super.onServerRemoved(list, server, formerIndex);
        rebuild(list);
    }

    @Override
    public void onServerUpdated(final ServerListView list, final ServerView server) {
        super.onServerUpdated(list, server);
        rebuild(list);
    }
}
