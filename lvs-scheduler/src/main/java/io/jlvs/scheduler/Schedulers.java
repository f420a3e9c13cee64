package io.jlvs.scheduler;

import io.jlvs.core.internal.sched.DefaultSchedulerRegistry;
import io.jlvs.core.sched.Scheduler;
import io.jlvs.core.sched.SchedulerContext;
import io.jlvs.core.sched.SchedulerFactory;
import io.jlvs.core.sched.SchedulerRegistry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;

/**
 * Static factories for every JLVS scheduler, and the list the registry loads. Every scheduler returned is new and
 * belongs to one service (or one client-side pool); call {@link Scheduler#init} before picking (a
 * {@link io.jlvs.core.service.VirtualService} does it).
 *
 * <p>Thread-safe (stateless).
 */
public final class Schedulers {
    /** Default points per server of {@code ring} and {@code bounded}. */
    public static final int DEFAULT_POINTS_PER_SERVER = 160;
    /** Default balance factor c of {@code bounded}: no server above 1.25 times its share. */
    public static final double DEFAULT_BALANCE_FACTOR = 1.25;
    /** Default decay time of {@code peak-ewma}: 10 s, as Finagle. */
    public static final Duration DEFAULT_EWMA_DECAY = Duration.ofSeconds(10);
    /** Default {@code active_request_bias} of {@code p2c}. */
    public static final double DEFAULT_ACTIVE_REQUEST_BIAS = 1.0;

    private static final List<SchedulerFactory> FACTORIES;

    static {
        final List<SchedulerFactory> f = new ArrayList<>();
        f.add(factory("rr", "IPVS round robin", RoundRobin::new));
        f.add(factory("wrr", "IPVS weighted round robin", WeightedRoundRobin::new));
        f.add(factory("lc", "IPVS least connection", c -> new LeastConnection(LeastConnection.Kind.LC, c)));
        f.add(factory("wlc", "IPVS weighted least connection (ipvsadm's default)",
            c -> new LeastConnection(LeastConnection.Kind.WLC, c)));
        f.add(factory("sed", "IPVS shortest expected delay", c -> new LeastConnection(LeastConnection.Kind.SED, c)));
        f.add(factory("nq", "IPVS never queue", c -> new LeastConnection(LeastConnection.Kind.NQ, c)));
        f.add(factory("dh", "IPVS destination hashing", DestinationHashing::new));
        f.add(factory("sh", "IPVS source hashing (flags sh-fallback, sh-port)", SourceHashing::new));
        f.add(factory("lblc", "IPVS locality-based least connection",
            c -> new Lblc(c, LocalityTable.DEFAULT_EXPIRATION_NS)));
        f.add(factory("lblcr", "IPVS locality-based least connection with replication",
            c -> new Lblcr(c, LocalityTable.DEFAULT_EXPIRATION_NS)));
        f.add(factory("mh", "IPVS Maglev hashing (flags mh-fallback, mh-port)",
            c -> new Maglev(c, Maglev.DEFAULT_TABLE_SIZE)));
        f.add(factory("fo", "IPVS weighted failover", c -> new Failover(false, c)));
        f.add(factory("ovf", "IPVS weighted overflow", c -> new Failover(true, c)));
        f.add(factory("twos", "IPVS weighted power of two choices", TwoChoices::new));
        f.add(factory("swrr", "smooth weighted round robin (nginx)", SmoothWeightedRoundRobin::new));
        f.add(factory("p2c", "weighted power of two choices on active connections (Envoy least request)",
            c -> new PowerOfTwoChoices(c, DEFAULT_ACTIVE_REQUEST_BIAS)));
        f.add(factory("peak-ewma", "latency-aware peak EWMA with two choices (Finagle)",
            c -> new PeakEwma(c, DEFAULT_EWMA_DECAY.toNanos())));
        f.add(factory("ring", "ketama consistent hashing over the flow key",
            c -> new RingHash("ring", c, DEFAULT_POINTS_PER_SERVER, 0)));
        f.add(factory("rendezvous", "weighted rendezvous (highest random weight) hashing over the flow key",
            Rendezvous::new));
        f.add(factory("bounded", "consistent hashing with bounded loads (c = 1.25)",
            c -> new RingHash("bounded", c, DEFAULT_POINTS_PER_SERVER, DEFAULT_BALANCE_FACTOR)));
        FACTORIES = Collections.unmodifiableList(f);
    }

    private Schedulers() {
    }

    private static SchedulerFactory factory(final String name, final String description,
        final Function<SchedulerContext, Scheduler> make) {
        return new SchedulerFactory() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String description() {
                return description;
            }

            @Override
            public Scheduler create(final SchedulerContext context) {
                return make.apply(context);
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }

    /**
     * Every scheduler factory of this module, IPVS ones first.
     *
     * @return an unmodifiable list
     */
    public static List<SchedulerFactory> factories() {
        return FACTORIES;
    }

    /**
     * A registry holding exactly this module's schedulers.
     *
     * @return a new registry
     */
    public static SchedulerRegistry registry() {
        final SchedulerRegistry r = new SchedulerRegistry();
        for (final SchedulerFactory f : FACTORIES) {
            r.register(f);
        }
        return r;
    }

    /**
     * Makes a scheduler by name with default context (no flags, system clock, thread-local randomness).
     *
     * @param name an IPVS name or one of swrr, p2c, peak-ewma, ring, rendezvous, bounded
     * @return a new scheduler
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static Scheduler create(final String name) {
        return create(name, SchedulerContext.defaults());
    }

    /**
     * Makes a scheduler by name: a JLVS one, or one an application registered as a
     * {@link SchedulerFactory} through {@link java.util.ServiceLoader}.
     *
     * @param name the name
     * @param context flags, clock and randomness
     * @return a new scheduler
     * @throws IllegalArgumentException naming the unknown scheduler and listing the known ones
     */
    public static Scheduler create(final String name, final SchedulerContext context) {
        for (final SchedulerFactory f : FACTORIES) {
            if (f.name().equals(name)) {
                return f.create(context);
            }
        }
        return DefaultSchedulerRegistry.get().create(name, context); // throws with the list of names
    }

    /**
     * Whether a scheduler of this name can be made by {@link #create(String, SchedulerContext)}.
     *
     * @param name the name
     * @return true for a JLVS scheduler or a registered {@link SchedulerFactory}
     */
    public static boolean isKnown(final String name) {
        return DefaultSchedulerRegistry.get().contains(name);
    }

    /**
     * Every scheduler that can be made by name, with its description, sorted by name: JLVS's and those
     * registered through {@link java.util.ServiceLoader}.
     *
     * @return name to description, unmodifiable
     */
    public static java.util.Map<String, String> names() {
        return DefaultSchedulerRegistry.get().names();
    }

    /**
     * {@code mh} with another table size (the kernel's build-time choices are 251, 509, 1021, 2039, 4093, 8191,
     * 16381, 32749, 65521 and 131071).
     *
     * @param context the context
     * @param tableSize a prime
     * @return a new scheduler
     */
    public static Scheduler maglev(final SchedulerContext context, final int tableSize) {
        if (tableSize < 3) {
            throw new IllegalArgumentException("tableSize: " + tableSize + " (expected: a prime >= 3)");
        }
        return new Maglev(context, tableSize);
    }

    /**
     * {@code lblc} with another cache expiration ({@code lblc_expiration}).
     *
     * @param context the context
     * @param expiration how long an unused entry survives the full check
     * @return a new scheduler
     */
    public static Scheduler lblc(final SchedulerContext context, final Duration expiration) {
        return new Lblc(context, positive(expiration, "expiration"));
    }

    /**
     * {@code lblcr} with another cache and set expiration ({@code lblcr_expiration}).
     *
     * @param context the context
     * @param expiration entry and set-member expiration
     * @return a new scheduler
     */
    public static Scheduler lblcr(final SchedulerContext context, final Duration expiration) {
        return new Lblcr(context, positive(expiration, "expiration"));
    }

    /**
     * {@code p2c} with another {@code active_request_bias}.
     *
     * @param context the context
     * @param bias 0 ignores load, 1 (default) divides weight by active + 1
     * @return a new scheduler
     */
    public static Scheduler powerOfTwoChoices(final SchedulerContext context, final double bias) {
        return new PowerOfTwoChoices(context, bias);
    }

    /**
     * {@code peak-ewma} with another decay time.
     *
     * @param context the context
     * @param decay the EWMA time constant
     * @return a new scheduler
     */
    public static Scheduler peakEwma(final SchedulerContext context, final Duration decay) {
        return new PeakEwma(context, positive(decay, "decay"));
    }

    /**
     * {@code ring} with another point count.
     *
     * @param context the context
     * @param pointsPerServer points per weighted server (the ring keeps 1024 to 1,048,576 points in all)
     * @return a new scheduler
     */
    public static Scheduler ring(final SchedulerContext context, final int pointsPerServer) {
        return new RingHash("ring", context, pointsPerServer, 0);
    }

    /**
     * {@code bounded} with another balance factor.
     *
     * @param context the context
     * @param balanceFactor c &gt;= 1: no server gets a connection while it holds c times its share or more
     * @return a new scheduler
     */
    public static Scheduler boundedLoad(final SchedulerContext context, final double balanceFactor) {
        return new RingHash("bounded", context, DEFAULT_POINTS_PER_SERVER, balanceFactor);
    }

    /**
     * Wraps a weighted scheduler with slow start.
     *
     * @param delegate the scheduler, not yet initialised
     * @param context its context (for the clock)
     * @param window how long a ramp lasts
     * @param aggression 1 for a linear ramp
     * @param minFactor the starting fraction of the weight, in (0, 1]
     * @return the decorated scheduler
     */
    public static SlowStart slowStart(final Scheduler delegate, final SchedulerContext context, final Duration window,
        final double aggression, final double minFactor) {
        return new SlowStart(delegate, context.clock(), positive(window, "window"), aggression, minFactor);
    }

    private static long positive(final Duration d, final String name) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
        }
        return d.toNanos();
    }
}
