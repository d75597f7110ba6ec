package io.canopy.broker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.canopy.module.Checkpoint;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MemoryCheckpointStoreTest {

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void startsFromTheContentsItIsGiven() {
        MemoryCheckpointStore store = new MemoryCheckpointStore(Map.of("resource", Map.of("drain", bytes("fan"))));

        assertArrayEquals(bytes("fan"), store.area("resource").getBytes("drain").orElseThrow());
        assertEquals(Set.of("resource"), store.committed().keySet());
    }

    @Test
    void stagedChangesShowAtOnceButOnlyCommittedOnesAreHandedOn() throws Exception {
        MemoryCheckpointStore store = new MemoryCheckpointStore();
        Checkpoint area = store.area("sched");
        area.putBytes("a", bytes("1"));
        area.put("b", 2);

        assertEquals(Set.of("a", "b"), area.keys());
        assertEquals(Optional.of(2), area.get("b", Integer.class));
        assertEquals(Map.of(), store.committed(), "nothing committed, and an empty area is left out");

        area.commit();
        area.remove("a");

        assertEquals(Set.of("a", "b"), store.committed().get("sched").keySet(), "the staged remove is not committed");
        assertEquals(Set.of("b"), area.keys());
        area.commit();
        assertEquals(Set.of("b"), store.committed().get("sched").keySet());
    }

    @Test
    void theSameAreaEachTimeAndValuesCannotBeChangedFromOutside() throws Exception {
        MemoryCheckpointStore store = new MemoryCheckpointStore();
        assertSame(store.area("m"), store.area("m"));
        byte[] v = bytes("abc");
        store.area("m").putBytes("k", v);
        v[0] = 'X';
        store.area("m").getBytes("k").orElseThrow()[1] = 'Y';
        store.area("m").commit();
        store.area("m").getBytes("k").orElseThrow()[2] = 'Z';
        store.committed().get("m").get("k")[0] = 'W';
        assertArrayEquals(bytes("abc"), store.area("m").getBytes("k").orElseThrow());
    }
}
