package io.canopy.tests.jobs;

import static io.canopy.tests.jobs.JobCheck.eventNames;
import static io.canopy.tests.jobs.JobCheck.exception;
import static io.canopy.tests.jobs.JobCheck.submit;
import static io.canopy.tests.jobs.JobCheck.waitFor;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.tests.harness.Cli;
import io.canopy.tests.harness.InstanceFixture;
import io.canopy.tests.harness.Rpc;
import io.canopy.tests.harness.Signals;
import java.io.IOException;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The leader dies ({@code kill -9}) after a job's {@code alloc} is committed and before its
 * {@code start} is: the node got the start and ran the job, but nobody heard it answer. The
 * restarted leader finds out from the node that the job started there and takes it up, so the job
 * ends once with its real exit status instead of staying in RUN for ever. And when the router on
 * the way to the node dies with the start unanswered, the job ends with an exception naming it
 * instead of waiting for ever for that answer. Four brokers (0 -> 1,2; 1 -> 3); jobs run on rank 3
 * only. Rank 3 is frozen (SIGSTOP) while the start is sent, so that it cannot answer in time;
 * torpid after 10 s, so that the scheduler still places the job there meanwhile.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class StartInterruptedTest {
    private static final String MARK = "300.4718";
    private static InstanceFixture instance;

    @BeforeAll
    static void startInstance() throws IOException {
        instance = InstanceFixture.start(4, 2, null, Duration.ofSeconds(10), Duration.ofSeconds(20), """
                [resource]
                exclude = "0-2"
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

    /** Whatever a test did: every broker runs again and is online at its parent. */
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
                    .until(() -> Rpc.childStatus(instance.socket((rank - 1) / 2), rank).equals("online")
                            && Rpc.state(instance.socket(rank)).equals("run"));
        }
    }

    @Test
    void aJobWhoseLeaderDiesBetweenItsAllocAndItsStartEndsOnceWithItsRealExitStatus() throws IOException {
        Cli owner = instance.cli();
        long warmUp = submit(owner, "-N", "1", "true"); // the scheduler has learnt rank 3's cores
        assertEquals("COMPLETED", waitFor(owner, warmUp).path("result").asText());
        long id;
        instance.freeze(3);
        try {
            id = submit(owner, "-N", "1", "sh", "-c", "exit 3");
            await("the job's alloc is committed").atMost(JobCheck.PATIENCE).pollInterval(Duration.ofMillis(50))
                    .until(() -> eventNames(owner, id).contains("alloc"));
            instance.kill(0);
        } finally {
            instance.thaw(3);
        }
        instance.restart(0);

        JsonNode job = waitFor(owner, id);
        assertEquals("FAILED", job.path("result").asText(), () -> job + "\n" + instance.logs());
        assertEquals(3, job.path("exitcode").asInt(), job::toString);
        List<String> events = eventNames(owner, id);
        for (String once : List.of("alloc", "start", "finish", "clean")) {
            assertEquals(1, Collections.frequency(events, once), () -> once + " once: " + events);
        }
    }

    @Test
    void aJobWhoseStartIsLostWithTheRouterOnTheWayEndsWithAnExceptionNamingIt() throws IOException {
        Cli owner = instance.cli();
        long warmUp = submit(owner, "-N", "1", "true");
        assertEquals("COMPLETED", waitFor(owner, warmUp).path("result").asText());
        long id;
        JsonNode job;
        instance.freeze(3); // the start waits in its socket, unanswered
        try {
            id = submit(owner, "-N", "1", "sleep", MARK);
            await("the job's alloc is committed").atMost(JobCheck.PATIENCE).pollInterval(Duration.ofMillis(50))
                    .until(() -> eventNames(owner, id).contains("alloc"));
            instance.kill(1);
            job = waitFor(owner, id);
        } finally {
            instance.thaw(3);
        }

        assertEquals("EXCEPTION", job.path("result").asText(), () -> job + "\n" + instance.logs());
        String note = exception(job, "exec").path("note").asText();
        assertTrue(note.contains("test1 (rank 1) was lost before job-exec.start for rank 3 was answered"), note);
        instance.restart(1);
        await("whatever of the job started on rank 3 is killed once it is back").atMost(JobCheck.PATIENCE)
                .until(() -> JobCheck.processesWith(MARK).isEmpty());
    }
}
