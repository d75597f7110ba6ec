package io.canopy.modules.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FirstFitTest {
    private static NodeView idle(int rank, int cores) {
        return new NodeView(rank, cores, 0, true, false, false);
    }

    @Test
    void tasksFillTheFreeCoresOfEachNodeInRankOrder() {
        List<NodeView> nodes = List.of(new NodeView(0, 4, 3, true, false, false), idle(1, 4), idle(2, 4));
        assertEquals(Optional.of(Map.of(0, 1, 1, 4, 2, 1)), FirstFit.place(nodes, 0, 6));
    }

    @Test
    void nodesAskedForGetAnEvenShareTheFirstOnesOneMore() {
        List<NodeView> nodes = List.of(idle(0, 4), idle(1, 4), idle(2, 4));
        Map<Integer, Integer> placed = FirstFit.place(nodes, 3, 7).orElseThrow();
        assertEquals(List.of(3, 2, 2), List.copyOf(placed.values()));
    }

    @Test
    void drainedExcludedDownAndUnknownNodesTakeNothing() {
        List<NodeView> nodes = List.of(new NodeView(0, 4, 0, true, true, false), new NodeView(1, 4, 0, true, false, true),
                new NodeView(2, 4, 0, false, false, false), new NodeView(3, 0, 0, true, false, false), idle(4, 4));
        assertEquals(Optional.of(Map.of(4, 1)), FirstFit.place(nodes, 1, 1));
        assertEquals(Optional.empty(), FirstFit.place(nodes, 2, 2));
    }

    @Test
    void aJobThatFitsLaterWaitsButOneThatNeverFitsSaysWhy() {
        List<NodeView> nodes = List.of(new NodeView(0, 2, 2, true, false, false), new NodeView(1, 2, 0, true, true, false),
                new NodeView(2, 2, 0, true, false, true));
        assertEquals(Optional.empty(), FirstFit.place(nodes, 0, 2));
        assertEquals(Optional.empty(), FirstFit.never(nodes, 0, 4), "4 cores on the two nodes not excluded, some day");
        String why = FirstFit.never(nodes, 0, 5).orElseThrow();
        assertTrue(why.contains("5 cores") && why.contains("has 4") && why.contains("1 excluded"), why);
        assertTrue(FirstFit.never(nodes, 3, 3).orElseThrow().contains("3 nodes"));
        assertTrue(FirstFit.never(nodes, 1, 3).orElseThrow().contains("largest node has 2 cores"));
    }
}
