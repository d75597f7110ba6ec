package io.canopy.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BrokerStateTest {

    @Test
    void statesAdvanceOneStepAtATime() {
        BrokerState[] all = BrokerState.values();
        for (int i = 0; i + 1 < all.length; i++) {
            assertTrue(all[i].canMoveTo(all[i + 1]), all[i] + "->" + all[i + 1]);
        }
        assertFalse(BrokerState.JOIN.canMoveTo(BrokerState.RUN));
        assertFalse(BrokerState.INIT.canMoveTo(BrokerState.JOIN));
        assertFalse(BrokerState.CLEANUP.canMoveTo(BrokerState.JOIN));
        assertFalse(BrokerState.EXIT.canMoveTo(BrokerState.SHUTDOWN));
    }

    @Test
    void anyStateBeforeShutdownMayJumpToIt() {
        for (BrokerState s : BrokerState.values()) {
            boolean before = s.ordinal() < BrokerState.SHUTDOWN.ordinal();
            assertEquals(before, s.canMoveTo(BrokerState.SHUTDOWN), s.name() + "->shutdown");
        }
    }

    @Test
    void aFollowerThatLostItsParentGoesBackToJoinAndRejoinsWithoutInit() {
        assertTrue(BrokerState.RUN.canMoveTo(BrokerState.JOIN));
        assertTrue(BrokerState.QUORUM.canMoveTo(BrokerState.JOIN));
        assertTrue(BrokerState.JOIN.canMoveTo(BrokerState.QUORUM));
    }

    @Test
    void illegalMovesAreRefused() {
        StateMachine sm = new StateMachine();
        assertThrows(IllegalStateException.class, () -> sm.move("bogus", BrokerState.RUN));
        sm.move("parent-none", BrokerState.INIT);
        assertEquals(BrokerState.INIT, sm.state());
        assertEquals("init", sm.state().label());
    }
}
