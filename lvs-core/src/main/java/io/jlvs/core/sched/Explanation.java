package io.jlvs.core.sched;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Why a scheduler picked what it picked: every server of the list, whether it was a candidate, and if not why.
 *
 * <p>Immutable.
 *
 * @param scheduler the scheduler's name
 * @param flow the flow
 * @param chosen the server picked, or null
 * @param servers one line per server in list order
 */
public record Explanation(String scheduler, Flow flow, ServerView chosen, List<ServerNote> servers) {
    /**
     * Why a server was or was not a candidate.
     */
    public enum Status {
        /** Eligible for this pick. */
        CANDIDATE,
        /** Weight 0: quiesced (draining). */
        WEIGHT_ZERO,
        /** Over its upper connection threshold. */
        OVERLOADED,
        /** Removed, or marked down by a health check. */
        UNAVAILABLE
    }

    /**
     * One server's note.
     *
     * @param server the server
     * @param status candidate or why not
     * @param weight the weight the scheduler saw
     * @param weightFactor the slow-start factor applied to the configured weight (1.0 when none)
     */
    public record ServerNote(ServerView server, Status status, int weight, double weightFactor) {
    }

    /**
     * Picks with the scheduler and notes every server's standing by the IPVS rules of section 1.15
     * (weight 0 and OVERLOAD exclude, an unavailable server is excluded).
     *
     * @param scheduler the scheduler
     * @param flow the flow
     * @return the explanation
     */
    public static Explanation of(final Scheduler scheduler, final Flow flow) {
        final ServerListView list = scheduler.servers();
        final List<ServerNote> notes = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            final ServerView s = list.get(i);
            final Status st;
            if (!s.isAvailable()) {
                st = Status.UNAVAILABLE;
            } else if (s.weight() <= 0) {
                st = Status.WEIGHT_ZERO;
            } else if (s.isOverloaded()) {
                st = Status.OVERLOADED;
            } else {
                st = Status.CANDIDATE;
            }
            notes.add(new ServerNote(s, st, s.weight(), s.weightFactor()));
        }
        final ServerView chosen = scheduler.schedule(flow);
        return new Explanation(scheduler.name(), flow, chosen, Collections.unmodifiableList(notes));
    }

    @Override
    public String toString() {
        final StringBuilder sb = new StringBuilder();
        sb.append(scheduler).append(" for ").append(flow).append(": ")
            .append(chosen == null ? "no destination available" : chosen.addressAndPort()).append('\n');
        for (final ServerNote n : servers) {
            sb.append("  ").append(n.server().addressAndPort()).append(" weight ").append(n.weight());
            if (n.weightFactor() != 1.0) {
                sb.append(String.format(" (slow start x%.2f)", n.weightFactor()));
            }
            sb.append(' ').append(n.status()).append('\n');
        }
        return sb.toString();
    }
}
