package io.canopy.tests.tbon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.client.CanopyClient;
import io.canopy.message.Message;
import io.canopy.module.Payloads;
import io.canopy.tests.harness.Cli;
import io.canopy.tests.harness.Cli.Result;
import io.canopy.tests.harness.EventRecorder;
import io.canopy.tests.harness.EventRecorder.Event;
import io.canopy.tests.harness.InstanceToml;
import io.canopy.tests.harness.Rpc;
import io.canopy.tests.harness.Signals;
import io.canopy.tools.launch.TestInstance;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Heartbeats and loss on five real brokers (0 -> 1,2; 1 -> 3,4) with fast heartbeats (200 ms,
 * torpid after 1 s, lost after 3 s): a frozen leaf, a killed leaf, a killed interior broker and
 * an administrative disconnect, each seen by the parent, published as an event, and healed. Each
 * test leaves the tree whole again, and {@link #wholeTree} makes sure of it before the next.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class LossTest {
    private static final int SIZE = 5;
    private static final Duration REJOIN = Duration.ofSeconds(45);
    private static TestInstance instance;

    @BeforeAll
    static void startInstance() throws IOException {
        instance = TestInstance.start(TestInstance.Options.of(SIZE).timeout(Duration.ofSeconds(90))
                .heartbeats(InstanceToml.KEEPALIVE, InstanceToml.TORPID, InstanceToml.LOST));
    }

    @AfterAll
    static void stopInstance() {
        if (instance != null) {
            for (int r = 0; r < SIZE; r++) {
                if (instance.process(r) != null && instance.process(r).isAlive()) {
                    Signals.sendQuietly(instance.process(r), "CONT");
                }
            }
            instance.close();
        }
    }

    /** Whatever a test did, every broker runs again and its parent sees it online. */
    @BeforeEach
    void wholeTree() throws IOException {
        for (int r = 0; r < SIZE; r++) {
            if (!instance.process(r).isAlive()) {
                instance.restart(r);
            }
            Signals.sendQuietly(instance.process(r), "CONT");
        }
        for (int r = 0; r < SIZE; r++) {
            awaitOnlineAndRunning(r);
        }
    }

    private static int parentOf(int rank) {
        return (rank - 1) / 2;
    }

    private static String statusSeenByParent(int rank) {
        return Rpc.childStatus(instance.socket(parentOf(rank)), rank);
    }

    private static void awaitOnlineAndRunning(int rank) {
        await("rank " + rank + " online and in run").atMost(REJOIN).pollInterval(Duration.ofMillis(100))
                .until(() -> (rank == 0 || statusSeenByParent(rank).equals("online"))
                        && Rpc.state(instance.socket(rank)).equals("run"));
    }

    /** Waits until the parent reports {@code status} for {@code rank}; returns the seconds since {@code t0}. */
    private static double awaitStatus(int rank, String status, long t0, Duration atMost) {
        await("rank " + rank + " " + status).atMost(atMost).pollInterval(Duration.ofMillis(50))
                .until(() -> statusSeenByParent(rank).equals(status));
        return (System.nanoTime() - t0) / 1e9;
    }

    private static List<Event> peerEvents(EventRecorder rec, int rank) {
        return rec.events("overlay.peer-status").stream().filter(e -> e.payload().path("rank").asInt() == rank).toList();
    }

    @Test
    void aStoppedLeafBecomesTorpidThenLostAndRejoinsWhenContinued() throws Exception {
        int leaf = 4;
        try (EventRecorder atLeader = EventRecorder.subscribe(instance.socket(0), "overlay.peer-status");
                EventRecorder atLeaf = EventRecorder.subscribe(instance.socket(leaf), "test.gap")) {
            // Events go only where they are subscribed: the leaf wants test.gap, published while it is lost.
            long gapsBefore = Rpc.overlay(instance.socket(leaf)).path("eventGaps").asLong();
            long t0 = System.nanoTime();
            Signals.send(instance.process(leaf), "STOP");
            double torpidAfter = awaitStatus(leaf, "torpid", t0, Duration.ofSeconds(10));
            double lostAfter = awaitStatus(leaf, "lost", t0, Duration.ofSeconds(15));
            assertTrue(torpidAfter >= 0.7 && torpidAfter < 5, "torpid after " + torpidAfter + " s (torpid_timeout 1 s)");
            assertTrue(lostAfter >= 2.5 && lostAfter < 8, "lost after " + lostAfter + " s (lost_timeout 3 s)");

            Rpc.call(instance.socket(0), "event.publish", 0, Map.of("topic", "test.gap.while-lost"));
            Signals.send(instance.process(leaf), "CONT");
            // Awake, it notices the silence, says hello again and is admitted: no need to wait for
            // anything like ZeroMQ's 30 s handshake timeout.
            awaitStatus(leaf, "online", System.nanoTime(), Duration.ofSeconds(10));
            awaitOnlineAndRunning(leaf);

            // The parent (rank 1) published each change; a subscriber at the leader saw them in order.
            await("peer-status events for rank " + leaf).atMost(Duration.ofSeconds(10))
                    .until(() -> peerEvents(atLeader, leaf).size() >= 3);
            List<String> changes = peerEvents(atLeader, leaf).stream()
                    .map(e -> e.payload().path("previous").asText() + "->" + e.payload().path("status").asText()).toList();
            assertEquals(List.of("online->torpid", "torpid->lost", "lost->online"), changes.subList(0, 3), changes::toString);
            JsonNode lost = peerEvents(atLeader, leaf).get(1).payload();
            assertEquals(parentOf(leaf), lost.path("parent").asInt(), lost::toString);
            assertEquals("test" + leaf, lost.path("host").asText(), lost::toString);
            assertTrue(lost.path("reason").asText().contains("no heartbeat"), lost::toString);

            // It missed an event it subscribes to: its parent counted it, and the leaf logs the gap.
            await("rank " + leaf + " notices the event gap").atMost(Duration.ofSeconds(10))
                    .until(() -> Rpc.overlay(instance.socket(leaf)).path("eventGaps").asLong() > gapsBefore);
            assertTrue(instance.logTail(leaf, 200).contains("event(s) while the link to the parent was down"),
                    instance.logTail(leaf, 40));
            assertTrue(atLeaf.events("test.gap").isEmpty(), "the lost event is not delivered late");
        }
    }

    @Test
    void aKilledLeafIsLostAtOnceAndRejoinsWhenRestarted() throws Exception {
        int leaf = 3;
        try (EventRecorder atLeader = EventRecorder.subscribe(instance.socket(0), "overlay.peer-status")) {
            long t0 = System.nanoTime();
            Signals.kill9(instance.process(leaf));
            // The dropped connection gives it away, well before lost_timeout (3 s) of silence would.
            double lostAfter = awaitStatus(leaf, "lost", t0, Duration.ofSeconds(10));
            assertTrue(lostAfter < 2.5, "lost after " + lostAfter + " s");
            await().atMost(Duration.ofSeconds(10)).until(() -> peerEvents(atLeader, leaf).stream()
                    .anyMatch(e -> e.payload().path("status").asText().equals("lost")));

            instance.restart(leaf);
            awaitOnlineAndRunning(leaf);
            await().atMost(Duration.ofSeconds(10)).until(() -> peerEvents(atLeader, leaf).stream()
                    .anyMatch(e -> e.payload().path("status").asText().equals("online")));
        }
    }

    @Test
    void childrenOfAKilledInteriorBrokerWaitInJoinAndTheirRequestsWaitUntilItReturns() throws Exception {
        int interior = 1;
        int leaf = 3;
        Signals.kill9(instance.process(interior));
        awaitStatus(interior, "lost", System.nanoTime(), Duration.ofSeconds(10));
        for (int child : List.of(3, 4)) {
            await("rank " + child + " back in join").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        JsonNode s = Rpc.overlay(instance.socket(child));
                        return s.path("state").asText().equals("join") && !s.path("parentLink").path("up").asBoolean(true);
                    });
        }

        // A client of the orphaned leaf asks the leader: the request waits, it does not fail.
        Cli.Running cliPing = Cli.forUri(instance.uri(leaf)).start("rpc", "--rank", "0", "broker.ping", "{\"x\":1}");
        try (CanopyClient client = CanopyClient.connect(instance.socket(leaf))) {
            CompletableFuture<Message> pending = client.send("broker.ping", 0, Map.of("y", 2));
            await("requests wait while the parent is away").during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3))
                    .until(() -> cliPing.isAlive() && !pending.isDone());
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> Rpc.overlay(instance.socket(leaf)).path("parentLink").path("waiting").asInt() >= 2);

            instance.restart(interior);
            awaitOnlineAndRunning(interior);
            awaitOnlineAndRunning(3);
            awaitOnlineAndRunning(4);

            Result r = cliPing.finish();
            assertEquals(0, r.exitCode(), r::toString);
            assertEquals(1, r.json().path("x").asInt(), r::toString);
            Message answer = pending.get(30, TimeUnit.SECONDS);
            assertEquals(2, Payloads.tree(answer.payload()).path("y").asInt(), answer::toString);
        } finally {
            if (cliPing.isAlive()) {
                cliPing.kill();
            }
        }
        Result tree = Cli.forUri(instance.uri(0)).run("overlay", "status", "--wait", "full", "--timeout", "30s");
        assertEquals(0, tree.exitCode(), tree::toString);
    }

    @Test
    void overlayDisconnectDropsAChildWhichRejoins() throws Exception {
        int leaf = 4;
        try (EventRecorder atLeader = EventRecorder.subscribe(instance.socket(0), "overlay.peer-status")) {
            // Asked at a sibling's socket: the command finds the child's parent itself.
            Result r = Cli.forUri(instance.uri(3)).run("overlay", "disconnect", Integer.toString(leaf));
            assertEquals(0, r.exitCode(), r::toString);
            assertEquals("asking test1 (rank 1) to disconnect child test4 (rank 4)", r.stdout().strip(), r::toString);

            await("disconnect and rejoin of rank " + leaf).atMost(Duration.ofSeconds(10)).until(() -> peerEvents(atLeader, leaf).stream()
                    .map(e -> e.payload().path("status").asText()).toList().containsAll(List.of("lost", "online")));
            Event dropped = peerEvents(atLeader, leaf).get(0);
            assertEquals("lost", dropped.payload().path("status").asText(), dropped::toString);
            assertEquals("administrative disconnect", dropped.payload().path("reason").asText(), dropped::toString);
            awaitOnlineAndRunning(leaf);
            JsonNode view = Rpc.overlay(instance.socket(leaf));
            assertTrue(view.path("parentLink").path("up").asBoolean(false), view::toString);
        }
    }
}
