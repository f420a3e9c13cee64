package io.jlvs.scheduler;

import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.sched.Flows;
import io.jlvs.core.sched.ServerView;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.ServerList;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The wrr scheduler (trajectory fast path plus kernel loop) against a plain model of the kernel's loop, written
 * here from IPVS.md 1.2, over random weights, random OVERLOAD changes and random weight edits.
 */
class WrrModelTest {
    /** The kernel's wrr, transcribed plainly: state cl (index, -1 head), cw, mw, di. */
    private static final class Model {
        int cl = -1;
        int cw;
        int mw;
        int di;

        void changed(final ServerList l, final boolean init) {
            cl = -1;
            di = WeightedRoundRobin.gcdWeight(l);
            int max = 0;
            for (int i = 0; i < l.size(); i++) {
                max = Math.max(max, l.get(i).weight());
            }
            mw = max - (di - 1);
            if (init || cw > mw || cw == 0) {
                cw = mw;
            } else if (di > 1) {
                cw = (cw / di) * di + 1;
            }
        }

        RealServer pick(final ServerList l) {
            if (mw == 0) {
                return null;
            }
            int d = cl;
            final int last = cl;
            int stop = Integer.MIN_VALUE;
            boolean lastPass = false;
            boolean restarted = false;
            while (true) {
                for (int e = d + 1; e < l.size(); e++) {
                    if (!l.get(e).isOverloaded() && l.get(e).weight() >= cw) {
                        cl = e;
                        return l.get(e);
                    }
                    if (e == stop) {
                        cl = e;
                        return null;
                    }
                }
                d = -1;
                cw -= di;
                if (cw <= 0) {
                    cw = mw;
                    if (lastPass || last == -1) {
                        cl = -1;
                        return null;
                    }
                    restarted = true;
                }
                lastPass = cw <= di;
                if (lastPass && restarted && last != -1) {
                    stop = last;
                }
            }
        }
    }

    @Test
    void shouldMatchTheKernelLoopUnderOverloadsAndEdits() {
        final Random r = new Random(1234);
        for (int round = 0; round < 200; round++) {
            final int n = 1 + r.nextInt(6);
            final RealServer[] s = new RealServer[n];
            for (int i = 0; i < n; i++) {
                s[i] = new RealServer(RealServerConfig.builder("10.0.0." + (i + 1), 80).weight(r.nextInt(7))
                    .upperThreshold(1).build());
            }
            final io.jlvs.core.service.VirtualService svc = new io.jlvs.core.service.VirtualService(
                io.jlvs.core.config.VirtualServiceConfig.builder(io.jlvs.core.config.ServiceKey.tcp("10.9.9.9", 80))
                    .scheduler("wrr").build(), Schedulers.create("wrr"));
            final Model m = new Model();
            m.changed(svc.servers(), true);
            for (int i = 0; i < n; i++) {
                final RealServer added = svc.addServer(s[i].config());
                s[i] = added;
                m.changed(svc.servers(), false);
            }
            for (int step = 0; step < 200; step++) {
                final int what = r.nextInt(20);
                final RealServer x = s[r.nextInt(n)];
                if (what == 0) {
                    if (x.isOverloaded()) {
                        x.unbindConnection(false);
                    } else {
                        x.bindConnection(); // threshold 1: overloaded
                    }
                } else if (what == 1) {
                    // the same threshold keeps OVERLOAD as it is; the update hook runs
                    svc.editServer(x.config().toBuilder().weight(r.nextInt(7)).upperThreshold(1).build());
                    m.changed(svc.servers(), false);
                } else {
                    final RealServer want = m.pick(svc.servers());
                    final ServerView got = svc.schedule(Flows.ofKey(step));
                    assertEquals(want, got, "round " + round + " step " + step);
                }
            }
        }
    }
}
