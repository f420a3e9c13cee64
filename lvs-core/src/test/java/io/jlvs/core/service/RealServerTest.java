package io.jlvs.core.service;

import io.jlvs.core.config.RealServerConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RealServerTest {
    private static RealServer server(final int weight, final int upper, final int lower) {
        return new RealServer(RealServerConfig.builder("10.0.0.2", 80).weight(weight).upperThreshold(upper)
            .lowerThreshold(lower).build());
    }

    @Test
    void shouldCountBoundConnectionInactiveUntilActivated() {
        final RealServer s = server(1, 0, 0);
        s.bindConnection();
        assertEquals(0, s.activeConns());
        assertEquals(1, s.inactiveConns());
        s.connectionActivated();
        assertEquals(1, s.activeConns());
        assertEquals(0, s.inactiveConns());
        assertEquals(256, s.overhead());
        s.connectionDeactivated();
        assertEquals(0, s.activeConns());
        assertEquals(1, s.inactiveConns());
        s.unbindConnection(false);
        assertEquals(0, s.inactiveConns());
        assertEquals(0, s.overhead());
    }

    @Test
    void shouldCountTemplatesSeparately() {
        final RealServer s = server(1, 0, 0);
        s.bindTemplate();
        assertEquals(1, s.persistConns());
        assertEquals(0, s.activeConns() + s.inactiveConns());
        s.unbindTemplate();
        assertEquals(0, s.persistConns());
    }

    @Test
    void shouldSetOverloadWhenTotalReachesUpperThresholdAtBind() {
        final RealServer s = server(1, 3, 0);
        s.bindConnection();
        s.bindConnection();
        assertFalse(s.isOverloaded());
        s.bindConnection(); // total 3 >= 3
        assertTrue(s.isOverloaded());
    }

    @Test
    void shouldCountInactiveConnectionsTowardsThreshold() {
        final RealServer s = server(1, 2, 0);
        s.bindConnection();
        s.connectionActivated();
        s.connectionDeactivated(); // e.g. TIME_WAIT still counts
        s.bindConnection();
        assertTrue(s.isOverloaded());
    }

    @Test
    void shouldClearOverloadBelowThreeQuartersOfUpperWithoutLowerThreshold() {
        final RealServer s = server(1, 8, 0);
        for (int i = 0; i < 8; i++) {
            s.bindConnection();
        }
        assertTrue(s.isOverloaded());
        s.unbindConnection(false); // 7: 28 < 24? no
        assertTrue(s.isOverloaded());
        s.unbindConnection(false); // 6: 24 < 24? no
        assertTrue(s.isOverloaded());
        s.unbindConnection(false); // 5: 20 < 24 yes
        assertFalse(s.isOverloaded());
    }

    @Test
    void shouldClearOverloadBelowLowerThreshold() {
        final RealServer s = server(1, 4, 2);
        for (int i = 0; i < 4; i++) {
            s.bindConnection();
        }
        assertTrue(s.isOverloaded());
        s.unbindConnection(false); // 3
        assertTrue(s.isOverloaded());
        s.unbindConnection(false); // 2 < 2? no
        assertTrue(s.isOverloaded());
        s.unbindConnection(false); // 1 < 2
        assertFalse(s.isOverloaded());
    }

    @Test
    void shouldNotSetOverloadOnUnbindOrStateChange() {
        final RealServer s = server(1, 2, 0);
        s.bindConnection();
        s.update(s.config().toBuilder().upperThreshold(1).build()); // lowering does not set the flag
        assertFalse(s.isOverloaded());
        s.connectionActivated();
        assertFalse(s.isOverloaded());
        s.bindConnection(); // next bind sets it: total 2 >= 1
        assertTrue(s.isOverloaded());
    }

    @Test
    void shouldClearOverloadOnEditThatRaisesOrRemovesUpperThreshold() {
        final RealServer s = server(1, 1, 0);
        s.bindConnection();
        assertTrue(s.isOverloaded());
        s.update(s.config().toBuilder().upperThreshold(1).build()); // same: kept
        assertTrue(s.isOverloaded());
        s.update(s.config().toBuilder().upperThreshold(2).build()); // raised: cleared
        assertFalse(s.isOverloaded());
        s.bindConnection();
        assertTrue(s.isOverloaded());
        s.update(s.config().toBuilder().upperThreshold(0).build()); // removed: cleared
        assertFalse(s.isOverloaded());
    }

    @Test
    void shouldClearOverloadOnAnyUnbindWhenThresholdsRemoved() {
        final RealServer s = server(1, 1, 0);
        s.bindConnection();
        s.bindConnection();
        assertTrue(s.isOverloaded());
        s.update(s.config().toBuilder().upperThreshold(1).build());
        assertTrue(s.isOverloaded());
        // a template unbind also re-evaluates
        s.bindTemplate();
        s.unbindTemplate(); // total 2, 8 < 3? no
        assertTrue(s.isOverloaded());
    }

    @Test
    void shouldKeepLastNonZeroWeight() {
        final RealServer s = server(5, 0, 0);
        assertEquals(5, s.lastWeight());
        s.update(s.config().toBuilder().weight(0).build());
        assertEquals(0, s.weight());
        assertEquals(5, s.lastWeight());
        s.update(s.config().toBuilder().weight(3).build());
        assertEquals(3, s.lastWeight());
        assertEquals(0, server(0, 0, 0).lastWeight());
    }

    @Test
    void shouldScaleWeightBySlowStartFactorButKeepAtLeastOne() {
        final RealServer s = server(10, 0, 0);
        s.weightFactor(0.25);
        assertEquals(3, s.weight()); // round(2.5) = 3
        s.weightFactor(0.01);
        assertEquals(1, s.weight());
        s.weightFactor(1.0);
        assertEquals(10, s.weight());
        assertThrows(IllegalArgumentException.class, () -> s.weightFactor(0));
    }

    @Test
    void shouldRefuseEditForAnotherEndpoint() {
        final RealServer s = server(1, 0, 0);
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> s.update(RealServerConfig.builder("10.0.0.3", 80).build()));
        assertEquals("server: 10.0.0.3:80 (expected: 10.0.0.2:80)", e.getMessage());
    }
}
