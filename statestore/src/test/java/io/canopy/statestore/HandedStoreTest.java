package io.canopy.statestore;

import static io.canopy.statestore.SnapshotTest.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.canopy.module.Checkpoint;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HandedStoreTest {

    @Test
    void startsFromWhatTheParentHandedBack() {
        Snapshot handed = Snapshot.of(4, "node4", Map.of("resource", Map.of("drain", bytes("fan"))),
                Map.of(9, bytes("nine's checkpoint")));

        HandedStore store = HandedStore.from(handed);

        assertArrayEquals(bytes("fan"), store.area("resource").getBytes("drain").orElseThrow());
        assertArrayEquals(bytes("nine's checkpoint"), store.child(9).orElseThrow());
        assertEquals(Optional.empty(), store.child(10));
    }

    @Test
    void stagedChangesShowAtOnceButAreHandedUpOnlyOnceCommitted() throws Exception {
        HandedStore store = HandedStore.empty();
        Checkpoint area = store.area("sched");
        area.putBytes("a", bytes("1"));
        area.put("b", 2);

        assertEquals(Set.of("a", "b"), area.keys());
        assertEquals(Optional.of(2), area.get("b", Integer.class));
        assertEquals(Map.of(), store.snapshot(4, "node4", Map.of()).areas());

        area.commit();
        area.remove("a");

        Snapshot up = store.snapshot(4, "node4", Map.of(9, bytes("nine")));
        assertEquals(Set.of("a", "b"), up.area("sched").keySet(), "the staged remove is not handed up");
        assertArrayEquals(bytes("nine"), up.children().get(9));
        assertEquals(Set.of("b"), area.keys());
    }

    @Test
    void theSameAreaEachTimeAndValuesCannotBeChangedFromOutside() throws Exception {
        HandedStore store = HandedStore.empty();
        assertSame(store.area("m"), store.area("m"));
        byte[] v = bytes("abc");
        store.area("m").putBytes("k", v);
        v[0] = 'X';
        store.area("m").getBytes("k").orElseThrow()[1] = 'Y';
        store.area("m").commit();
        assertArrayEquals(bytes("abc"), store.area("m").getBytes("k").orElseThrow());
    }

    @Test
    void aRoundTripThroughTheParentKeepsEverything() throws Exception {
        HandedStore before = HandedStore.empty();
        before.area("resource").putBytes("drain:n4", bytes("psu"));
        before.area("resource").commit();

        byte[] up = CheckpointFile.toBytes(before.snapshot(4, "node4", Map.of()));
        HandedStore after = HandedStore.from(CheckpointFile.fromBytes(up));

        assertTrue(after.area("resource").getBytes("drain:n4").isPresent());
    }
}
