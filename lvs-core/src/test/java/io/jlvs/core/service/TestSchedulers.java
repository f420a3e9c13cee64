package io.jlvs.core.service;

import io.jlvs.core.sched.Flow;
import io.jlvs.core.sched.Scheduler;
import io.jlvs.core.sched.SchedulerContext;
import io.jlvs.core.sched.SchedulerFactory;
import io.jlvs.core.sched.SchedulerRegistry;
import io.jlvs.core.sched.ServerListView;
import io.jlvs.core.sched.ServerView;

import java.util.ArrayList;
import java.util.List;

/** A recording scheduler for lvs-core tests: picks the first eligible server and logs every hook call. */
public final class TestSchedulers {
    private TestSchedulers() {
    }

    /** Registry where every name in names makes a recording scheduler. */
    public static SchedulerRegistry registry(final List<String> log, final String... names) {
        final SchedulerRegistry r = new SchedulerRegistry();
        for (final String n : names) {
            r.register(new SchedulerFactory() {
                @Override
                public String name() {
                    return n;
                }

                @Override
                public String description() {
                    return "test";
                }

                @Override
                public Scheduler create(final SchedulerContext context) {
                    return new Recording(n, log);
                }
            });
        }
        return r;
    }

    /** First eligible server in list order; records hooks as "name:hook:server". */
    public static final class Recording implements Scheduler {
        private final String name;
        private final List<String> log;
        private volatile ServerListView servers = ServerListView.EMPTY;

        public Recording(final String name, final List<String> log) {
            this.name = name;
            this.log = log == null ? new ArrayList<>() : log;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void init(final ServerListView list) {
            servers = list;
            log.add(name + ":init:" + list.size());
        }

        @Override
        public ServerView schedule(final Flow flow) {
            final ServerListView l = servers;
            for (int i = 0; i < l.size(); i++) {
                final ServerView s = l.get(i);
                if (s.weight() > 0 && !s.isOverloaded()) {
                    return s;
                }
            }
            return null;
        }

        @Override
        public void onServerAdded(final ServerListView list, final ServerView server) {
            servers = list;
            log.add(name + ":add:" + server.addressAndPort());
        }

        @Override
        public void onServerRemoved(final ServerListView list, final ServerView server, final int formerIndex) {
            servers = list;
            log.add(name + ":del:" + server.addressAndPort() + "@" + formerIndex);
        }

        @Override
        public void onServerUpdated(final ServerListView list, final ServerView server) {
            servers = list;
            log.add(name + ":upd:" + server.addressAndPort());
        }

        @Override
        public void done() {
            log.add(name + ":done");
        }

        @Override
        public ServerListView servers() {
            return servers;
        }
    }
}
