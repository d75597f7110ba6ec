package io.canopy.statestore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SnapshotTest {

    @Test
    void copiesWhatItIsGivenSoLaterChangesDoNotLeakIn() {
        byte[] value = bytes("idle");
        Map<String, byte[]> area = new HashMap<>(Map.of("node1", value));
        Map<String, Map<String, byte[]>> areas = new HashMap<>(Map.of("resource", area));
        Snapshot s = new Snapshot(1, 0, "leader", 5L, areas, Map.of(3, bytes("child")));

        value[0] = 'X';
        area.put("node2", bytes("busy"));
        areas.put("sched", Map.of());

        assertArrayEquals(bytes("idle"), s.area("resource").get("node1"));
        assertEquals(java.util.Set.of("resource"), s.areas().keySet());
        assertThrows(UnsupportedOperationException.class, () -> s.areas().put("x", Map.of()));
        assertThrows(UnsupportedOperationException.class, () -> s.area("resource").put("x", new byte[0]));
        assertThrows(UnsupportedOperationException.class, () -> s.children().remove(3));
    }

    @Test
    void equalityComparesContentsNotArrays() {
        Snapshot a = new Snapshot(1, 2, "n2", 7L, Map.of("m", Map.of("k", bytes("v"))), Map.of(5, bytes("c")));
        Snapshot b = new Snapshot(1, 2, "n2", 7L, Map.of("m", Map.of("k", bytes("v"))), Map.of(5, bytes("c")));
        Snapshot c = new Snapshot(1, 2, "n2", 7L, Map.of("m", Map.of("k", bytes("w"))), Map.of(5, bytes("c")));
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, c);
    }

    @Test
    void ofTakesTheCurrentFormat() {
        assertEquals(CheckpointFile.FORMAT_VERSION, Snapshot.empty(4, "n4").formatVersion());
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
