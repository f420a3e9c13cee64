package io.jlvs.core.health;

/**
 * Hears of health transitions. Called on the health-checking thread; must not block.
 */
@FunctionalInterface
public interface HealthListener {
    /**
     * A transition happened.
     *
     * @param event the event
     */
    void onHealthEvent(HealthEvent event);
}
