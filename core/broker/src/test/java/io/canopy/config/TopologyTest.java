package io.canopy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.canopy.idset.IdSet;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The tree the hosts form, and routing over it, for k-ary and explicit parents. */
class TopologyTest {

    private static InstanceConfig kary(int size, int fanout) throws ConfigException {
        List<Integer> ports = IntStream.range(0, size).map(r -> 10_000 + r % 50_000).boxed().toList();
        return InstanceConfig.parse(InstanceConfig.testToml(size, fanout, ports, "n"), InstanceConfigTest.FILE);
    }

    @Test
    void fanoutOneIsAChain() throws Exception {
        InstanceConfig c = kary(5, 1);
        assertEquals(OptionalInt.empty(), c.parentOf(0));
        for (int r = 1; r < 5; r++) {
            assertEquals(OptionalInt.of(r - 1), c.parentOf(r));
            assertEquals(r, c.depthOf(r));
        }
        assertEquals(List.of(1), c.childrenOf(0));
        assertEquals(List.of(), c.childrenOf(4));
        assertEquals(IdSet.parse("2-4"), c.subtreeOf(2));
        assertEquals(3, c.routeTowards(2, 4));
        assertEquals(1, c.routeTowards(2, 0));
        assertEquals(3, c.routeTowards(4, 0));
    }

    @Test
    void fanoutTwoIsABinaryTree() throws Exception {
        InstanceConfig c = kary(10, 2);
        // 0 -> 1,2; 1 -> 3,4; 2 -> 5,6; 3 -> 7,8; 4 -> 9
        assertEquals(List.of(1, 2), c.childrenOf(0));
        assertEquals(List.of(3, 4), c.childrenOf(1));
        assertEquals(List.of(5, 6), c.childrenOf(2));
        assertEquals(List.of(7, 8), c.childrenOf(3));
        assertEquals(List.of(9), c.childrenOf(4));
        assertEquals(List.of(), c.childrenOf(5));
        assertEquals(OptionalInt.of(4), c.parentOf(9));
        assertEquals(IdSet.parse("1,3-4,7-9"), c.subtreeOf(1));
        assertEquals(IdSet.parse("0-9"), c.subtreeOf(0));
        assertEquals(IdSet.parse("6"), c.subtreeOf(6));
        assertEquals(List.of(0, 1, 1, 2, 2, 2, 2, 3, 3, 3),
                IntStream.range(0, 10).map(c::depthOf).boxed().toList());
        assertEquals(1, c.routeTowards(0, 9));
        assertEquals(4, c.routeTowards(1, 9));
        assertEquals(9, c.routeTowards(4, 9));
        assertEquals(1, c.routeTowards(4, 5));
        assertEquals(0, c.routeTowards(1, 6));
        assertEquals(2, c.routeTowards(0, 6));
        assertEquals(7, c.routeTowards(7, 7));
    }

    @Test
    void fanoutThree() throws Exception {
        InstanceConfig c = kary(14, 3);
        assertEquals(List.of(1, 2, 3), c.childrenOf(0));
        assertEquals(List.of(4, 5, 6), c.childrenOf(1));
        assertEquals(List.of(10, 11, 12), c.childrenOf(3));
        assertEquals(List.of(13), c.childrenOf(4));
        assertEquals(IdSet.parse("1,4-6,13"), c.subtreeOf(1));
        assertEquals(3, c.depthOf(13));
        assertEquals(3, c.routeTowards(0, 12));
        assertEquals(4, c.routeTowards(1, 13));
        assertEquals(0, c.routeTowards(2, 13));
    }

    @Test
    void explicitParentsOverrideTheFanout() throws Exception {
        InstanceConfig c = InstanceConfig.parse("""
                [bootstrap]
                hosts = [
                  { host = "mgmt0" },
                  { host = "svc[1-2]" },
                  { host = "node[1-4]", parent = "svc2" },
                  { host = "node[5-6]", parent = "node1" },
                ]
                [tbon]
                fanout = 8
                """, InstanceConfigTest.FILE);
        // 0 mgmt0 -> 1 svc1, 2 svc2; svc2 -> 3..6 node1-4; node1 (3) -> 7, 8
        assertEquals(List.of(1, 2), c.childrenOf(0));
        assertEquals(List.of(), c.childrenOf(1));
        assertEquals(List.of(3, 4, 5, 6), c.childrenOf(2));
        assertEquals(List.of(7, 8), c.childrenOf(3));
        assertEquals(Integer.valueOf(3), c.host(8).parent());
        assertEquals(IdSet.parse("2-8"), c.subtreeOf(2));
        assertEquals(IdSet.parse("3,7-8"), c.subtreeOf(3));
        assertEquals(3, c.depthOf(8));
        assertEquals(2, c.routeTowards(0, 8));
        assertEquals(3, c.routeTowards(2, 8));
        assertEquals(0, c.routeTowards(2, 1));
        assertEquals(2, c.routeTowards(3, 4));
        assertEquals(3, c.routeTowards(7, 8));
    }

    @Test
    void aCycleThroughAFanoutParentIsFoundAndNamed() {
        ConfigException e = assertThrows(ConfigException.class, () -> InstanceConfig.parse("""
                [bootstrap]
                hosts = [ {host = "a"}, {host = "b", parent = "d"}, {host = "c", parent = "d"}, {host = "d"} ]
                [tbon]
                fanout = 1
                """, InstanceConfigTest.FILE));
        // d (rank 3) takes rank 2, c, as its fanout parent, and c names d.
        assertEquals("bootstrap.hosts[2].parent", e.key());
        assertTrue(e.getMessage().contains("parents form a cycle: c -> d -> c"), e.getMessage());
    }

    @Test
    void aLaterParentWithoutACycle() throws Exception {
        InstanceConfig c = InstanceConfig.parse("""
                [bootstrap]
                hosts = [ {host = "a"}, {host = "b", parent = "d"}, {host = "c", parent = "d"}, {host = "d"} ]
                [tbon]
                fanout = 4
                """, InstanceConfigTest.FILE);
        assertEquals(List.of(3), c.childrenOf(0));
        assertEquals(List.of(1, 2), c.childrenOf(3));
        assertEquals(IdSet.parse("1-3"), c.subtreeOf(3));
        assertEquals(3, c.routeTowards(0, 2));
        assertEquals(2, c.depthOf(1));
    }

    @Test
    void findCycleReportsTheLoopFromItsLowestRank() {
        assertEquals(List.of(), Topology.findCycle(new int[] {-1, 0, 0, 1}));
        assertEquals(List.of(1, 3, 2), Topology.findCycle(new int[] {-1, 3, 1, 2}));
        assertEquals(List.of(2), Topology.findCycle(new int[] {-1, 0, 2}));
        assertEquals(List.of(4, 5), Topology.findCycle(new int[] {-1, 0, 4, 2, 5, 4}));
    }

    @Test
    void topologyRefusesHostsThatDoNotFormATree() {
        Host root = new Host(0, "a", "tcp://a:1", "tcp://a:1", null);
        assertThrows(IllegalArgumentException.class, () -> Topology.of(List.of()));
        assertThrows(IllegalArgumentException.class, () -> Topology.of(List.of(root,
                new Host(1, "b", "x", "x", 2), new Host(2, "c", "x", "x", 1))));
        assertThrows(IllegalArgumentException.class, () -> Topology.of(List.of(root,
                new Host(1, "a", "x", "x", 0))));
        assertThrows(IllegalArgumentException.class, () -> Topology.of(List.of(root,
                new Host(2, "b", "x", "x", 0))));
        assertThrows(IllegalArgumentException.class, () -> Topology.of(List.of(root,
                new Host(1, "b", "x", "x", 7))));
    }

    @Test
    void tenThousandRanksParseAndRoute() throws Exception {
        InstanceConfig c = InstanceConfig.parse("""
                [bootstrap]
                hosts = [ {host = "mgmt0"}, {host = "node[00001-10000]"} ]
                [tbon]
                fanout = 16
                """, InstanceConfigTest.FILE);
        assertEquals(10_001, c.size());
        assertEquals(10_000, c.rankOf("node10000"));
        Topology t = c.topology();
        for (int from = 0; from < c.size(); from += 97) {
            for (int to = 0; to < c.size(); to += 101) {
                int hop = c.routeTowards(from, to);
                if (from == to) {
                    assertEquals(from, hop);
                } else if (t.isInSubtree(to, from)) {
                    assertEquals(from, t.parent(hop));
                    assertTrue(t.isInSubtree(to, hop));
                } else {
                    assertEquals(t.parent(from), hop);
                }
            }
        }
        assertEquals(c.size(), c.subtreeOf(0).size());
        assertEquals(4, c.depthOf(10_000));
    }

    @Test
    void aLongChainRoutesHopByHop() throws Exception {
        InstanceConfig c = kary(10_000, 1);
        assertEquals(9_999, c.depthOf(9_999));
        assertEquals(1, c.routeTowards(0, 9_999));
        assertEquals(9_998, c.routeTowards(9_999, 0));
        assertEquals(IdSet.range(5_000, 9_999), c.subtreeOf(5_000));
    }

    @Test
    void everyRouteReachesItsTargetAlongTreeEdges() throws Exception {
        for (InstanceConfig c : List.of(kary(40, 1), kary(40, 2), kary(40, 3), kary(40, 39))) {
            for (int from = 0; from < c.size(); from++) {
                for (int to = 0; to < c.size(); to++) {
                    List<Integer> path = new ArrayList<>(List.of(from));
                    int at = from;
                    while (at != to) {
                        int next = c.routeTowards(at, to);
                        boolean edge = c.parentOf(at).orElse(-1) == next || c.childrenOf(at).contains(next);
                        assertTrue(edge, "hop " + at + "->" + next + " is not a tree edge");
                        path.add(next);
                        at = next;
                        assertTrue(path.size() <= 2 * c.size(), "no loop: " + path);
                    }
                    int expected = c.depthOf(from) + c.depthOf(to) - 2 * lcaDepth(c, from, to);
                    assertEquals(expected, path.size() - 1, "shortest path " + path);
                }
            }
        }
    }

    @Test
    void subtreeMembershipMatchesAncestry() throws Exception {
        InstanceConfig c = kary(30, 3);
        Topology t = c.topology();
        for (int a = 0; a < 30; a++) {
            for (int r = 0; r < 30; r++) {
                boolean below = false;
                for (int x = r; x >= 0; x = t.parent(x)) {
                    below |= x == a;
                }
                assertEquals(below, t.isInSubtree(r, a), r + " under " + a);
                assertEquals(below, c.subtreeOf(a).contains(r));
            }
        }
        assertFalse(t.isInSubtree(0, 1));
    }

    private static int lcaDepth(InstanceConfig c, int a, int b) {
        while (c.depthOf(a) > c.depthOf(b)) {
            a = c.parentOf(a).getAsInt();
        }
        while (c.depthOf(b) > c.depthOf(a)) {
            b = c.parentOf(b).getAsInt();
        }
        while (a != b) {
            a = c.parentOf(a).getAsInt();
            b = c.parentOf(b).getAsInt();
        }
        return c.depthOf(a);
    }
}
