package io.canopy.tests.jobs;

import static io.canopy.tests.jobs.JobCheck.awaitState;
import static io.canopy.tests.jobs.JobCheck.ok;
import static io.canopy.tests.jobs.JobCheck.submit;
import static io.canopy.tests.jobs.JobCheck.waitFor;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.client.CanopyClient;
import io.canopy.message.Message;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import io.canopy.tests.harness.Cli;
import io.canopy.tests.harness.InstanceFixture;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leader shuts down while jobs wait for resources: the shutdown takes seconds, not minutes
 * (job-manager no longer asks a stopping scheduler again and again), and submissions made through
 * compute nodes meanwhile, before and after the leader's modules stopped, wait for the service
 * nodes and succeed, as the administrator's guide promises. Four brokers (0 -> 1,2; 1 -> 3); the
 * compute nodes 2 and 3 have one core each, both busy, and 200 more jobs wait in SCHED.
 * {@code shutdown --service-only} stops ranks 0 and 1, which start again; then a full shutdown
 * stops them all, and the instance starts again with its queue.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
@TestMethodOrder(OrderAnnotation.class)
class ShutdownWithQueuedJobsTest {
    private static final String MARK = "300.4717";
    /** A shutdown of two brokers with nothing to hand up but small checkpoints (it took over 30 s). */
    private static final Duration SHUTDOWN = Duration.ofSeconds(20);
    /** Jobs waiting in SCHED when the shutdown begins. */
    private static final int QUEUED = 200;
    private static InstanceFixture instance;

    @TempDir
    static Path rundir;

    @BeforeAll
    static void startInstance() throws IOException {
        instance = InstanceFixture.start(4, 2, rundir, Duration.ofSeconds(3), """
                [resource]
                exclude = "0-1"
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
    @Order(1)
    void aServiceOnlyShutdownWithJobsQueuedTakesSecondsAndASubmissionMadeMeanwhileWaitsAndSucceeds() throws IOException {
        Cli owner = instance.cli();
        List<Long> busy = busyNodes(owner);
        List<Long> queued = queue(owner);

        Cli.Running shutdown = owner.withTimeout(SHUTDOWN).start("shutdown", "--service-only");
        Cli.Running meanwhile = instance.cli(3).withTimeout(Duration.ofMinutes(3)).start("submit", "true");
        List<CompletableFuture<Message>> whileLeaving = new ArrayList<>();
        try (CanopyClient leaf = instance.connect(2)) {
            // every 100 ms until the leader is gone: some of these reach it after its modules stopped
            await("the leader exits").atMost(SHUTDOWN).pollInterval(Duration.ofMillis(100)).until(() -> {
                whileLeaving.add(leaf.send("job-manager.submit", 0, job("true")));
                return !instance.process(0).isAlive();
            });
            Cli.Result done = shutdown.finish();
            assertEquals(0, done.exitCode(), () -> done + "\n" + instance.logs());
            instance.awaitExit(1);
            for (int r : new int[] {0, 1}) {
                instance.relaunch(r);
            }
            instance.awaitRun(0);
            instance.awaitRun(1);
            for (CompletableFuture<Message> f : whileLeaving) {
                Message answer = f.get(JobCheck.PATIENCE.toSeconds(), TimeUnit.SECONDS);
                assertFalse(answer.isError(), () -> "a submission while the leader left failed: " + answer.errstr());
            }
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new AssertionError("a submission while the leader left got no answer: " + e, e);
        }

        Cli.Result submitted = meanwhile.finish();
        assertEquals(0, submitted.exitCode(), () -> "a submission during the shutdown waits, it does not fail: "
                + submitted + "\n" + instance.logs());
        long late = Long.parseLong(submitted.stdout().strip());
        for (long id : busy) {
            ok(owner, "cancel", Long.toString(id));
        }
        for (long id : List.of(queued.get(0), queued.get(QUEUED - 1), late)) {
            JsonNode job = waitFor(owner, id);
            assertEquals("COMPLETED", job.path("result").asText(), () -> job + "\n" + instance.logs());
        }
    }

    @Test
    @Order(2)
    void aFullShutdownWithJobsQueuedTakesSecondsAndTheQueuedJobsRunAfterTheStart() throws IOException {
        Cli owner = instance.cli();
        busyNodes(owner);
        List<Long> queued = queue(owner);

        Cli.Result done = owner.withTimeout(SHUTDOWN).run("shutdown");

        assertEquals(0, done.exitCode(), () -> done + "\n" + instance.logs());
        instance = instance.startAgain();
        JsonNode last = waitFor(instance.cli(), queued.get(QUEUED - 1));
        assertEquals("COMPLETED", last.path("result").asText(), () -> last + "\n" + instance.logs());
    }

    /** Two {@code sleep} jobs that take the two compute nodes' only cores. */
    private static List<Long> busyNodes(Cli owner) {
        List<Long> busy = List.of(submit(owner, "sleep", MARK), submit(owner, "sleep", MARK));
        for (long id : busy) {
            awaitState(owner, id, "RUN");
        }
        return busy;
    }

    /** {@link #QUEUED} jobs that wait in SCHED behind them. */
    private static List<Long> queue(Cli owner) {
        List<Long> queued = new ArrayList<>();
        try (CanopyClient leader = instance.connect(0)) { // many, quickly: one CLI process each would take minutes
            for (int i = 0; i < QUEUED; i++) {
                queued.add(Payloads.tree(leader.call("job-manager.submit", 0, job("true"), JobCheck.PATIENCE).payload())
                        .path("id").asLong());
            }
        } catch (IOException | RpcException e) {
            throw new AssertionError("cannot queue the jobs: " + e.getMessage(), e);
        }
        awaitState(owner, queued.get(QUEUED - 1), "SCHED");
        return queued;
    }

    private static Map<String, Object> job(String command) {
        return Map.of("command", List.of(command), "ntasks", 1, "cwd", "/tmp", "key", UUID.randomUUID().toString());
    }
}
