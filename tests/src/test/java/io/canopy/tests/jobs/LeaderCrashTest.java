package io.canopy.tests.jobs;

import static io.canopy.tests.jobs.JobCheck.awaitState;
import static io.canopy.tests.jobs.JobCheck.eventNames;
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
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The leader dies ({@code kill -9}) moments after jobs changed, and comes back: every job it
 * answered for is still there with its eventlog, the running one is reattached rather than run
 * again, and one submitted while the leader was down waits and then runs (the client does not
 * fail). Three brokers: rank 0 (excluded from jobs) with leaves 1 and 2.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class LeaderCrashTest {
    private static final String MARK = "300.4715";
    private static InstanceFixture instance;

    @BeforeAll
    static void startInstance() throws IOException {
        instance = InstanceFixture.start(3, 2, null, Duration.ofSeconds(3), """
                [resource]
                exclude = "0"
                [job-exec]
                cores = 1
                """);
    }

    @AfterAll
    static void stopInstance() {
        if (instance != null) {
            instance.close();
        }
        JobCheck.killAll(MARK);
    }

    @Test
    void jobsSurviveAKilledLeaderAndNoneRunsTwice() throws IOException {
        Cli owner = instance.cli();
        Cli leaf = instance.cli(1);
        long done = submit(owner, "true");
        waitFor(owner, done);
        long running = submit(owner, "-N", "1", "sleep", MARK);
        awaitState(owner, running, "RUN");
        await("the task runs").atMost(JobCheck.PATIENCE).until(() -> processesWith(MARK).size() == 1);
        List<Long> pids = processesWith(MARK);
        List<String> eventsBefore = eventNames(owner, done);

        instance.kill(0);
        Cli.Running waiting = leaf.withTimeout(JobCheck.PATIENCE).start("submit", "-N", "1", "true");
        instance.restart(0);
        Cli.Result late = waiting.finish();

        assertEquals(0, late.exitCode(), "a submission through a leaf waits for the leader: " + late);
        long lateId = Long.parseLong(late.stdout().strip());
        assertEquals("COMPLETED", waitFor(owner, lateId).path("result").asText());
        assertEquals(eventsBefore, eventNames(owner, done), "the finished job is kept as it was");
        JsonNode job = info(owner, running);
        assertEquals("RUN", job.path("state").asText(), job::toString);
        assertEquals(pids, processesWith(MARK), "the running job was not started again");
        assertEquals(1, Collections.frequency(eventNames(owner, running), "start"));
        assertTrue(job.path("exceptions").toString().contains("service-restart"), job::toString);
        ok(owner, "cancel", Long.toString(running));
        assertEquals("CANCELED", waitFor(owner, running).path("result").asText());
    }
}
