package io.jlvs.scheduler;

import io.jlvs.core.sched.Flow;
import io.jlvs.core.sched.SchedulerContext;
import io.jlvs.core.service.RealServer;
import io.jlvs.core.service.ServerList;

/**
 * IPVS {@code twos} (weighted power of two choices): with total = the sum of eligible weights, two independent
 * random numbers in [0, total] (inclusive, as the kernel draws below total + 1) each walk the eligible servers in
 * list order, subtracting weights, and stop at the first server that brings them to 0 or below; the second choice
 * wins only if its overhead per weight is strictly lower. The comparison multiplies in 32-bit ints as the kernel
 * does.
 *
 * <p>Thread-safe, lock-free, allocation-free; randomness comes from the injected source.
 */
final class TwoChoices extends BaseScheduler {
    TwoChoices(final SchedulerContext context) {
        super("twos", context);
    }

    @Override
    public RealServer schedule(final Flow flow) {
        final ServerList list = servers;
        final int n = list.size();
        int total = 0;
        RealServer choice1 = null;
        for (int i = 0; i < n; i++) {
            final RealServer d = list.get(i);
            if (!d.isOverloaded()) {
                final int w = d.weight();
                if (w > 0) {
                    total += w;
                    choice1 = d;
                }
            }
        }
        if (choice1 == null) {
            return null;
        }
        int r1 = context.random().nextInt(total + 1);
        int r2 = context.random().nextInt(total + 1);
        RealServer choice2 = null;
        int w1 = -1;
        int w2 = -1;
        int oh1 = 0;
        int oh2 = 0;
        for (int i = 0; i < n; i++) {
            final RealServer d = list.get(i);
            if (d.isOverloaded()) {
                continue;
            }
            final int w = d.weight();
            if (w <= 0) {
                continue;
            }
            r1 -= w;
            r2 -= w;
            if (r1 <= 0 && w1 == -1) {
                choice1 = d;
                w1 = w;
                oh1 = d.overhead();
            }
            if (r2 <= 0 && w2 == -1) {
                choice2 = d;
                w2 = w;
                oh2 = d.overhead();
            }
            if (w1 != -1 && w2 != -1) {
                break;
            }
        }
        if (choice2 != null && w2 * oh1 > w1 * oh2) {
            return choice2;
        }
        return choice1;
    }
}
