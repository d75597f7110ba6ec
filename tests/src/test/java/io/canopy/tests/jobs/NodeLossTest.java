package io.canopy.tests.jobs;

import static io.canopy.tests.jobs.JobCheck.awaitState;
import static io.canopy.tests.jobs.JobCheck.exception;
import static io.canopy.tests.jobs.JobCheck.info;
import static io.canopy.tests.jobs.JobCheck.ok;
import static io.canopy.tests.jobs.JobCheck.processesWith;
import static io.canopy.tests.jobs.JobCheck.submit;
import static io.canopy.tests.jobs.JobCheck.waitFor;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.tests.harness.Cli;
import io.canopy.tests.harness.InstanceFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What happens to jobs when a node goes away or its epilog fails: a killed or frozen broker raises
 * a fatal {@code node-failure} on its jobs (and drains the node, {@code drain_on_lost}); a broker
 * stopped with SIGTERM raises {@code node-shutdown} before it exits; a failing epilog drains its
 * node ({@code drain_on_epilog_failure}). Four brokers (0 -> 1,2; 1 -> 3), rank 0 excluded from
 * jobs, one core a node, shared by the class; each test brings back what it stopped.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class NodeLossTest {
    private static final String MARK = "300.4712";
    private static Path dir;
    private static InstanceFixture instance;
    private static Cli owner;

    @BeforeAll
    static void startInstance() throws IOException {
        dir = Files.createTempDirectory("canopy-nodeloss");
        Path epilog = dir.resolve("epilog");
        Files.writeString(epilog, "#!/bin/sh\n[ -e " + dir.resolve("fail-epilog") + " ] && exit 7\nexit 0\n");
        Files.setPosixFilePermissions(epilog, PosixFilePermissions.fromString("rwxr-xr-x"));
        instance = InstanceFixture.start(4, 2, null, Duration.ofSeconds(3), """
                [resource]
                drain_on_lost = true
                exclude = "0"
                [job-exec]
                cores = 1
                epilog = "%s"
                drain_on_epilog_failure = true
                """.formatted(epilog));
        owner = instance.cli();
    }

    @AfterAll
    static void stopInstance() throws IOException {
        if (instance != null) {
            instance.close();
        }
        JobCheck.killAll(MARK);
        Files.deleteIfExists(dir.resolve("fail-epilog"));
        Files.deleteIfExists(dir.resolve("epilog"));
        Files.deleteIfExists(dir);
    }

    @AfterEach
    void cleanUp() {
        for (JsonNode j : ok(owner, "jobs", "--json").json().path("jobs")) {
            owner.run("cancel", j.path("id").asText());
        }
        await("no job runs").atMost(JobCheck.PATIENCE).until(() -> ok(owner, "jobs", "--json").json().path("jobs").isEmpty());
        JobCheck.killAll(MARK);
        for (int r : new int[] {1, 2, 3}) {
            owner.run("resource", "undrain", Integer.toString(r)); // refused, harmlessly, where not drained
        }
    }

    @Test
    void aKilledBrokerFailsItsJobsKillsTheirOtherTasksAndIsDrainedAsLostAndItsLeftoversDieWhenItReturns() throws IOException {
        long id = submit(owner, "-N", "3", "sleep", MARK);
        awaitState(owner, id, "RUN");
        await("three tasks run").atMost(JobCheck.PATIENCE).until(() -> processesWith(MARK).size() == 3);

        instance.killWithLaunchers(3);
        JsonNode job = waitFor(owner, id);

        assertEquals("EXCEPTION", job.path("result").asText(), job::toString);
        JsonNode x = exception(job, "node-failure");
        assertEquals(0, x.path("severity").asInt(), job::toString);
        assertTrue(x.path("note").asText().contains("test3") && x.path("note").asText().contains("rank 3"), x::toString);
        assertEquals(1, processesWith(MARK).size(), "only the task under the dead broker is left (its node 'crashed')");
        assertEquals("lost", nodeDrain(3).path("reason").asText());
        instance.restart(3);
        await("the restarted broker kills the task its killed predecessor left").atMost(JobCheck.PATIENCE)
                .until(() -> processesWith(MARK).isEmpty());
    }

    @Test
    void aBrokerKilledAloneTakesItsTasksWithIt() throws IOException {
        long id = submit(owner, "-N", "3", "sleep", MARK);
        awaitState(owner, id, "RUN");
        await("three tasks run").atMost(JobCheck.PATIENCE).until(() -> processesWith(MARK).size() == 3);

        instance.kill(3);
        JsonNode job = waitFor(owner, id);

        assertEquals("EXCEPTION", job.path("result").asText(), job::toString);
        await("its launcher kills the task once the broker is gone").atMost(JobCheck.PATIENCE)
                .until(() -> processesWith(MARK).isEmpty());
        instance.restart(3);
    }

    @Test
    void aFrozenBrokerPastLostTimeoutFailsItsJobsAndItsTaskIsKilledWhenItReturns() throws IOException {
        long id = submit(owner, "-N", "2", "sleep", MARK);
        awaitState(owner, id, "RUN");
        await("two tasks run").atMost(JobCheck.PATIENCE).until(() -> processesWith(MARK).size() == 2);

        instance.freeze(2);
        JsonNode job;
        try {
            job = waitFor(owner, id);
        } finally {
            instance.thaw(2);
        }

        assertEquals("node-failure", job.path("exceptions").path(0).path("type").asText(), job::toString);
        assertTrue(job.path("exceptions").path(0).path("note").asText().contains("test2"), job::toString);
        await("the frozen node's task is killed once it is back").atMost(JobCheck.PATIENCE)
                .until(() -> processesWith(MARK).isEmpty());
    }

    @Test
    void aBrokerStoppedWithSigtermRaisesNodeShutdownOnItsJobsBeforeItExits() throws IOException {
        long id = submit(owner, "-N", "2", "sleep", MARK);
        awaitState(owner, id, "RUN");
        await("two tasks run").atMost(JobCheck.PATIENCE).until(() -> processesWith(MARK).size() == 2);

        instance.terminate(2);
        JsonNode job = waitFor(owner, id);

        JsonNode x = exception(job, "node-shutdown");
        assertEquals(0, x.path("severity").asInt(), job::toString);
        assertEquals("test2 (rank 2) shut down", x.path("note").asText(), "job-exec's own report, sent before it exited: " + x);
        assertEquals("EXCEPTION", job.path("result").asText());
        assertTrue(processesWith(MARK).isEmpty(), "no task is left on the stopped node or elsewhere");
        instance.restart(2);
    }

    @Test
    void aFailingEpilogDrainsItsNodeWithTheReason() throws IOException {
        Files.writeString(dir.resolve("fail-epilog"), "");
        long id;
        try {
            id = submit(owner, "-N", "1", "true");
            JsonNode job = waitFor(owner, id);
            assertEquals("COMPLETED", job.path("result").asText(), "the job itself succeeded: " + job);
            assertEquals(1, exception(job, "epilog").path("severity").asInt(), job::toString);
        } finally {
            Files.delete(dir.resolve("fail-epilog"));
        }
        int rank = Integer.parseInt(info(owner, id).path("ranks").asText());
        assertEquals("epilog failed on test" + rank + ": exit 7", nodeDrain(rank).path("reason").asText());
    }

    private static JsonNode nodeDrain(int rank) {
        for (JsonNode n : ok(owner, "resource", "status", "--json").json().path("nodes")) {
            if (n.path("rank").asInt() == rank) {
                return n.path("drain");
            }
        }
        throw new AssertionError("no rank " + rank);
    }
}
