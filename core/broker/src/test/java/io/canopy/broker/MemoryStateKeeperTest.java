package io.canopy.broker;

import static io.canopy.broker.MemoryCheckpointStoreTest.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MemoryStateKeeperTest {

    @Test
    void whatIsHandedUpComesBackAtTheNextStartWithTheChildrensCheckpoints() throws Exception {
        MemoryStateKeeper before = new MemoryStateKeeper();
        before.store().area("resource").putBytes("drain:n4", bytes("psu"));
        before.store().area("resource").commit();
        before.store().area("resource").putBytes("uncommitted", bytes("lost"));

        byte[] up = before.handUp(4, "node4", Map.of(9, bytes("nine")));
        MemoryStateKeeper after = new MemoryStateKeeper();
        after.restore(up);

        assertArrayEquals(bytes("psu"), after.store().area("resource").getBytes("drain:n4").orElseThrow());
        assertEquals(Set.of("drain:n4"), after.store().area("resource").keys());
        assertArrayEquals(bytes("nine"), after.takeChild(9).orElseThrow());
        assertEquals(Optional.empty(), after.takeChild(9), "a kept checkpoint is handed back once");
    }

    @Test
    void aKeptChildIsHandedUpAgainUnlessTheChildHandedUpAFresherOneOrKeptItsLiveState() throws Exception {
        MemoryStateKeeper keeper = new MemoryStateKeeper();
        keeper.keepChildren(Map.of(9, bytes("old nine"), 10, bytes("ten"), 11, bytes("eleven")));
        keeper.dropChild(11);

        MemoryStateKeeper parent = new MemoryStateKeeper();
        parent.restore(keeper.handUp(4, "node4", Map.of(9, bytes("new nine"))));

        assertArrayEquals(bytes("new nine"), parent.takeChild(9).orElseThrow());
        assertArrayEquals(bytes("ten"), parent.takeChild(10).orElseThrow());
        assertEquals(Optional.empty(), parent.takeChild(11));
    }

    @Test
    void nothingHandedBackLeavesTheKeeperEmptyAndUnreadableBytesAreRefused() throws Exception {
        MemoryStateKeeper keeper = new MemoryStateKeeper();
        keeper.restore(new byte[0]);
        assertTrue(keeper.store().area("m").keys().isEmpty());
        assertThrows(IOException.class, () -> keeper.restore(bytes("not a checkpoint")));
    }
}
