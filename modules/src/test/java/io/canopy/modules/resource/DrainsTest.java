package io.canopy.modules.resource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.idset.IdSet;
import io.canopy.message.Errno;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Drain modes as flux-core has them, exclusions that cannot be drained, and errors that name hosts. */
class DrainsTest {
    private Inventory inv;
    private DrainSet set;
    private Exclusions excluded;
    private Drains drains;

    @BeforeEach
    void fiveNodesWithRankZeroExcluded() throws RpcException {
        List<Map<String, Object>> ranks = new ArrayList<>();
        for (int r = 0; r < 5; r++) {
            ranks.add(Map.of("rank", r, "host", "node" + r, "children", r == 0 ? List.of(1, 2, 3, 4) : List.of()));
        }
        JsonNode topo = Payloads.tree(Payloads.encode(Map.of("size", 5, "ranks", ranks)));
        inv = new Inventory(topo);
        set = new DrainSet(new ResourcePartsTest.FakeCheckpoint());
        excluded = new Exclusions(IdSet.of(0));
        drains = new Drains(set, excluded);
    }

    private static Drain by(String reason, double time) {
        return new Drain(reason, 0, "root", time);
    }

    @Test
    void drainingADrainedNodeFailsAndChangesNothing() throws RpcException {
        drains.drain(List.of(1), by("first", 1), DrainMode.FAIL, inv);

        RpcException e = assertThrows(RpcException.class,
                () -> drains.drain(List.of(1, 2), by("second", 2), DrainMode.FAIL, inv));

        assertEquals(Errno.EEXIST, e.errnum());
        assertEquals("node1 (rank 1) already drained (reason: first); nothing was changed", e.getMessage());
        assertEquals("first", set.get(1).reason());
        assertNull(set.get(2), "rank 2 was not drained: the request failed as a whole");
    }

    @Test
    void severalDrainedNodesAreNamedAsAHostlist() throws RpcException {
        drains.drain(List.of(1, 2), by("first", 1), DrainMode.FAIL, inv);

        RpcException e = assertThrows(RpcException.class,
                () -> drains.drain(List.of(1, 2, 3), by("second", 2), DrainMode.FAIL, inv));

        assertEquals("node[1-2] (ranks 1-2) already drained; nothing was changed", e.getMessage());
    }

    @Test
    void updateLeavesDrainedNodesAsTheyAreAndDrainsTheRest() throws RpcException {
        drains.drain(List.of(1), by("first", 1), DrainMode.FAIL, inv);

        Drains.Change c = drains.drain(List.of(1, 2), by("second", 2), DrainMode.UPDATE, inv);

        assertEquals(List.of(2), c.ranks());
        assertEquals("first", set.get(1).reason());
        assertEquals("second", set.get(2).reason());
    }

    @Test
    void forceReplacesTheReasonAndKeepsTheTimeUnlessGivenTwice() throws RpcException {
        drains.drain(List.of(1), by("first", 1), DrainMode.FAIL, inv);

        drains.drain(List.of(1), by("second", 2), DrainMode.OVERWRITE, inv);
        assertEquals("second", set.get(1).reason());
        assertEquals(1.0, set.get(1).time());

        Drains.Change c = drains.drain(List.of(1), by("third", 3), DrainMode.FORCE_OVERWRITE, inv);
        assertEquals("third", set.get(1).reason());
        assertEquals(3.0, set.get(1).time());
        assertEquals("second", c.before().get(1).get(0).reason(), "the change keeps what it replaced, for the eventlog");
    }

    @Test
    void excludedNodesCannotBeDrainedInAnyMode() {
        for (DrainMode mode : DrainMode.values()) {
            RpcException e = assertThrows(RpcException.class,
                    () -> drains.drain(List.of(0, 1), by("oops", 1), mode, inv));
            assertEquals(Errno.EINVAL, e.errnum());
            assertTrue(e.getMessage().startsWith("node0 (rank 0) excluded by [resource] exclude: it runs no jobs"),
                    e.getMessage());
            assertNull(set.get(1), "nothing changed in mode " + mode);
        }
    }

    @Test
    void undrainNamesTheHostsThatAreNotDrained() throws RpcException {
        drains.drain(List.of(1), by("first", 1), DrainMode.FAIL, inv);

        RpcException e = assertThrows(RpcException.class, () -> drains.undrain(List.of(1, 3, 4), null, inv));

        assertEquals("node[3-4] (ranks 3-4) not drained; nothing was changed", e.getMessage());
        assertEquals("first", set.get(1).reason());
    }

    @Test
    void aDrainedNodeThatBecomesExcludedIsUndrained() throws RpcException {
        drains.drain(List.of(1, 2), by("first", 1), DrainMode.FAIL, inv);
        excluded.set(IdSet.of(0, 2));

        Drains.Change c = drains.undrainExcluded(Drains.NONE);

        assertEquals(List.of(2), c.ranks());
        assertNull(set.get(2));
        assertEquals("first", set.get(1).reason());
    }

    private static Drain from(String source, String reason, double time) {
        return new Drain(reason, 0, "root", time, source);
    }

    @Test
    void aNodeDrainedByTwoSourcesShowsBothAndStaysDrainedUntilBothAreCleared() throws RpcException {
        drains.drain(List.of(1), from("admin", "bad DIMM", 1), DrainMode.FAIL, inv);
        drains.drain(List.of(1), from("lost", "lost", 2), DrainMode.FAIL, inv);

        assertEquals(List.of("admin", "lost"), set.of(1).stream().map(Drain::source).toList());
        drains.undrain(List.of(1), DrainSource.LOST, inv);
        assertEquals(List.of("admin"), set.of(1).stream().map(Drain::source).toList(), "the admin's drain stays");
        drains.undrain(List.of(1), DrainSource.ADMIN, inv);
        assertTrue(!set.isDrained(1));
    }

    @Test
    void anAutomaticUndrainClearsOnlyItsOwnSourceNeverAnAdministrators() throws RpcException {
        drains.drain(List.of(1, 2), from("reboot", "kernel update", 1), DrainMode.FAIL, inv);
        drains.drain(List.of(2, 3), from("admin", "fan noise", 2), DrainMode.FAIL, inv);

        Drains.Change c = drains.release(List.of(1, 2, 3), DrainSource.REBOOT, Drains.NONE);

        assertEquals(List.of(1, 2), c.ranks(), "only the nodes the reboot drained");
        assertTrue(!set.isDrained(1));
        assertEquals("fan noise", set.get(2).reason(), "node2 keeps the administrator's drain");
        assertEquals("admin", set.get(3).source());
    }

    @Test
    void anUndrainWithoutASourceClearsEveryDrainAndOneWithASourceNamesWhatHoldsTheNode() throws RpcException {
        drains.drain(List.of(1), from("epilog", "epilog failed on node1: exit 1", 1), DrainMode.FAIL, inv);
        drains.drain(List.of(2), from("admin", "x", 1), DrainMode.FAIL, inv);
        RpcException e = assertThrows(RpcException.class, () -> drains.undrain(List.of(1), DrainSource.ADMIN, inv));
        assertEquals("node1 (rank 1) not drained by admin (drained by epilog); nothing was changed", e.getMessage());

        drains.drain(List.of(1), from("admin", "look at it", 2), DrainMode.FAIL, inv);
        drains.undrain(List.of(1, 2), null, inv);

        assertTrue(set.all().isEmpty());
    }

    @Test
    void drainingAgainIsAnErrorOnlyForTheSameSource() throws RpcException {
        drains.drain(List.of(1), from("lost", "lost", 1), DrainMode.FAIL, inv);
        drains.drain(List.of(1), from("admin", "mine", 2), DrainMode.FAIL, inv);
        RpcException e = assertThrows(RpcException.class,
                () -> drains.drain(List.of(1), from("lost", "lost", 3), DrainMode.FAIL, inv));
        assertEquals("node1 (rank 1) already drained (lost) (reason: lost); nothing was changed", e.getMessage());
    }

    @Test
    void theSourcesAreReadByTheirWireNamesAndGuessedForThePreviousReleasesDrains() throws RpcException {
        assertEquals(DrainSource.ADMIN, DrainSource.parse(""));
        assertEquals(DrainSource.REBOOT, DrainSource.parse("reboot"));
        assertEquals("invalid drain source 'root' (use admin, health, epilog, lost, reboot)",
                assertThrows(RpcException.class, () -> DrainSource.parse("root")).getMessage());
        assertEquals("lost", new Drain("lost", 0, "root", 1, null).source());
        assertEquals("epilog", new Drain("epilog failed on n1: exit 1", 0, "root", 1, null).source());
        assertEquals("admin", new Drain("DIMM", 0, "root", 1, null).source());
    }

    @Test
    void modesAreReadByTheirWireNames() throws RpcException {
        assertEquals(DrainMode.FAIL, DrainMode.parse(""));
        assertEquals(DrainMode.UPDATE, DrainMode.parse("update"));
        assertEquals(DrainMode.FORCE_OVERWRITE, DrainMode.parse("force-overwrite"));
        RpcException e = assertThrows(RpcException.class, () -> DrainMode.parse("foo"));
        assertEquals("invalid drain mode 'foo' (use fail, update, overwrite or force-overwrite)", e.getMessage());
    }

    @Test
    void excludeArgumentsAreRanksWithinTheInstance() {
        assertEquals(IdSet.of(0, 1), Exclusions.parse("0-1", 5));
        assertTrue(Exclusions.parse("", 5).isEmpty());
        IllegalArgumentException beyond = assertThrows(IllegalArgumentException.class, () -> Exclusions.parse("3-6", 5));
        assertTrue(beyond.getMessage().contains("names rank(s) 5-6, beyond this instance's ranks 0-4"), beyond.getMessage());
        IllegalArgumentException hosts = assertThrows(IllegalArgumentException.class,
                () -> Exclusions.parse("mgmt0", 5));
        assertTrue(hosts.getMessage().contains("is not a set of ranks"), hosts.getMessage());
    }
}
