package io.canopy.modules.resource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.message.Errno;
import io.canopy.module.Checkpoint;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The resource module's parts: targets, effective status behind a broken link, drains that persist. */
class ResourcePartsTest {

    /** Seven ranks, fanout 2: 0 -> 1,2; 1 -> 3,4; 2 -> 5,6; hosts node0..node6. */
    private static Inventory inventory() throws RpcException {
        List<Map<String, Object>> ranks = new java.util.ArrayList<>();
        for (int r = 0; r < 7; r++) {
            List<Integer> children = new java.util.ArrayList<>();
            for (int c = 2 * r + 1; c <= 2 * r + 2 && c < 7; c++) {
                children.add(c);
            }
            ranks.add(Map.of("rank", r, "host", "node" + r, "children", children));
        }
        JsonNode topo = Payloads.tree(Payloads.encode(Map.of("size", 7, "ranks", ranks)));
        return new Inventory(topo);
    }

    /** A checkpoint area in memory whose commit can be made to fail. */
    static final class FakeCheckpoint implements Checkpoint {
        final Map<String, byte[]> committed = new HashMap<>();
        final Map<String, byte[]> staged = new HashMap<>();
        boolean full;

        @Override
        public Optional<byte[]> getBytes(String key) {
            return Optional.ofNullable(staged.getOrDefault(key, committed.get(key)));
        }

        @Override
        public void putBytes(String key, byte[] value) {
            staged.put(key, value);
        }

        @Override
        public void remove(String key) {
            staged.remove(key);
            committed.remove(key);
        }

        @Override
        public Set<String> keys() {
            return committed.keySet();
        }

        @Override
        public void commit() throws RpcException {
            if (full) {
                throw new RpcException(Errno.ENOSPC, "No space left on device");
            }
            committed.putAll(staged);
            staged.clear();
        }
    }

    @Test
    void targetsAreRanksOrHostsAndUnknownOnesAreNamed() throws Exception {
        Inventory inv = inventory();
        assertEquals(List.of(0, 1, 2, 3), List.copyOf(Targets.resolve("0-3", inv)));
        assertEquals(List.of(4, 5), List.copyOf(Targets.resolve("node[4-5]", inv)));
        RpcException rank = assertThrows(RpcException.class, () -> Targets.resolve("5-9", inv));
        assertTrue(rank.getMessage().contains("no such rank(s): 7,8,9"), rank.getMessage());
        RpcException host = assertThrows(RpcException.class, () -> Targets.resolve("node[6-8]", inv));
        assertTrue(host.getMessage().contains("unknown host(s): node[7-8]"), host.getMessage());
        assertEquals(Errno.EINVAL, assertThrows(RpcException.class, () -> Targets.resolve("3-1", inv)).errnum());
    }

    @Test
    void ranksBehindALostParentCountAsOffline() throws Exception {
        Inventory inv = inventory();
        for (int r = 1; r < 7; r++) {
            inv.report(r, "online");
        }
        inv.report(1, "lost");
        assertEquals("lost", inv.effective(1));
        assertEquals("offline", inv.effective(3));
        assertEquals("online", inv.effective(5));
    }

    @Test
    void drainsSurviveANewModuleInstanceAndAFailedCommitChangesNothing() throws Exception {
        FakeCheckpoint cp = new FakeCheckpoint();
        DrainSet drains = new DrainSet(cp);
        drains.update(d -> d.put(3, new Drain("bad dimm", 0, "root", 1.5)));
        DrainSet again = new DrainSet(cp);
        assertEquals("bad dimm", again.get(3).reason());

        cp.full = true;
        RpcException e = assertThrows(RpcException.class,
                () -> again.update(d -> d.put(4, new Drain("x", 0, "root", 2))));
        assertEquals(Errno.ENOSPC, e.errnum());
        assertNull(again.get(4));
        assertNotNull(again.get(3));
    }

    @Test
    void theLeadersPictureOfTheTreeSetsEveryRankAndOnlyChangesAreHandedOn() throws Exception {
        List<String> changes = new java.util.ArrayList<>();
        Monitor monitor = new Monitor((rank, status) -> changes.add(rank + "=" + status));
        monitor.apply(picture("0-2", "", "", "3-6")); // before the inventory: kept, applied once it is known
        assertTrue(changes.isEmpty());
        Inventory inv = inventory();
        monitor.inventory(inv);
        assertEquals(List.of("1=online", "2=online"), changes);
        changes.clear();
        monitor.apply(picture("0-4", "", "2", "5-6"));
        assertEquals(List.of("3=online", "4=online", "2=lost"), changes);
        assertEquals("offline", inv.effective(5));
        assertEquals("online", inv.effective(4));
    }

    private static JsonNode picture(String online, String torpid, String lost, String offline) throws RpcException {
        return Payloads.tree(Payloads.encode(Map.of("online", online, "torpid", torpid, "lost", lost, "offline", offline)));
    }
}
