package io.canopy.tests.jobs;

import static io.canopy.tests.jobs.JobCheck.awaitState;
import static io.canopy.tests.jobs.JobCheck.info;
import static io.canopy.tests.jobs.JobCheck.ok;
import static io.canopy.tests.jobs.JobCheck.submit;
import static io.canopy.tests.jobs.JobCheck.waitFor;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.tests.harness.Cli;
import io.canopy.tests.harness.Cli.Result;
import io.canopy.tests.harness.InstanceFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code canopy resource reboot} on real brokers, with the test instance's fake reboot command
 * (the broker gets a new boot id and is started again, as systemd would at boot) and fake health
 * check: busy nodes reboot once idle, one at a time, no job starts there meanwhile, and they come
 * back undrained after their check; an administrator's drain outlives the reboot's undrain (and a
 * lost node's return); a failing check, a failing reboot command and a node that never comes back
 * leave the node drained with a reason that says so. Five brokers (0 -> 1,2; 1 -> 3,4), rank 0
 * excluded, one core a node.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class RebootTest {
    private static final String GATE = "gate-1616-mark";
    private static Path dir;
    private static InstanceFixture instance;
    private static Cli owner;

    @BeforeAll
    static void startInstance() throws IOException {
        dir = Files.createTempDirectory("canopy-reboot");
        // lost after 10 s of silence (a killed broker is lost at once): a loaded machine does not lose nodes
        instance = InstanceFixture.start(5, 2, null, Duration.ofSeconds(10), """
                [resource]
                exclude = "0"
                drain_on_lost = true
                undrain_on_return = true
                health_check_timeout = "20s"
                [job-exec]
                cores = 1
                """, true);
        owner = instance.cli();
    }

    @AfterAll
    static void stopInstance() throws IOException {
        if (instance != null) {
            instance.close();
        }
        JobCheck.killAll(GATE);
        Files.deleteIfExists(dir.resolve("go"));
        Files.deleteIfExists(dir);
    }

    @AfterEach
    void cleanUp() throws IOException {
        for (int r = 1; r < instance.size(); r++) {
            for (String f : List.of("reboot-fails", "never-returns", "health-fails")) {
                Files.deleteIfExists(instance.brokerDir(r).resolve(f));
            }
            if (!instance.process(r).isAlive()) {
                instance.restart(r);
            }
        }
        for (JsonNode j : ok(owner, "jobs", "--json").json().path("jobs")) {
            owner.run("cancel", j.path("id").asText());
        }
        await("no job runs").atMost(JobCheck.PATIENCE).until(() -> ok(owner, "jobs", "--json").json().path("jobs").isEmpty());
        JobCheck.killAll(GATE);
        await("every node online").atMost(JobCheck.PATIENCE).until(() -> {
            for (JsonNode n : status()) {
                if (!n.path("state").asText().equals("online")) {
                    return false;
                }
            }
            return true;
        });
        for (int r = 1; r < instance.size(); r++) {
            owner.run("resource", "undrain", Integer.toString(r)); // refused, harmlessly, where not drained
        }
    }

    private static JsonNode status() {
        return ok(owner, "resource", "status", "--json").json().path("nodes");
    }

    private static JsonNode node(int rank) {
        return status().get(rank);
    }

    private static List<String> sources(int rank) {
        List<String> out = new ArrayList<>();
        node(rank).path("drains").forEach(d -> out.add(d.path("source").asText()));
        return out;
    }

    /**
     * The reboots' eventlog entries of these names (their context names a wave, or the drain's
     * source is the reboot), as "name host" lines, oldest first, after {@code seq}.
     */
    private static List<String> events(long after, String... names) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : ok(owner, "resource", "eventlog", "--json").json().path("events")) {
            boolean reboot = e.path("context").has("wave") || e.path("context").path("source").asText().equals("reboot");
            if (e.path("seq").asLong() > after && reboot && List.of(names).contains(e.path("name").asText())) {
                out.add(e.path("name").asText() + " " + e.path("nodelist").asText());
            }
        }
        return out;
    }

    private static long lastSeq() {
        long seq = 0;
        for (JsonNode e : ok(owner, "resource", "eventlog", "--json").json().path("events")) {
            seq = Math.max(seq, e.path("seq").asLong());
        }
        return seq;
    }

    @Test
    void busyNodesRebootOnceIdleOneAtATimeAndComeBackUndrainedAfterTheirHealthCheck() throws IOException {
        Path go = dir.resolve("go");
        long busy = submit(owner, "-N", "2", "sh", "-c", "while [ ! -e " + go + " ]; do sleep 0.1; done # " + GATE);
        awaitState(owner, busy, "RUN");
        assertEquals("1-2", info(owner, busy).path("ranks").asText());
        String boot2 = instance.bootId(2);
        String boot4 = instance.bootId(4);
        long seq = lastSeq();

        Cli.Running wave = owner.withTimeout(Duration.ofMinutes(3)).start("resource", "reboot", "--when-idle", "--resume",
                "--max-parallel", "1", "--wait", "test[2,4]", "kernel", "update");
        await("test2 drained for the reboot").atMost(JobCheck.PATIENCE)
                .until(() -> sources(2).equals(List.of("reboot")));
        long wide = submit(owner, "-N", "4", "true"); // needs every node: may not start while the wave holds two
        await("test4 rebooted first, as test2 is busy").atMost(JobCheck.PATIENCE)
                .until(() -> events(seq, "undrain").contains("undrain test4"));
        JsonNode draining = node(2);
        String waitingState = info(owner, wide).path("state").asText();
        Files.writeString(go, "");
        Result done = wave.finish();

        assertEquals(0, done.exitCode(), done + "\n" + instance.logs());
        assertEquals("draining", draining.path("drain").path("state").asText(), draining::toString);
        assertEquals(List.of(busy), List.of(draining.path("drain").path("jobs").get(0).asLong()), draining::toString);
        assertEquals("waiting", draining.path("reboot").path("state").asText(), draining::toString);
        assertEquals("SCHED", waitingState, "no job starts on a node drained for its reboot");
        assertTrue(done.stderr().contains("test2: waiting on job " + busy), done::toString);
        assertTrue(done.stderr().lines().anyMatch(l -> l.endsWith("test[2,4]: 2 done")), done::toString);
        assertEquals(List.of("reboot-start test4", "rebooted test4", "health-check test4", "undrain test4",
                "reboot-start test2", "rebooted test2", "health-check test2", "undrain test2"),
                events(seq, "reboot-start", "rebooted", "health-check", "undrain"), "one node down at a time, each "
                        + "undrained only after its check");
        assertNotEquals(boot2, instance.bootId(2), "test2 rebooted");
        assertNotEquals(boot4, instance.bootId(4), "test4 rebooted");
        assertTrue(node(2).path("drain").isNull() && node(4).path("drain").isNull());
        assertEquals("COMPLETED", waitFor(owner, wide).path("result").asText(), "the job runs once the nodes are back");
        assertEquals("1-4", info(owner, wide).path("ranks").asText());
    }

    @Test
    void anAdministratorsDrainOutlivesTheRebootsUndrain() {
        ok(owner, "resource", "drain", "test4", "fan", "noise");
        String boot = instance.bootId(4);

        Result r = owner.withTimeout(Duration.ofMinutes(2)).run("resource", "reboot", "--resume", "--wait", "test4",
                "firmware");

        assertEquals(0, r.exitCode(), r::toString);
        assertNotEquals(boot, instance.bootId(4));
        assertEquals(List.of("admin"), sources(4), "only the reboot's drain went");
        assertEquals("fan noise", node(4).path("drain").path("reason").asText());
    }

    @Test
    void aLostNodeThatReturnsLosesOnlyItsLostDrain() throws IOException {
        ok(owner, "resource", "drain", "test4", "fan", "noise");
        instance.killWithLaunchers(3);
        instance.killWithLaunchers(4);
        await("both lost and drained as lost").atMost(JobCheck.PATIENCE)
                .until(() -> sources(3).equals(List.of("lost")) && sources(4).equals(List.of("admin", "lost")));

        instance.restart(3);
        instance.restart(4);

        await("the lost drains go").atMost(JobCheck.PATIENCE)
                .until(() -> sources(3).isEmpty() && sources(4).equals(List.of("admin")));
        assertEquals("fan noise", node(4).path("drain").path("reason").asText(), "the administrator's drain stays");
    }

    @Test
    void aFailingHealthCheckKeepsTheNodeDrainedSayingWhy() throws IOException {
        Files.writeString(instance.brokerDir(2).resolve("health-fails"), "ECC errors on DIMM 3\n");

        Result r = owner.withTimeout(Duration.ofMinutes(2)).run("resource", "reboot", "--resume", "--wait", "test2", "x");

        assertEquals(1, r.exitCode(), r::toString);
        String why = "health check failed on test2 after its reboot: exit 1: ECC errors on DIMM 3";
        assertTrue(r.stderr().contains("canopy: test2 (rank 2) failed: " + why + "; it stays drained"), r::toString);
        assertEquals(List.of("health"), sources(2), "the check's drain replaces the reboot's");
        assertEquals(why, node(2).path("drain").path("reason").asText());
    }

    @Test
    void aNodeThatNeverComesBackStaysDrainedSayingSo() throws IOException {
        Files.writeString(instance.brokerDir(4).resolve("never-returns"), "");

        Result r = owner.withTimeout(Duration.ofMinutes(2)).run("resource", "reboot", "--resume", "--wait",
                "--reboot-timeout", "5s", "test4", "x");

        assertEquals(1, r.exitCode(), r::toString);
        String why = "test4 (rank 4) did not come back with a new boot id within 5.0s of its reboot command";
        assertTrue(r.stderr().contains(why), r::toString);
        assertEquals(List.of("reboot"), sources(4));
        assertEquals("reboot failed: " + why + " (x)", node(4).path("drain").path("reason").asText());
    }

    @Test
    void aRebootCommandThatFailsKeepsTheNodeDrainedWithItsOutput() throws IOException {
        Files.writeString(instance.brokerDir(2).resolve("reboot-fails"), "");
        String boot = instance.bootId(2);

        Result r = owner.withTimeout(Duration.ofMinutes(2)).run("resource", "reboot", "--resume", "--wait", "test2", "x");

        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.stderr().contains("its reboot command failed: exit 1: fake reboot: refused"), r::toString);
        assertEquals(boot, instance.bootId(2), "it did not reboot");
        assertEquals(List.of("reboot"), sources(2));
    }

    @Test
    void aBusyNodeIsRefusedWithoutWhenIdleAndNothingChanges() {
        long busy = submit(owner, "sleep", "300.1616");
        awaitState(owner, busy, "RUN");

        Result r = owner.run("resource", "reboot", "test1", "x");

        assertEquals(1, r.exitCode(), r::toString);
        assertEquals("canopy: test1 (rank 1) runs job " + busy + ": add --when-idle to reboot it once the jobs end (no "
                + "new job starts there meanwhile), or cancel the jobs; nothing was changed", r.stderr().strip());
        assertTrue(node(1).path("drain").isNull());
        ok(owner, "cancel", Long.toString(busy));
    }
}
