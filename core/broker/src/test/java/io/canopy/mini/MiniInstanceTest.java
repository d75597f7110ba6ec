package io.canopy.mini;

import static io.canopy.mini.MiniInstance.WAIT;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.broker.BrokerState;
import io.canopy.idset.IdSet;
import io.canopy.message.Message;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A tree of seven brokers (fanout 2: rank 0 leads routers 1 and 2, which lead leaves 3, 4 and 5,
 * 6) in this JVM on the in-memory overlay: start order, loss and rejoin, a leader restart, a cut
 * link, a stopped router, and both instance shutdowns, each in a second or two.
 */
@Timeout(60)
class MiniInstanceTest {
    private static final int[] LEAVES = {3, 4, 5, 6};
    private static final Duration QUIET = Duration.ofMillis(300);
    private MiniInstance mini;

    @BeforeEach
    void create() throws Exception {
        mini = new MiniInstance(7, 2, List.of("counter"));
    }

    @AfterEach
    void close() throws Exception {
        mini.close();
    }

    @Test
    void everyBrokerRunsWhateverTheStartOrderAndAFollowerWaitsForItsParent() throws Exception {
        mini.start(6, 5, 4, 3, 2, 1);
        await().during(QUIET).atMost(WAIT).until(() -> IntStream.rangeClosed(1, 6)
                .allMatch(r -> mini.state(r) == BrokerState.JOIN));
        mini.start(0).awaitState(BrokerState.RUN);
        for (int parent : new int[] {0, 1, 2}) {
            for (int child : mini.children(parent)) {
                assertEquals("online", mini.childStatus(parent, child));
            }
        }
        awaitOnline(IdSet.range(0, 6));
    }

    @Test
    void aKilledLeafIsLostToItsParentAndRejoinsWhenStartedAgain() throws Exception {
        mini.startAll().awaitState(BrokerState.RUN);
        mini.kill(4);
        await().atMost(WAIT).until(() -> mini.childStatus(1, 4).equals("lost"));
        awaitOnline(IdSet.parse("0-3,5-6"));
        mini.start(4).awaitState(BrokerState.RUN, 4);
        await().atMost(WAIT).until(() -> mini.childStatus(1, 4).equals("online"));
        assertEquals(2, mini.connects(1, 4));
        awaitOnline(IdSet.range(0, 6));
        mini.awaitState(BrokerState.RUN);
    }

    @Test
    void aKilledRouterIsLostItsChildrenWaitInJoinAndAllRunAgainWhenItIsBack() throws Exception {
        mini.startAll().awaitState(BrokerState.RUN);
        assertEquals(1, count(5));
        mini.kill(2);
        await().atMost(WAIT).until(() -> mini.childStatus(0, 2).equals("lost"));
        mini.awaitState(BrokerState.JOIN, 5, 6);
        awaitOnline(IdSet.parse("0-1,3-4"));
        assertEquals(2, count(5), "a leaf without its parent goes on serving locally");
        mini.start(2).awaitState(BrokerState.RUN);
        assertEquals("online", mini.childStatus(0, 2));
        assertEquals(3, count(5), "the leaf rejoined with its live state");
        awaitOnline(IdSet.range(0, 6));
    }

    @Test
    void aKilledLeaderComesBackAndLearnsTheWholeTreeAgain() throws Exception {
        mini.startAll().awaitState(BrokerState.RUN);
        count(0);
        count(0);
        mini.kill(0);
        mini.awaitState(BrokerState.JOIN, 1, 2);
        mini.awaitState(BrokerState.RUN, LEAVES);
        mini.start(0).awaitState(BrokerState.RUN);
        awaitOnline(IdSet.range(0, 6));
        assertEquals(1, count(0), "what the leader's module had not committed died with it, as with kill -9");
        for (int r = 1; r < mini.size(); r++) {
            assertEquals(0, mini.call(r, "overlay.status", null).path("eventGaps").asLong(),
                    "rank " + r + ": a restarted leader numbers events from 1 again; that is no gap");
        }
    }

    @Test
    void aCutLinkMakesTheChildTorpidThenLostAndItRejoinsOnceHealed() throws Exception {
        mini.startAll().awaitState(BrokerState.RUN);
        mini.subscribe(0, "overlay.peer-status");
        mini.network().cut(3);
        await().atMost(WAIT).until(() -> mini.childStatus(1, 3).equals("lost"));
        mini.awaitState(BrokerState.JOIN, 3);
        mini.network().heal(3);
        mini.awaitState(BrokerState.RUN, 3);
        await().atMost(WAIT).until(() -> statusesOf(3).contains("lost") && statusesOf(3).size() >= 3
                && statusesOf(3).get(statusesOf(3).size() - 1).equals("online"));
        List<String> seen = statusesOf(3);
        assertEquals(List.of("torpid", "lost", "online"), seen.subList(seen.indexOf("torpid"), seen.size()));
    }

    @Test
    void aRouterStoppedPastTheLostTimeoutKeepsItsChildrenWhenItResumes() throws Exception {
        mini.startAll().awaitState(BrokerState.RUN);
        mini.network().freeze(1);
        await().atMost(WAIT).until(() -> mini.childStatus(0, 1).equals("lost"));
        mini.awaitState(BrokerState.JOIN, 3, 4);
        mini.network().thaw(1);
        mini.awaitState(BrokerState.RUN);
        await().atMost(WAIT).until(() -> mini.childStatus(0, 1).equals("online"));
        assertEquals(1, mini.connects(1, 3), "rank 1 never took rank 3 for lost");
        assertEquals(1, mini.connects(1, 4), "rank 1 never took rank 4 for lost");
        awaitOnline(IdSet.range(0, 6));
    }

    @Test
    void aFullShutdownHandsEveryCheckpointToTheLeaderAndARestartGivesThemBack() throws Exception {
        mini.startAll().awaitState(BrokerState.RUN);
        count(5);
        count(5);
        count(1);
        JsonNode last = mini.call(0, "shutdown.start", Map.of("mode", "full"));
        assertEquals("finished", last.path("event").asText());
        assertEquals(7, last.path("done").asInt());
        mini.awaitExit(mini.ranks());
        assertEquals(Set.of(1, 2), mini.keeper(0).keptChildren().keySet());
        mini.startAll().awaitState(BrokerState.RUN);
        assertEquals(3, count(5), "rank 5's checkpoint went up to the leader and came back");
        assertEquals(2, count(1), "rank 1's too");
    }

    @Test
    void aServiceOnlyShutdownLeavesTheLeavesRunningAndTheyRejoinTheReturningServiceBrokers() throws Exception {
        mini.startAll().awaitState(BrokerState.RUN);
        count(6);
        JsonNode last = mini.call(0, "shutdown.start", Map.of("mode", "service-only"));
        assertEquals("finished", last.path("event").asText());
        mini.awaitExit(0, 1, 2);
        mini.awaitState(BrokerState.JOIN, LEAVES);
        assertEquals(Set.of(1, 2), mini.keeper(0).keptChildren().keySet());
        assertEquals(2, count(6), "a leaf keeps working while the service brokers are down");
        mini.start(0, 1, 2).awaitState(BrokerState.RUN);
        assertEquals(3, count(6), "the leaf rejoined with its live state");
        awaitOnline(IdSet.range(0, 6));
    }

    /** counter.inc on {@code rank}'s own counter module: the count after this call. */
    /**
     * Every broker receives every {@code overlay.members}: one per change made a boot of N brokers
     * cost N x N deliveries. The leader publishes at most one per 200 ms, the latest view last.
     */
    @Test
    void theLeaderPublishesItsViewOfTheTreeAtMostOnceEvery200MsTheLatestLast() throws Exception {
        mini.start(0).awaitState(BrokerState.RUN, 0);
        mini.subscribe(0, "overlay.members");
        long t0 = System.nanoTime();
        mini.start(1, 2, 3, 4, 5, 6).awaitState(BrokerState.RUN);
        await().atMost(WAIT).until(() -> lastMembers().path("online").asText().equals("0-6"));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        long published = mini.events(0).stream().filter(e -> e.topic().equals("overlay.members")).count();
        assertTrue(published >= 1 && published <= 1 + ms / 200, published + " overlay.members events in " + ms + " ms");
    }

    private JsonNode lastMembers() throws RpcException {
        List<Message> all = mini.events(0).stream().filter(e -> e.topic().equals("overlay.members")).toList();
        return all.isEmpty() ? Payloads.tree(Payloads.encode(Map.of())) : Payloads.tree(all.get(all.size() - 1).payload());
    }

    private int count(int rank) throws RpcException {
        return mini.call(rank, "counter.inc", null).path("count").asInt();
    }

    private void awaitOnline(IdSet expected) {
        await().atMost(WAIT).until(() -> mini.members(0, "online").equals(expected));
    }

    /** The statuses rank {@code child} went through, from the overlay.peer-status events the leader's caller got. */
    private List<String> statusesOf(int child) throws RpcException {
        List<String> out = new ArrayList<>();
        for (Message e : mini.events(0)) {
            JsonNode b = Payloads.tree(e.payload());
            if (b.path("rank").asInt() == child) {
                out.add(b.path("status").asText());
            }
        }
        return out;
    }
}
