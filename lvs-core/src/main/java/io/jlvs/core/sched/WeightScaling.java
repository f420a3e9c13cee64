package io.jlvs.core.sched;

/**
 * The one change a scheduler may make to a server: scaling the weight every scheduler of the service sees, as slow
 * start does while a server ramps up. A server view that allows it implements this interface too (a JLVS real
 * server does); a decorator such as slow start checks for it with {@code instanceof} and leaves other views alone.
 *
 * <p>Implementations are thread-safe: the factor is published with a volatile write.
 */
public interface WeightScaling {
    /**
     * Scales the weight schedulers see. With a factor below 1 a server of non-zero weight keeps at least weight 1.
     *
     * @param factor in (0, 1]
     * @throws IllegalArgumentException naming the factor when it is outside (0, 1]
     */
    void weightFactor(double factor);
}
