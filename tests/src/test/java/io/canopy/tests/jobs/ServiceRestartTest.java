package io.canopy.tests.jobs;

import static io.canopy.tests.jobs.JobCheck.awaitState;
import static io.canopy.tests.jobs.JobCheck.eventNames;
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
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The service nodes restart and the jobs on the compute nodes never notice, except for a notice:
 * with jobs running on the leaves, {@code canopy shutdown --service-only} stops ranks 0-2, one job
 * finishes while they are down, and they start again. The finished job is then reported with its
 * real exit code, the running one goes on (same processes, one start in its eventlog) with a
 * non-fatal {@code service-restart} exception, and each job ends exactly once. Seven brokers:
 * 0 -> 1,2; 1 -> 3,4; 2 -> 5,6; ranks 0-2 excluded from jobs; one core a node.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ServiceRestartTest {
    private static final String MARK = "300.4713";
    private static final String GATE_MARK = "gate-4713-mark";
    private static Path dir;
    private static InstanceFixture instance;

    @BeforeAll
    static void startInstance() throws IOException {
        dir = Files.createTempDirectory("jobs-service-restart");
        instance = InstanceFixture.start(7, 2, null, Duration.ofSeconds(3), """
                [resource]
                exclude = "0-2"
                [job-exec]
                cores = 1
                """);
    }

    @AfterAll
    static void stopInstance() throws IOException {
        if (instance != null) {
            instance.close();
        }
        JobCheck.killAll(MARK);
        JobCheck.killAll(GATE_MARK);
        Files.deleteIfExists(dir.resolve("go"));
        Files.deleteIfExists(dir);
    }

    @Test
    void jobsOnComputeNodesOutliveARestartOfTheServiceNodes() throws IOException {
        Cli owner = instance.cli();
        Path go = dir.resolve("go");
        long running = submit(owner, "-N", "2", "sleep", MARK);
        // ends with exit 5 once the gate file appears (bounded: gives up with 99 after 5 minutes)
        long gated = submit(owner, "-N", "1", "sh", "-c", "for i in $(seq 3000); do [ -e " + go + " ] && exit 5; "
                + "sleep 0.1; done; exit 99 # " + GATE_MARK);
        awaitState(owner, running, "RUN");
        awaitState(owner, gated, "RUN");
        await("the tasks run").atMost(JobCheck.PATIENCE).until(() -> processesWith(MARK).size() == 2
                && processesWith(GATE_MARK).size() == 1);
        List<Long> pids = processesWith(MARK);
        Collections.sort(pids);

        ok(owner.withTimeout(JobCheck.PATIENCE), "shutdown", "--service-only");
        for (int r = 0; r <= 2; r++) {
            instance.awaitExit(r);
        }
        Files.writeString(go, "");
        await("the gated job ends while the service nodes are down").atMost(JobCheck.PATIENCE)
                .until(() -> processesWith(GATE_MARK).isEmpty());
        for (int r = 0; r <= 2; r++) {
            instance.relaunch(r);
        }
        for (int r = 0; r <= 2; r++) {
            instance.awaitRun(r);
        }

        JsonNode done = waitFor(owner, gated);
        assertEquals("FAILED", done.path("result").asText(), () -> done + "\n" + instance.logs());
        assertEquals(5, done.path("exitcode").asInt(), "the real exit code, reported when the service came back");
        JsonNode still = info(owner, running);
        assertEquals("RUN", still.path("state").asText(), () -> still + "\n" + instance.logs());
        JsonNode notice = exception(still, "service-restart");
        assertEquals(1, notice.path("severity").asInt(), still::toString);
        List<Long> after = processesWith(MARK);
        Collections.sort(after);
        assertEquals(pids, after, "the same processes run on: nothing was restarted");
        for (long id : List.of(running, gated)) {
            List<String> events = eventNames(owner, id);
            assertEquals(1, Collections.frequency(events, "start"), () -> id + ": " + events);
        }

        ok(owner, "cancel", Long.toString(running));
        JsonNode canceled = waitFor(owner, running);
        assertEquals("CANCELED", canceled.path("result").asText(), canceled::toString);
        for (long id : List.of(running, gated)) {
            List<String> events = eventNames(owner, id);
            assertEquals(1, Collections.frequency(events, "clean"), () -> "ends exactly once: " + events);
        }
        assertTrue(processesWith(MARK).isEmpty());
    }
}
