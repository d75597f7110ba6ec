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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.local.PeerCredentials;
import io.canopy.tests.harness.Cli;
import io.canopy.tests.harness.Cli.Result;
import io.canopy.tests.harness.InstanceFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jobs as users meet them through {@code bin/canopy}: submit, run, watch, wait, cancel, and where
 * the scheduler puts them. One instance of three brokers (rank 0 with leaves 1 and 2, two cores
 * each as job-exec counts them here) for the class; each test leaves no job running and nothing
 * drained.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class JobsTest {
    private static final String MARK = "300.4711"; // a sleep only these tests run
    private static InstanceFixture instance;
    private static Cli owner;

    @BeforeAll
    static void startInstance() throws IOException {
        instance = InstanceFixture.start(3, 2, null, Duration.ofSeconds(3), "[job-exec]\ncores = 2\n");
        owner = instance.cli();
    }

    @AfterAll
    static void stopInstance() {
        if (instance != null) {
            instance.close();
        }
        JobCheck.killAll(MARK);
    }

    @AfterEach
    void cleanUp() {
        for (JsonNode j : ok(owner, "jobs", "--json").json().path("jobs")) {
            owner.run("cancel", j.path("id").asText());
        }
        await("no job runs").atMost(JobCheck.PATIENCE).until(() -> ok(owner, "jobs", "--json").json().path("jobs").isEmpty());
        for (int r : new int[] {0, 1, 2}) {
            owner.run("resource", "undrain", Integer.toString(r)); // refused, harmlessly, where not drained
        }
    }

    @Test
    void aSubmittedJobRunsAndItsExitCodeIsWhatWaitReturns() {
        long id = submit(owner, "sh", "-c", "exit 3");

        Result wait = owner.withTimeout(JobCheck.PATIENCE).run("job", "wait", Long.toString(id));
        JsonNode job = info(owner, id);

        assertEquals(3, wait.exitCode(), wait::toString);
        assertEquals("INACTIVE", job.path("state").asText(), job::toString);
        assertEquals("FAILED", job.path("result").asText());
        assertEquals(3, job.path("exitcode").asInt());
        assertEquals(List.of("submit", "depend", "alloc", "start", "finish", "release", "free", "clean"), eventNames(owner, id));
    }

    @Test
    void runStreamsEveryTasksOutputWithItsEnvironmentAndExitsWithTheJobsStatus() {
        Result r = owner.withTimeout(JobCheck.PATIENCE).run("run", "-N", "3", "-n", "4", "sh", "-c",
                "echo task=$CANOPY_TASK_RANK size=$CANOPY_JOB_SIZE uri=$CANOPY_URI job=$CANOPY_JOB_ID; echo err >&2");

        assertEquals(0, r.exitCode(), r::toString);
        Set<String> tasks = new HashSet<>();
        Set<String> uris = new HashSet<>();
        for (String line : r.stdout().lines().toList()) {
            for (String f : line.split(" ")) {
                if (f.startsWith("task=")) {
                    tasks.add(f);
                } else if (f.startsWith("uri=")) {
                    uris.add(f);
                }
            }
            assertTrue(line.contains("size=4"), line);
        }
        assertEquals(Set.of("task=0", "task=1", "task=2", "task=3"), tasks, r::toString);
        assertEquals(3, uris.size(), "three nodes, three brokers' sockets: " + r);
        assertEquals(4, r.stderr().lines().filter("err"::equals).count(), r::toString);
    }

    @Test
    void runExitsWithTheExitCodeOfAFailedTask() {
        Result r = owner.withTimeout(JobCheck.PATIENCE).run("run", "-n", "2", "sh", "-c", "exit $((CANOPY_TASK_RANK + 4))");

        assertEquals(5, r.exitCode(), r::toString);
    }

    @Test
    void outputAndErrorGoToTheFilesAsked(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        long id = submit(owner, "--output", out.toString(), "--error", err.toString(), "sh", "-c", "echo hello; echo oops >&2");

        waitFor(owner, id);

        assertEquals("hello\n", Files.readString(out));
        assertEquals("oops\n", Files.readString(err));
    }

    @Test
    void aCanceledJobsProcessesAreGoneAndItEndsCanceled() {
        long id = submit(owner, "sh", "-c", "sleep " + MARK + " & sleep " + MARK + "; wait");
        awaitState(owner, id, "RUN");
        await("the job's processes run").atMost(JobCheck.PATIENCE).until(() -> processesWith(MARK).size() >= 2);

        ok(owner, "cancel", Long.toString(id));
        JsonNode job = waitFor(owner, id);

        assertEquals("CANCELED", job.path("result").asText(), job::toString);
        assertEquals("cancel", job.path("exceptions").path(0).path("type").asText());
        assertEquals(0, job.path("exceptions").path(0).path("severity").asInt());
        assertTrue(processesWith(MARK).isEmpty(), "the job's processes (and their children) are killed");
        Result again = owner.run("cancel", Long.toString(id));
        assertEquals(1, again.exitCode(), again::toString);
        assertTrue(again.stderr().contains("already over"), again::toString);
    }

    @Test
    void aJobThatCanNeverFitIsRefusedAtSubmitWithTheReason() {
        Result r = owner.run("submit", "-N", "4", "true");

        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.stderr().contains("4 nodes") && r.stderr().contains("has 3"), r::toString);
        Result cores = owner.run("submit", "-n", "7", "true");
        assertEquals(1, cores.exitCode(), cores::toString);
        assertTrue(cores.stderr().contains("7 cores") && cores.stderr().contains("has 6"), cores::toString);
    }

    @Test
    void jobsListsActiveJobsAndAllWithDashA() {
        long done = submit(owner, "true");
        waitFor(owner, done);
        long running = submit(owner, "sleep", MARK);
        awaitState(owner, running, "RUN");

        Result active = ok(owner, "jobs");
        Result all = ok(owner, "jobs", "-a", "--json");

        assertTrue(active.stdout().contains(Long.toString(running)), active::toString);
        assertFalse(active.lines().stream().anyMatch(l -> l.strip().startsWith(done + " ")), active::toString);
        List<Long> ids = all.json().path("jobs").findValues("id").stream().map(JsonNode::asLong).toList();
        assertTrue(ids.contains(done) && ids.contains(running), all::toString);
        JsonNode first = all.json().path("jobs").path(0);
        for (String field : List.of("id", "user", "state", "result", "ranks", "exitcode", "exceptions")) {
            assertTrue(first.has(field), field + " in " + first);
        }
    }

    @Test
    void drainedNodesGetNoWorkAndADrainedBusyNodeIsDrainingUntilItsJobEnds() {
        ok(owner, "resource", "drain", "1-2", "maintenance");
        long a = submit(owner, "-N", "1", "-n", "2", "sleep", MARK);
        awaitState(owner, a, "RUN");
        assertEquals("0", info(owner, a).path("ranks").asText(), "only rank 0 is undrained");
        long b = submit(owner, "true");
        assertEquals("SCHED", info(owner, b).path("state").asText(), "rank 0's two cores are busy; 1-2 are drained");

        ok(owner, "resource", "drain", "0", "busy");
        JsonNode drain0 = nodeDrain(0);
        assertEquals("draining", drain0.path("state").asText(), drain0::toString);
        Cli.Running waiting = owner.withTimeout(JobCheck.PATIENCE).start("resource", "drain", "--update", "--wait", "0", "busy");
        ok(owner, "cancel", Long.toString(a));
        Result waited = waiting.finish();

        assertEquals(0, waited.exitCode(), waited::toString);
        assertEquals("drained", nodeDrain(0).path("state").asText());
        assertEquals("SCHED", info(owner, b).path("state").asText(), "no undrained node: b waits");
        ok(owner, "resource", "undrain", "2");
        assertEquals("COMPLETED", waitFor(owner, b).path("result").asText());
        assertEquals("2", info(owner, b).path("ranks").asText());
    }

    @Test
    void aUserRunsAndCancelsTheirOwnJobButNotAnothers() {
        Cli nobody = nobody();
        long mine = submit(owner, "sleep", MARK);
        long theirs = Long.parseLong(ok(nobody, "submit", "sh", "-c", "id -u; sleep " + MARK).stdout().strip());
        awaitState(owner, theirs, "RUN");

        Result refused = nobody.run("cancel", Long.toString(mine));
        assertEquals(1, refused.exitCode(), refused::toString);
        assertTrue(refused.stderr().contains("belongs to"), refused::toString);
        assertEquals("RUN", JobCheck.state(owner, mine));
        ok(nobody, "cancel", Long.toString(theirs));
        assertEquals("CANCELED", waitFor(nobody, theirs).path("result").asText());
        assertEquals("nobody", info(owner, theirs).path("user").asText());
        Result run = nobody.withTimeout(JobCheck.PATIENCE).run("run", "id", "-u");
        assertEquals(0, run.exitCode(), run::toString);
        assertEquals(Cli.plain().exec(List.of("id", "-u", "nobody")).stdout().strip(), run.stdout().strip(),
                "the task runs as the user who submitted it");
    }

    @Test
    void badSubmissionsAndUnknownJobsGetAClearErrorAndChangeNothing() {
        int before = ok(owner, "jobs", "-a", "--json").json().path("jobs").size();

        Result fewTasks = owner.run("submit", "-N", "2", "-n", "1", "true");
        Result malformed = owner.run("rpc", "job-manager.submit", "{\"command\":\"true\",\"ntasks\":\"many\"}");
        Result unknown = owner.run("job", "info", "999999");
        Result cancelUnknown = owner.run("cancel", "999999");
        Result notFound = owner.withTimeout(JobCheck.PATIENCE).run("run", "no-such-command-4711");

        assertEquals(1, fewTasks.exitCode(), fewTasks::toString);
        assertTrue(fewTasks.stderr().contains("-n 2"), "says how to fix it: " + fewTasks);
        assertEquals(1, malformed.exitCode(), malformed::toString);
        assertTrue(malformed.stderr().startsWith("canopy: "), malformed::toString);
        assertEquals(1, unknown.exitCode(), unknown::toString);
        assertTrue(unknown.stderr().contains("no job 999999"), unknown::toString);
        assertEquals(1, cancelUnknown.exitCode(), cancelUnknown::toString);
        assertEquals(1, notFound.exitCode(), notFound::toString);
        assertTrue(notFound.stderr().contains("command not found: no-such-command-4711"), notFound::toString);
        assertEquals(before + 1, ok(owner, "jobs", "-a", "--json").json().path("jobs").size(),
                "only the job that could not start was recorded (as an exception)");
    }

    @Test
    void countsOutOfRangeAreRefusedAtTheCliAndAtTheServiceAndChangeNothing() {
        int before = ok(owner, "jobs", "-a", "--json").json().path("jobs").size();

        for (String[] args : List.of(new String[] {"-n", "-1"}, new String[] {"-N", "-3"}, new String[] {"-n", "0"})) {
            Result r = owner.run("submit", args[0], args[1], "true");
            assertEquals(2, r.exitCode(), () -> String.join(" ", args) + ": " + r);
            assertTrue(r.stderr().contains("must be 1 or more, not " + args[1]), r::toString);
        }
        for (String ntasks : List.of("2147483648", "4294967297", "-5", "1.5")) {
            // straight to the service: a MessagePack uint32 of 2^31 used to wrap round and run as one task
            Result r = owner.run("rpc", "job-manager.submit",
                    "{\"command\":[\"true\"],\"cwd\":\"/tmp\",\"ntasks\":" + ntasks + "}");
            assertEquals(1, r.exitCode(), () -> ntasks + ": " + r);
            assertTrue(r.stderr().contains("ntasks must be a whole number from 0 (the default) to 100000, not " + ntasks),
                    r::toString);
        }
        Result nodes = owner.run("rpc", "job-manager.submit", "{\"command\":[\"true\"],\"cwd\":\"/tmp\",\"nnodes\":2147483648}");
        assertTrue(nodes.stderr().contains("nnodes must be a whole number"), nodes::toString);
        assertEquals(before, ok(owner, "jobs", "-a", "--json").json().path("jobs").size(), "nothing was recorded");
    }

    private static JsonNode nodeDrain(int rank) {
        for (JsonNode n : ok(owner, "resource", "status", "--json").json().path("nodes")) {
            if (n.path("rank").asInt() == rank) {
                return n.path("drain");
            }
        }
        throw new AssertionError("no rank " + rank);
    }

    private static Cli nobody() {
        assumeTrue(PeerCredentials.currentUid() == 0, "running as nobody needs root (setpriv)");
        return owner.asNobody();
    }
}
