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
import io.canopy.tests.harness.Cli.Result;
import io.canopy.tests.harness.InstanceFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A rolling OS update as docs/admin-guide.md tells it: drain a batch of busy nodes, wait until
 * they are drained, stop and start their brokers (the reboot), see them come back still drained,
 * undrain them and see new jobs land there, while the jobs on the other nodes never stop. Five
 * brokers: 0 -> 1,2; 1 -> 3,4; rank 0 excluded from jobs; one core a node; the batch is 3-4.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RollingUpdateTest {
    private static final String MARK = "300.4714";
    private static final String GATE_MARK = "gate-4714-mark";
    private static Path dir;
    private static InstanceFixture instance;

    @BeforeAll
    static void startInstance() throws IOException {
        dir = Files.createTempDirectory("jobs-rolling");
        instance = InstanceFixture.start(5, 2, null, Duration.ofSeconds(3), """
                [resource]
                exclude = "0"
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
    void aBatchOfBusyNodesIsDrainedRebootedAndReturnedWhileOtherJobsRunOn() throws IOException {
        Cli owner = instance.cli();
        Path go = dir.resolve("go");
        long elsewhere = submit(owner, "-N", "2", "sleep", MARK);
        long batchJob = submit(owner, "-N", "2", "sh", "-c", "for i in $(seq 3000); do [ -e " + go + " ] && exit 0; "
                + "sleep 0.1; done; exit 99 # " + GATE_MARK);
        awaitState(owner, elsewhere, "RUN");
        awaitState(owner, batchJob, "RUN");
        assertEquals("1-2", info(owner, elsewhere).path("ranks").asText());
        assertEquals("3-4", info(owner, batchJob).path("ranks").asText());
        await("tasks run").atMost(JobCheck.PATIENCE).until(() -> processesWith(MARK).size() == 2);
        List<Long> pids = sorted(processesWith(MARK));

        ok(owner, "resource", "drain", "test[3-4]", "os", "update");
        assertEquals(Set.of("draining"), drainStates(owner, 3, 4));
        Cli.Running waiting = owner.withTimeout(JobCheck.PATIENCE).start("resource", "drain", "--update", "--wait", "test[3-4]",
                "os", "update");
        Files.writeString(go, "");
        Result waited = waiting.finish();
        assertEquals(0, waited.exitCode(), waited::toString);
        assertEquals(Set.of("drained"), drainStates(owner, 3, 4));
        assertEquals("COMPLETED", waitFor(owner, batchJob).path("result").asText());

        for (int r : new int[] {3, 4}) {
            instance.terminate(r); // the reboot
        }
        for (int r : new int[] {3, 4}) {
            instance.restart(r);
        }
        assertEquals(Set.of("drained"), drainStates(owner, 3, 4), "back still drained");
        ok(owner, "resource", "undrain", "test[3-4]");
        long after = submit(owner, "-N", "2", "true");

        assertEquals("COMPLETED", waitFor(owner, after).path("result").asText());
        assertEquals("3-4", info(owner, after).path("ranks").asText(), "new work lands on the updated nodes");
        assertEquals("RUN", info(owner, elsewhere).path("state").asText());
        assertEquals(pids, sorted(processesWith(MARK)), "the other jobs never stopped");
        assertEquals(1, Collections.frequency(eventNames(owner, elsewhere), "start"));
        ok(owner, "cancel", Long.toString(elsewhere));
        waitFor(owner, elsewhere);
    }

    private static Set<String> drainStates(Cli owner, int... ranks) {
        Set<String> states = new TreeSet<>();
        for (JsonNode n : ok(owner, "resource", "status", "--json").json().path("nodes")) {
            for (int r : ranks) {
                if (n.path("rank").asInt() == r) {
                    states.add(n.path("drain").path("state").asText("not drained"));
                }
            }
        }
        return states;
    }

    private static List<Long> sorted(List<Long> l) {
        List<Long> s = new java.util.ArrayList<>(l);
        Collections.sort(s);
        return s;
    }
}
