package io.canopy.broker;

import static io.canopy.broker.BrokerEvent.CHILDREN_COMPLETE;
import static io.canopy.broker.BrokerEvent.CHILDREN_NONE;
import static io.canopy.broker.BrokerEvent.CLEANUP_NONE;
import static io.canopy.broker.BrokerEvent.FINALIZE_DONE;
import static io.canopy.broker.BrokerEvent.INIT_SUCCESS;
import static io.canopy.broker.BrokerEvent.PARENT_LOST;
import static io.canopy.broker.BrokerEvent.PARENT_NONE;
import static io.canopy.broker.BrokerEvent.PARENT_READY;
import static io.canopy.broker.BrokerEvent.PARENT_READY_REJOIN;
import static io.canopy.broker.BrokerEvent.PARENT_RUN;
import static io.canopy.broker.BrokerEvent.QUORUM_FULL;
import static io.canopy.broker.BrokerEvent.SHUTDOWN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Walks the broker's state table: every legal path, and the refusal of every other event. */
class StateTableTest {

    @Test
    void theLeaderWalksFromJoinToExit() {
        assertWalk(List.of(PARENT_NONE, INIT_SUCCESS, QUORUM_FULL, SHUTDOWN, CLEANUP_NONE, CHILDREN_COMPLETE,
                FINALIZE_DONE), "join", "init", "quorum", "run", "cleanup", "shutdown", "finalize", "exit");
    }

    @Test
    void aFollowerJoinsInitialisesRunsWithItsParentAndExitsWithoutWaitingForChildren() {
        assertWalk(List.of(PARENT_READY, INIT_SUCCESS, PARENT_RUN, SHUTDOWN, CLEANUP_NONE, CHILDREN_NONE,
                FINALIZE_DONE), "join", "init", "quorum", "run", "cleanup", "shutdown", "finalize", "exit");
    }

    @Test
    void aFollowerThatLostItsParentInRunRejoinsWithoutInit() {
        assertWalk(List.of(PARENT_READY, INIT_SUCCESS, PARENT_RUN, PARENT_LOST, PARENT_READY_REJOIN, PARENT_RUN),
                "join", "init", "quorum", "run", "join", "quorum", "run");
    }

    @Test
    void aFollowerThatLostItsParentInQuorumRejoinsWithoutInit() {
        assertWalk(List.of(PARENT_READY, INIT_SUCCESS, PARENT_LOST, PARENT_READY_REJOIN, PARENT_RUN),
                "join", "init", "quorum", "join", "quorum", "run");
    }

    @Test
    void aShutdownBeforeRunGoesStraightToShutdownFromEachStateAndOnToExit() {
        Map<BrokerState, List<BrokerEvent>> reach = Map.of(
                BrokerState.JOIN, List.of(),
                BrokerState.INIT, List.of(PARENT_NONE),
                BrokerState.QUORUM, List.of(PARENT_NONE, INIT_SUCCESS));
        reach.forEach((state, before) -> {
            StateMachine sm = walk(before);
            assertEquals(state, sm.state());
            sm.fire(SHUTDOWN);
            assertEquals(BrokerState.SHUTDOWN, sm.state(), "shutdown from " + state.label());
            sm.fire(CHILDREN_NONE);
            sm.fire(FINALIZE_DONE);
            assertEquals(BrokerState.EXIT, sm.state());
        });
    }

    @Test
    void aShutdownInRunPassesThroughCleanup() {
        StateMachine sm = walk(List.of(PARENT_NONE, INIT_SUCCESS, QUORUM_FULL));
        sm.fire(SHUTDOWN);
        assertEquals(BrokerState.CLEANUP, sm.state());
        assertFalse(sm.can(SHUTDOWN), "cleanup is left only by cleanup-none");
    }

    @Test
    void everyRowOfTheTableCanBeReachedAndLeadsWhereItSays() {
        for (StateTable.Transition row : StateTable.ROWS) {
            StateMachine sm = walk(pathTo(row.from()));
            List<BrokerState> seen = new ArrayList<>();
            sm.onChange((from, to) -> seen.add(to));
            sm.fire(row.event());
            assertEquals(row.to(), sm.state(), row.toString());
            assertEquals(List.of(row.to()), seen, "listeners hear " + row);
        }
    }

    @Test
    void everyEventNotInTheTableIsRefusedNamingTheEventAndTheStateAndChangesNothing() {
        int refused = 0;
        for (BrokerState state : BrokerState.values()) {
            Set<BrokerEvent> allowed = StateTable.events(state);
            for (BrokerEvent event : BrokerEvent.values()) {
                if (allowed.contains(event)) {
                    continue;
                }
                StateMachine sm = walk(pathTo(state));
                assertFalse(sm.can(event), event + " in " + state);
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> sm.fire(event),
                        event + " in " + state);
                assertTrue(e.getMessage().contains(event.label()) && e.getMessage().contains("state " + state.label()),
                        e.getMessage());
                assertEquals(state, sm.state());
                refused++;
            }
        }
        assertEquals(BrokerState.values().length * BrokerEvent.values().length - StateTable.ROWS.size(), refused);
        assertThrows(IllegalStateException.class, () -> new StateMachine().fire(QUORUM_FULL),
                "join cannot skip to run");
    }

    @Test
    void everyStateIsReachableFromJoinAndEveryStateLeadsToExitButExitLeadsNowhere() {
        for (BrokerState s : BrokerState.values()) {
            assertEquals(s, walk(pathTo(s)).state());
            assertTrue(reachable(s).contains(BrokerState.EXIT), s + " leads to exit");
        }
        assertEquals(Set.of(), StateTable.events(BrokerState.EXIT));
    }

    @Test
    void theLogKeepsItsEventNamesAndFormat() {
        assertEquals(new TreeSet<>(List.of("parent-none", "parent-ready", "init-success", "quorum-full", "parent-run",
                "parent-lost", "shutdown", "cleanup-none", "children-complete", "children-none", "finalize-done")),
                Arrays.stream(BrokerEvent.values()).map(BrokerEvent::label).collect(Collectors.toCollection(TreeSet::new)));
        assertEquals("parent-ready: join->init 1.500s",
                StateMachine.line(PARENT_READY, BrokerState.JOIN, BrokerState.INIT, 1.5));
        assertEquals("parent-ready: join->quorum 0.012s",
                StateMachine.line(PARENT_READY_REJOIN, BrokerState.JOIN, BrokerState.QUORUM, 0.012));
    }

    /** A state machine that fired {@code events} from join. */
    private static StateMachine walk(List<BrokerEvent> events) {
        StateMachine sm = new StateMachine();
        events.forEach(sm::fire);
        return sm;
    }

    private static void assertWalk(List<BrokerEvent> events, String... states) {
        StateMachine sm = new StateMachine();
        List<String> seen = new ArrayList<>(List.of(sm.state().label()));
        sm.onChange((from, to) -> seen.add(to.label()));
        events.forEach(sm::fire);
        assertEquals(List.of(states), seen);
    }

    /** The shortest list of events that leads from join to {@code target}, found in the table. */
    private static List<BrokerEvent> pathTo(BrokerState target) {
        Map<BrokerState, List<BrokerEvent>> paths = new EnumMap<>(BrokerState.class);
        paths.put(BrokerState.JOIN, List.of());
        ArrayDeque<BrokerState> queue = new ArrayDeque<>(List.of(BrokerState.JOIN));
        while (!queue.isEmpty()) {
            BrokerState s = queue.remove();
            for (BrokerEvent e : StateTable.events(s)) {
                BrokerState next = StateTable.next(s, e).orElseThrow();
                if (!paths.containsKey(next)) {
                    List<BrokerEvent> p = new ArrayList<>(paths.get(s));
                    p.add(e);
                    paths.put(next, p);
                    queue.add(next);
                }
            }
        }
        assertTrue(paths.containsKey(target), target + " is reachable from join");
        return paths.get(target);
    }

    private static Set<BrokerState> reachable(BrokerState from) {
        Set<BrokerState> seen = new TreeSet<>(List.of(from));
        ArrayDeque<BrokerState> queue = new ArrayDeque<>(List.of(from));
        while (!queue.isEmpty()) {
            BrokerState s = queue.remove();
            for (BrokerEvent e : StateTable.events(s)) {
                BrokerState next = StateTable.next(s, e).orElseThrow();
                if (seen.add(next)) {
                    queue.add(next);
                }
            }
        }
        return seen;
    }
}
