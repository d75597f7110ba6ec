package io.canopy.statestore;

import static io.canopy.statestore.SnapshotTest.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.canopy.broker.MemoryStateKeeper;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A follower's keeper hands up a checkpoint file and starts again from the one handed back. */
class CheckpointFormatTest {

    @Test
    void aFollowerHandsUpACheckpointFileWithItsChildrenInside() throws Exception {
        MemoryStateKeeper follower = new MemoryStateKeeper(new CheckpointFormat());
        follower.store().area("resource").putBytes("drain:n4", bytes("psu"));
        follower.store().area("resource").commit();
        follower.keepChildren(Map.of(10, bytes("ten")));

        Snapshot up = CheckpointFile.fromBytes(follower.handUp(4, "node4", Map.of(9, bytes("nine"))));

        assertEquals(4, up.rank());
        assertEquals("node4", up.host());
        assertArrayEquals(bytes("psu"), up.area("resource").get("drain:n4"));
        assertEquals(Set.of(9, 10), up.children().keySet());
    }

    @Test
    void aFollowerStartsFromWhatItsParentHandedBack() throws Exception {
        Snapshot handed = Snapshot.of(4, "node4", Map.of("resource", Map.of("drain", bytes("fan"))),
                Map.of(9, bytes("nine's checkpoint")));
        MemoryStateKeeper follower = new MemoryStateKeeper(new CheckpointFormat());

        follower.restore(CheckpointFile.toBytes(handed));

        assertArrayEquals(bytes("fan"), follower.store().area("resource").getBytes("drain").orElseThrow());
        assertArrayEquals(bytes("nine's checkpoint"), follower.takeChild(9).orElseThrow());
    }
}
