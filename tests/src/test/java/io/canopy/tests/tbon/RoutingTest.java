package io.canopy.tests.tbon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.message.NodeId;
import io.canopy.tests.harness.Cli;
import io.canopy.tests.harness.Cli.Result;
import io.canopy.tests.harness.EventRecorder;
import io.canopy.tests.harness.Rpc;
import io.canopy.tools.launch.TestInstance;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Requests, responses and events across a tree of eight real brokers (fanout 2: 0 -> 1,2;
 * 1 -> 3,4; 2 -> 5,6; 3 -> 7), asked from the leader's socket and from a leaf's, and the tree as
 * {@code canopy overlay status} draws it. The tests only read, so they share one instance.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RoutingTest {
    private static final int SIZE = 8;
    private static final int LEAF = 7;
    private static TestInstance instance;

    @BeforeAll
    static void startInstance() throws IOException {
        // Default heartbeats (2 s, torpid after 10 s): nothing here is about loss.
        instance = TestInstance.start(TestInstance.Options.of(SIZE).timeout(Duration.ofSeconds(90)));
    }

    @AfterAll
    static void stopInstance() {
        if (instance != null) {
            instance.close();
        }
    }

    private static Cli cli(int rank) {
        return Cli.forUri(instance.uri(rank));
    }

    private static int parentOf(int rank) {
        return (rank - 1) / 2;
    }

    @Test
    void pingAndRpcReachEveryRankFromTheLeaderAndFromALeaf() throws Exception {
        // 32 commands: two at a time, as the JVMs' start-up is most of their cost.
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> checks = new ArrayList<>();
            for (int from : List.of(0, LEAF)) {
                for (int r = 0; r < SIZE; r++) {
                    int from0 = from;
                    int to = r;
                    checks.add(pool.submit(() -> pingAndRpc(from0, to)));
                }
            }
            for (Future<?> f : checks) {
                f.get(2, TimeUnit.MINUTES);
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AssertionError a) {
                throw a;
            }
            throw e;
        } finally {
            pool.shutdownNow();
        }
    }

    private static void pingAndRpc(int from, int r) {
        Result ping = cli(from).run("ping", "--rank", Integer.toString(r), "broker");
        assertEquals(0, ping.exitCode(), () -> "from rank " + from + ": " + ping);
        assertTrue(ping.stdout().startsWith("broker.ping pad=0 seq=0 time="), ping::toString);

        Result rpc = cli(from).run("rpc", "--rank", Integer.toString(r), "broker.uptime");
        assertEquals(0, rpc.exitCode(), () -> "from rank " + from + ": " + rpc);
        assertEquals(r, rpc.json().path("rank").asInt(-1), rpc::toString);
        assertEquals("test" + r, rpc.json().path("hostname").asText(), rpc::toString);
        assertEquals("run", rpc.json().path("state").asText(), rpc::toString);
    }

    @Test
    void uptimeJsonGivesTheSizeAndTheParentsRank() {
        for (int r = 0; r < SIZE; r++) {
            Result u = cli(r).run("uptime", "--json");
            assertEquals(0, u.exitCode(), u::toString);
            assertEquals(SIZE, u.json().path("size").asInt(), u::toString);
            assertEquals(r, u.json().path("rank").asInt(), u::toString);
            if (r == 0) {
                assertTrue(u.json().path("parent").isNull(), u::toString);
            } else {
                assertEquals(parentOf(r), u.json().path("parent").asInt(-1), u::toString);
            }
        }
    }

    @Test
    void eventsPublishedAtALeafReachEveryBrokerInOrderWithIncreasingSequenceNumbers() throws Exception {
        int count = 5;
        List<EventRecorder> recorders = new ArrayList<>();
        try {
            for (int r = 0; r < SIZE; r++) {
                recorders.add(EventRecorder.subscribe(instance.socket(r), "test.routing"));
            }
            for (int i = 0; i < count; i++) {
                Rpc.call(instance.socket(LEAF), "event.publish", NodeId.ANY,
                        Map.of("topic", "test.routing.tick", "payload", Map.of("n", i)));
            }
            for (int r = 0; r < SIZE; r++) {
                EventRecorder rec = recorders.get(r);
                int rank = r;
                await("rank " + r + " receives " + count + " events").atMost(Duration.ofSeconds(20))
                        .pollInterval(Duration.ofMillis(50)).until(() -> rec.events().size() >= count);
                List<EventRecorder.Event> got = rec.events();
                assertEquals(count, got.size(), () -> "rank " + rank + ": " + got);
                for (int i = 0; i < count; i++) {
                    assertEquals(i, got.get(i).payload().path("n").asInt(-1), () -> "rank " + rank + " order: " + got);
                    assertTrue(got.get(i).seq() > 0, () -> "rank " + rank + " unnumbered: " + got);
                    if (i > 0) {
                        // Other events (overlay.peer-status) share the numbering, so not always +1.
                        assertTrue(got.get(i).seq() > got.get(i - 1).seq(), () -> "rank " + rank + " sequence: " + got);
                    }
                    // Numbered once, by the leader: every broker sees the same number for the same event.
                    assertEquals(recorders.get(0).events().get(i).seq(), got.get(i).seq(), () -> "rank " + rank);
                }
            }
        } finally {
            recorders.forEach(EventRecorder::close);
        }
    }

    @Test
    void overlayStatusDrawsTheWholeTreeFromAnyBroker() {
        for (int from : List.of(0, LEAF)) {
            Result r = cli(from).run("overlay", "status");
            assertEquals(0, r.exitCode(), r::toString);
            List<String> lines = r.lines();
            assertEquals("0 test0: full (run)", lines.get(0), r::toString);
            assertTrue(lines.contains("│  │  └─ 7 test7: online (run)"), r::toString);
            // Leaves side by side that say the same share a line, ranks and hosts compressed.
            assertTrue(lines.contains("   └─ 5-6 test[5-6]: online (run)"), r::toString);
            assertEquals(SIZE - 1, lines.size(), r::toString);
            for (int rank : List.of(1, 2, 3, 4, 7)) {
                String me = rank + " test" + rank + ": ";
                assertEquals(1, lines.stream().filter(l -> l.contains("─ " + me)).count(), r::toString);
            }
        }
    }

    @Test
    void overlayStatusDepthDrawsTheTopLevelsAndCountsWhatIsBelow() {
        Result r = cli(LEAF).run("overlay", "status", "--depth", "1");
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals(List.of("0 test0: full (run)", "├─ 1 test1: full (run) [3 ranks below]",
                "└─ 2 test2: full (run) [2 ranks below]"), r.lines(), r::toString);
        Result bad = cli(LEAF).run("overlay", "status", "--depth", "-1");
        assertEquals(2, bad.exitCode(), bad::toString);
        assertTrue(bad.stderr().contains("--depth -1: give 0 or more levels"), bad::toString);
    }

    @Test
    void overlayStatusJsonListsEachRanksHostStateStatusParentAndChildren() {
        Result r = cli(LEAF).run("overlay", "status", "--json");
        assertEquals(0, r.exitCode(), r::toString);
        JsonNode ranks = r.json().path("ranks");
        assertEquals(SIZE, ranks.size(), r::toString);
        for (int rank = 0; rank < SIZE; rank++) {
            JsonNode n = ranks.get(rank);
            assertEquals(rank, n.path("rank").asInt(-1), r::toString);
            assertEquals("test" + rank, n.path("host").asText(), r::toString);
            assertEquals("run", n.path("state").asText(), r::toString);
            assertEquals("online", n.path("status").asText(), r::toString);
            if (rank == 0) {
                assertTrue(n.path("parent").isNull(), r::toString);
            } else {
                assertEquals(parentOf(rank), n.path("parent").asInt(-1), r::toString);
            }
            List<Integer> children = new ArrayList<>();
            n.path("children").forEach(c -> children.add(c.asInt()));
            List<Integer> expected = new ArrayList<>();
            for (int c = 2 * rank + 1; c <= 2 * rank + 2 && c < SIZE; c++) {
                expected.add(c);
            }
            assertEquals(expected, children, r::toString);
        }
    }

    @Test
    void overlayStatusOfASubtreeShowsOnlyThatSubtree() {
        Result json = cli(0).run("overlay", "status", "--rank", "1", "--json");
        assertEquals(0, json.exitCode(), json::toString);
        Set<Integer> ranks = new TreeSet<>();
        json.json().path("ranks").forEach(n -> ranks.add(n.path("rank").asInt()));
        assertEquals(Set.of(1, 3, 4, 7), ranks, json::toString);

        Result text = cli(0).run("overlay", "status", "--rank", "3");
        assertEquals(0, text.exitCode(), text::toString);
        assertEquals(List.of("3 test3: full (run)", "└─ 7 test7: online (run)"), text.lines(), text::toString);
    }

    @Test
    void overlayStatusWaitReturnsOnceTheTreeIsFullAndGivesUpOnAStatusItNeverReaches() {
        Result full = cli(LEAF).run("overlay", "status", "--wait", "full", "--timeout", "20s");
        assertEquals(0, full.exitCode(), full::toString);
        assertEquals("0 test0: full (run)", full.lines().get(0), full::toString);

        Result lost = cli(0).run("overlay", "status", "--rank", "2", "--wait", "lost", "--timeout", "1s");
        assertEquals(1, lost.exitCode(), lost::toString);
        assertTrue(lost.stderr().contains("rank 2 did not become lost within"), lost::toString);
    }
}
