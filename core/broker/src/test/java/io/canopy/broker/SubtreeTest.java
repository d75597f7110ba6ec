package io.canopy.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.canopy.idset.IdSet;
import io.canopy.overlay.PeerStatus;
import io.canopy.overlay.Topology;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a broker knows of its subtree from its links and its children's reports: a rank below a
 * child counts only as that child last reported it, and not at all (offline) while the child is
 * away or has not reported since it joined; a child counts as online only once its broker runs.
 */
class SubtreeTest {
    /** Seven ranks, fanout 2, seen from {@code rank}: 0 -> 1,2; 1 -> 3,4; 2 -> 5,6. */
    private static Topology binary(int rank) {
        return new Topology() {
            @Override
            public int rank() {
                return rank;
            }

            @Override
            public int size() {
                return 7;
            }

            @Override
            public int parent() {
                return rank == 0 ? -1 : (rank - 1) / 2;
            }

            @Override
            public List<Integer> children() {
                return childrenOf(rank);
            }

            @Override
            public String host(int r) {
                return "node" + r;
            }

            @Override
            public int nextHop(int dest) {
                throw new UnsupportedOperationException("not routed here");
            }

            @Override
            public boolean inSubtree(int root, int r) {
                for (int a = r; a >= 0; a = a == 0 ? -1 : (a - 1) / 2) {
                    if (a == root) {
                        return true;
                    }
                }
                return false;
            }

            @Override
            public List<Integer> childrenOf(int r) {
                List<Integer> out = new ArrayList<>();
                for (int c = 2 * r + 1; c <= 2 * r + 2 && c < 7; c++) {
                    out.add(c);
                }
                return out;
            }
        };
    }

    private static Map<String, IdSet> members(String online, String torpid, String lost, String offline) {
        Map<String, IdSet> m = new LinkedHashMap<>();
        m.put("online", IdSet.parse(online));
        m.put("torpid", IdSet.parse(torpid));
        m.put("lost", IdSet.parse(lost));
        m.put("offline", IdSet.parse(offline));
        return m;
    }

    @Test
    void nothingIsKnownBeforeTheChildrenJoin() {
        Subtree leader = new Subtree(binary(0));
        assertEquals(members("0", "", "", "1-6"), leader.members(0));
    }

    @Test
    void aChildThatJoinedCountsOnceItRunsAndItsSubtreeAsItReportsIt() {
        Subtree leader = new Subtree(binary(0));
        leader.link(1, PeerStatus.ONLINE);
        assertEquals(members("0", "", "", "1-6"), leader.members(0), "linked but not reported: not yet usable");
        leader.report(1, "init", members("", "", "", "3-4"));
        assertEquals(members("0", "", "", "1-6"), leader.members(0), "still starting");
        leader.report(1, "run", members("3", "4", "", ""));
        assertEquals(members("0-1,3", "4", "", "2,5-6"), leader.members(0));
    }

    @Test
    void aRestartedLeaderLearnsOfRanksBelowItsChildrenFromTheirReports() {
        Subtree leader = new Subtree(binary(0));
        leader.link(1, PeerStatus.ONLINE);
        leader.link(2, PeerStatus.ONLINE);
        leader.report(1, "run", members("3-4", "", "", ""));
        leader.report(2, "run", members("5", "", "6", ""));
        assertEquals(members("0-5", "", "6", ""), leader.members(0));
    }

    @Test
    void theRanksBelowALostChildAreOfflineAndStayOfflineWhenItReturnsUntilItReports() {
        Subtree leader = new Subtree(binary(0));
        leader.link(1, PeerStatus.ONLINE);
        leader.report(1, "run", members("3-4", "", "", ""));
        leader.link(1, PeerStatus.LOST);
        assertEquals(members("0", "", "1", "2-6"), leader.members(0));
        leader.link(1, PeerStatus.ONLINE); // a restarted router: its children have not rejoined it yet
        assertEquals(members("0", "", "", "1-6"), leader.members(0));
        leader.report(1, "run", members("4", "", "", "3"));
        assertEquals(members("0-1,4", "", "", "2-3,5-6"), leader.members(0));
    }

    @Test
    void aTorpidChildKeepsItsReportAndAChildShuttingDownIsNoLongerUsable() {
        Subtree leader = new Subtree(binary(0));
        leader.link(2, PeerStatus.ONLINE);
        leader.report(2, "run", members("5-6", "", "", ""));
        leader.link(2, PeerStatus.TORPID);
        assertEquals(members("0,5-6", "2", "", "1,3-4"), leader.members(0));
        leader.link(2, PeerStatus.ONLINE);
        assertEquals(members("0,2,5-6", "", "", "1,3-4"), leader.members(0));
        leader.report(2, "shutdown", members("5-6", "", "", ""));
        assertEquals(members("0,5-6", "", "", "1-4"), leader.members(0));
    }

    @Test
    void aReportCannotSpeakForRanksOutsideTheChildsSubtreeNorComeFromAStranger() {
        Subtree leader = new Subtree(binary(0));
        leader.link(1, PeerStatus.ONLINE);
        leader.report(1, "run", members("1-6", "", "", ""));
        assertEquals(members("0-1,3-4", "", "", "2,5-6"), leader.members(0));
        assertFalse(leader.report(5, "run", members("5", "", "", "")), "rank 5 is not the leader's child");
    }

    @Test
    void aRouterReportsOnlyWhatIsBelowIt() {
        Subtree router = new Subtree(binary(1));
        router.link(3, PeerStatus.ONLINE);
        router.report(3, "run", members("", "", "", ""));
        assertEquals(members("3", "", "", "4"), router.members(null));
    }
}
