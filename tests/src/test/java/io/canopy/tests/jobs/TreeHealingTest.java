package io.canopy.tests.jobs;

import static io.canopy.tests.jobs.JobCheck.awaitState;
import static io.canopy.tests.jobs.JobCheck.exception;
import static io.canopy.tests.jobs.JobCheck.info;
import static io.canopy.tests.jobs.JobCheck.ok;
import static io.canopy.tests.jobs.JobCheck.state;
import static io.canopy.tests.jobs.JobCheck.submit;
import static io.canopy.tests.jobs.JobCheck.waitFor;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.tests.harness.Cli;
import io.canopy.tests.harness.EventRecorder;
import io.canopy.tests.harness.InstanceFixture;
import io.canopy.tests.harness.Rpc;
import io.canopy.tests.harness.Signals;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The tree heals itself when a broker returns, and the leader's views follow it. Four brokers
 * (0 -> 1,2; 1 -> 3) with fast heartbeats (200 ms, torpid 1 s, lost 3 s) and {@code drain_on_lost};
 * ranks 0-2 are excluded from jobs, so every job runs on rank 3, behind the router rank 1.
 * A restarted leader learns of rank 3 from rank 1's report of its subtree (rank 3 never left
 * rank 1, so nothing else would tell it); a router stopped past {@code lost_timeout} does not
 * condemn rank 3 when it resumes, nor a stopped leader its children (whose connections it finds
 * gone: they are reconnecting); a job waits for rank 3 to rejoin a restarted router instead of
 * being sent there before it has.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class TreeHealingTest {
    private static final String MARK = "300.4716";
    /** A few heartbeats, with room for a loaded two-core machine. */
    private static final Duration CONVERGE = Duration.ofSeconds(20);
    private static InstanceFixture instance;
    private static Cli owner;

    @BeforeAll
    static void startInstance() throws IOException {
        instance = InstanceFixture.start(4, 2, null, Duration.ofSeconds(3), """
                [resource]
                drain_on_lost = true
                exclude = "0-2"
                [job-exec]
                cores = 1
                """);
        owner = instance.cli();
    }

    @AfterAll
    static void stopInstance() {
        if (instance != null) {
            instance.close();
        }
        JobCheck.killAll(MARK);
    }

    /** Whatever a test did: every broker runs and is online at its parent, no job runs, nothing is drained. */
    @BeforeEach
    void wholeTree() throws IOException {
        for (int r = 0; r < instance.size(); r++) {
            Signals.sendQuietly(instance.process(r), "CONT");
            if (!instance.process(r).isAlive()) {
                instance.restart(r);
            }
        }
        for (int r = 1; r < instance.size(); r++) {
            int rank = r;
            await("rank " + rank + " online at its parent and in run").atMost(JobCheck.PATIENCE)
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> Rpc.childStatus(socket((rank - 1) / 2), rank).equals("online")
                            && Rpc.state(socket(rank)).equals("run"));
        }
        for (JsonNode j : ok(owner, "jobs", "--json").json().path("jobs")) {
            owner.run("cancel", j.path("id").asText());
        }
        await("no job runs").atMost(JobCheck.PATIENCE).until(() -> ok(owner, "jobs", "--json").json().path("jobs").isEmpty());
        JobCheck.killAll(MARK);
        for (Map.Entry<Integer, JsonNode> n : nodes().entrySet()) {
            if (!n.getValue().path("drain").isNull()) {
                ok(owner, "resource", "undrain", Integer.toString(n.getKey()));
            }
        }
    }

    @Test
    void aRestartedLeaderSeesNodesBelowItsChildrenOnlineAndSchedulesOnThem() throws IOException {
        instance.kill(0);
        instance.restart(0);

        awaitResourceView("every node online after the leader's return", "online", "online", "online", "online");
        long id = submit(owner, "-N", "1", "true");
        JsonNode job = waitFor(owner, id);
        assertEquals("COMPLETED", job.path("result").asText(), job::toString);
        assertEquals("3", job.path("ranks").asText(), job::toString);
    }

    @Test
    void aRouterStoppedPastLostTimeoutDoesNotCondemnItsChildrenWhenItResumes() throws Exception {
        long id = submit(owner, "-N", "1", "sleep", MARK);
        awaitState(owner, id, "RUN");
        try (EventRecorder atLeader = EventRecorder.subscribe(socket(0), "overlay.peer-status")) {
            instance.freeze(1);
            try {
                await("the leader takes the stopped router for lost").atMost(CONVERGE).pollInterval(Duration.ofMillis(100))
                        .until(() -> Rpc.childStatus(socket(0), 1).equals("lost"));
                // Its child has given up on it too: the router has been silent past lost_timeout for everyone.
                await("rank 3 drops its link to the silent router").atMost(CONVERGE).pollInterval(Duration.ofMillis(100))
                        .until(() -> !Rpc.overlay(socket(3)).path("parentLink").path("up").asBoolean(true));
            } finally {
                instance.thaw(1);
            }
            await("the router and its child are back").atMost(CONVERGE).pollInterval(Duration.ofMillis(100))
                    .until(() -> Rpc.childStatus(socket(0), 1).equals("online") && Rpc.childStatus(socket(1), 3).equals("online")
                            && Rpc.state(socket(3)).equals("run"));
            await("nothing condemns rank 3").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                    .until(() -> atLeader.events("overlay.peer-status").stream()
                            .noneMatch(e -> e.payload().path("rank").asInt() == 3 && e.payload().path("status").asText().equals("lost")));
        }
        JsonNode job = info(owner, id);
        assertEquals("RUN", job.path("state").asText(), () -> job + "\n" + instance.logs());
        assertTrue(exception(job, "node-failure").isMissingNode(), job::toString);
        assertTrue(nodes().get(3).path("drain").isNull(), () -> "rank 3 was drained: " + nodes().get(3));
        ok(owner, "cancel", Long.toString(id));
        assertEquals("CANCELED", waitFor(owner, id).path("result").asText());
    }

    @Test
    void aLeaderStoppedPastLostTimeoutDoesNotCondemnItsChildrenWhenItResumes() throws Exception {
        try (EventRecorder atLeader = EventRecorder.subscribe(socket(0), "overlay.peer-status")) {
            instance.freeze(0);
            try {
                // Its children give up on it and reconnect: sends to their old connections fail on resume.
                for (int child : new int[] {1, 2}) {
                    await("rank " + child + " drops its link to the silent leader").atMost(CONVERGE)
                            .pollInterval(Duration.ofMillis(100))
                            .until(() -> !Rpc.overlay(socket(child)).path("parentLink").path("up").asBoolean(true));
                }
            } finally {
                instance.thaw(0);
            }
            await("the leader's children are back").atMost(CONVERGE).pollInterval(Duration.ofMillis(100))
                    .until(() -> Rpc.childStatus(socket(0), 1).equals("online") && Rpc.childStatus(socket(0), 2).equals("online")
                            && Rpc.state(socket(1)).equals("run") && Rpc.state(socket(2)).equals("run"));
            await("nothing condemns ranks 1 and 2").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                    .until(() -> atLeader.events("overlay.peer-status").stream()
                            .noneMatch(e -> e.payload().path("status").asText().equals("lost")));
        }
        assertTrue(nodes().get(1).path("drain").isNull() && nodes().get(2).path("drain").isNull(),
                () -> "drained: " + nodes());
    }

    @Test
    void aJobWaitsForTheNodesBehindARestartedRouterToRejoinItRatherThanFailThere() throws IOException {
        instance.kill(1);
        instance.freeze(3); // it cannot rejoin the router until it is thawed
        long id;
        try {
            instance.restart(1);
            await("the leader sees the router back").atMost(CONVERGE).pollInterval(Duration.ofMillis(100))
                    .until(() -> Rpc.childStatus(socket(0), 1).equals("online"));
            id = submit(owner, "-N", "1", "true");
            await("the job waits while rank 3 has not rejoined").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                    .until(() -> state(owner, id).equals("SCHED"));
            assertEquals("offline", nodes().get(3).path("state").asText(), () -> nodes().get(3).toString());
        } finally {
            instance.thaw(3);
        }
        JsonNode job = waitFor(owner, id);
        assertEquals("COMPLETED", job.path("result").asText(), () -> job + "\n" + instance.logs());
    }

    private static Path socket(int rank) {
        return instance.socket(rank);
    }

    /** {@code resource status --json} at the leader, by rank. */
    private static Map<Integer, JsonNode> nodes() {
        Map<Integer, JsonNode> byRank = new TreeMap<>();
        for (JsonNode n : ok(owner, "resource", "status", "--json").json().path("nodes")) {
            byRank.put(n.path("rank").asInt(), n);
        }
        return byRank;
    }

    /** Waits until the leader's resource view gives each rank, in order, the state expected. */
    private static void awaitResourceView(String what, String... states) {
        try {
            await(what).atMost(CONVERGE).pollInterval(Duration.ofMillis(250)).until(() -> {
                Map<Integer, JsonNode> n = nodes();
                for (int r = 0; r < states.length; r++) {
                    if (!n.get(r).path("state").asText().equals(states[r])) {
                        return false;
                    }
                }
                return true;
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + "; the leader's view: " + nodes(), e);
        }
    }
}
