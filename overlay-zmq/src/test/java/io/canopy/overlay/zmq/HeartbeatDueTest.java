package io.canopy.overlay.zmq;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** When a neighbour gets a heartbeat: on its own after a keepalive, with others after half of one. */
class HeartbeatDueTest {
    private static final long KEEPALIVE = 2_000_000_000L;

    @Test
    void aNeighbourAloneGetsItsHeartbeatOnlyOnceAKeepaliveHasPassed() {
        assertFalse(DownLinks.heartbeatDue(KEEPALIVE / 2, KEEPALIVE, false));
        assertFalse(DownLinks.heartbeatDue(KEEPALIVE - 1, KEEPALIVE, false));
        assertTrue(DownLinks.heartbeatDue(KEEPALIVE, KEEPALIVE, false));
    }

    @Test
    void aWakeUpThatTalksAnywayTakesEveryNeighbourPastHalfAKeepalive() {
        assertTrue(DownLinks.heartbeatDue(KEEPALIVE / 2, KEEPALIVE, true));
        assertTrue(DownLinks.heartbeatDue(KEEPALIVE - 1, KEEPALIVE, true));
    }

    @Test
    void neverMoreOftenThanEveryHalfKeepaliveSoThatNeighboursDoNotAnswerEachOtherForEver() {
        assertFalse(DownLinks.heartbeatDue(0, KEEPALIVE, true));
        assertFalse(DownLinks.heartbeatDue(KEEPALIVE / 2 - 1, KEEPALIVE, true));
    }
}
