package io.jlvs.core.config;

/**
 * The scheduler flags of a virtual service ({@code -b} in ipvsadm), with IPVS's bit values.
 *
 * <p>{@code sh} reads {@link #SCHED1} as {@code sh-fallback} and {@link #SCHED2} as {@code sh-port}; {@code mh} reads
 * them as {@code mh-fallback} and {@code mh-port}; other schedulers ignore them (ipvsadm names them
 * {@code flag-1..3}).
 *
 * <p>Thread-safe (constants and static methods only).
 */
public final class SchedulerFlags {
    /** IPVS {@code IP_VS_SVC_F_SCHED1}: {@code sh-fallback} / {@code mh-fallback}. */
    public static final int SCHED1 = 0x0008;
    /** IPVS {@code IP_VS_SVC_F_SCHED2}: {@code sh-port} / {@code mh-port}. */
    public static final int SCHED2 = 0x0010;
    /** IPVS {@code IP_VS_SVC_F_SCHED3}: unused by the kernel's schedulers. */
    public static final int SCHED3 = 0x0020;
    /** All scheduler flag bits. */
    public static final int MASK = SCHED1 | SCHED2 | SCHED3;
    /** {@code sh-fallback}: try other buckets when the hashed server is unavailable. */
    public static final int SH_FALLBACK = SCHED1;
    /** {@code sh-port}: hash the client port too. */
    public static final int SH_PORT = SCHED2;
    /** {@code mh-fallback}: try other table slots when the hashed server is unavailable. */
    public static final int MH_FALLBACK = SCHED1;
    /** {@code mh-port}: hash the client port too. */
    public static final int MH_PORT = SCHED2;

    private SchedulerFlags() {
    }

    /**
     * Parses ipvsadm's comma-separated {@code -b} list for a scheduler.
     *
     * @param scheduler the scheduler name the flags are for
     * @param list for example {@code sh-fallback,sh-port}
     * @return the flag bits
     * @throws IllegalArgumentException with ipvsadm's message for an unknown or incompatible flag
     */
    public static int parse(final String scheduler, final String list) {
        int flags = 0;
        for (final String flag : list.split(",", -1)) {
            switch (flag) {
                case "flag-1":
                    flags |= SCHED1;
                    break;
                case "flag-2":
                    flags |= SCHED2;
                    break;
                case "flag-3":
                    flags |= SCHED3;
                    break;
                case "sh-fallback":
                case "sh-port":
                    if (!"sh".equals(scheduler)) {
                        throw new IllegalArgumentException("incompatible scheduler flag `" + flag + "'");
                    }
                    flags |= flag.equals("sh-fallback") ? SH_FALLBACK : SH_PORT;
                    break;
                case "mh-fallback":
                case "mh-port":
                    if (!"mh".equals(scheduler)) {
                        throw new IllegalArgumentException("incompatible scheduler flag `" + flag + "'");
                    }
                    flags |= flag.equals("mh-fallback") ? MH_FALLBACK : MH_PORT;
                    break;
                default:
                    throw new IllegalArgumentException("invalid scheduler flag `" + flag + "'");
            }
        }
        return flags;
    }

    /**
     * Names the flags as ipvsadm prints them for a scheduler, comma-separated.
     *
     * @param scheduler the scheduler name
     * @param flags the flag bits
     * @return for example {@code sh-fallback,sh-port}, or the empty string
     */
    public static String format(final String scheduler, final int flags) {
        final StringBuilder sb = new StringBuilder();
        final String one;
        final String two;
        if ("sh".equals(scheduler)) {
            one = "sh-fallback";
            two = "sh-port";
        } else if ("mh".equals(scheduler)) {
            one = "mh-fallback";
            two = "mh-port";
        } else {
            one = "flag-1";
            two = "flag-2";
        }
        if ((flags & SCHED1) != 0) {
            sb.append(one).append(',');
        }
        if ((flags & SCHED2) != 0) {
            sb.append(two).append(',');
        }
        if ((flags & SCHED3) != 0) {
            sb.append("flag-3,");
        }
        if (sb.length() > 0) {
            sb.setLength(sb.length() - 1);
        }
        return sb.toString();
    }
}
