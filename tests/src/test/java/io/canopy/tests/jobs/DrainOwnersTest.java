package io.canopy.tests.jobs;

import static io.canopy.tests.jobs.JobCheck.awaitState;
import static io.canopy.tests.jobs.JobCheck.ok;
import static io.canopy.tests.jobs.JobCheck.submit;
import static io.canopy.tests.jobs.JobCheck.waitFor;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.tests.harness.Cli.Result;
import io.canopy.tests.harness.Cli;
import io.canopy.tests.harness.InstanceFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
 * Drains that know who owns them, and draining nodes that say what keeps them, on real brokers:
 * a node drained by an administrator and by its failing epilog shows both sources (status, JSON,
 * info) and stays drained until both are cleared; a draining node names the jobs it waits for in
 * {@code resource status}, {@code resource info}, {@code --json} and {@code drain --wait}. Four
 * brokers (0 -> 1,2; 1 -> 3), rank 0 excluded, one core a node.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class DrainOwnersTest {
    private static final String MARK = "300.1616";
    private static Path dir;
    private static InstanceFixture instance;
    private static Cli owner;

    @BeforeAll
    static void startInstance() throws IOException {
        dir = Files.createTempDirectory("canopy-drain-owners");
        Path epilog = dir.resolve("epilog");
        Files.writeString(epilog, "#!/bin/sh\n[ -e " + dir.resolve("fail-epilog") + " ] && exit 7\nexit 0\n");
        Files.setPosixFilePermissions(epilog, PosixFilePermissions.fromString("rwxr-xr-x"));
        instance = InstanceFixture.start(4, 2, null, Duration.ofSeconds(3), """
                [resource]
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
    void cleanUp() throws IOException {
        Files.deleteIfExists(dir.resolve("fail-epilog"));
        for (JsonNode j : ok(owner, "jobs", "--json").json().path("jobs")) {
            owner.run("cancel", j.path("id").asText());
        }
        await("no job runs").atMost(JobCheck.PATIENCE).until(() -> ok(owner, "jobs", "--json").json().path("jobs").isEmpty());
        JobCheck.killAll(MARK);
        for (int r : new int[] {1, 2, 3}) {
            owner.run("resource", "undrain", Integer.toString(r)); // refused, harmlessly, where not drained
        }
    }

    private static JsonNode node(int rank) {
        return ok(owner, "resource", "status", "--json").json().path("nodes").get(rank);
    }

    private static List<String> sources(JsonNode node) {
        List<String> out = new ArrayList<>();
        node.path("drains").forEach(d -> out.add(d.path("source").asText()));
        return out;
    }

    @Test
    void aNodeDrainedByItsEpilogAndAnAdministratorShowsBothAndStaysDrainedUntilBothAreCleared() throws IOException {
        Files.writeString(dir.resolve("fail-epilog"), "");
        long id = submit(owner, "true"); // first fit: test1
        waitFor(owner, id);
        await("the failing epilog drains test1").atMost(JobCheck.PATIENCE).until(() -> !node(1).path("drain").isNull());
        ok(owner, "resource", "drain", "test1", "bad", "DIMM");

        JsonNode n = node(1);
        Result text = ok(owner, "resource", "status");
        Result info = ok(owner, "resource", "info", "test1");
        Result epilogOnly = ok(owner, "resource", "undrain", "--source", "epilog", "test1", "epilog", "fixed");
        JsonNode afterEpilog = node(1);
        Result stillMine = owner.run("resource", "undrain", "--source", "epilog", "test1");
        ok(owner, "resource", "undrain", "test1", "DIMM", "replaced");

        assertEquals(List.of("admin", "epilog"), sources(n), n::toString);
        assertEquals("admin", n.path("drain").path("source").asText(), "the first drain shown is the administrator's");
        assertTrue(text.stdout().contains("admin,epilog bad DIMM; epilog failed on test1: exit 7"), text::toString);
        assertTrue(info.stdout().contains("Drain=drained Sources=admin,epilog"), info::toString);
        assertTrue(info.stdout().contains("Source=epilog Reason=\"epilog failed on test1: exit 7\""), info::toString);
        assertEquals("canopy: still drained by another source: test1 (admin)", epilogOnly.stderr().strip(),
                epilogOnly::toString);
        assertEquals(List.of("admin"), sources(afterEpilog), "the administrator's drain stays");
        assertEquals(1, stillMine.exitCode(), stillMine::toString);
        assertEquals("canopy: test1 (rank 1) not drained by epilog (drained by admin); nothing was changed",
                stillMine.stderr().strip());
        assertTrue(node(1).path("drain").isNull(), "undrain without --source clears every drain");
        JsonNode undrain = lastEvent("undrain");
        assertEquals("admin", undrain.path("context").path("source").asText(), undrain::toString);
    }

    @Test
    void aDrainingNodeNamesTheJobsThatKeepIt() {
        long id = submit(owner, "sleep", MARK);
        awaitState(owner, id, "RUN");
        ok(owner, "resource", "drain", "test1", "os", "update");

        JsonNode n = node(1);
        Result text = ok(owner, "resource", "status", "-s", "draining");
        Result info = ok(owner, "resource", "info", "test1");
        Result waited = owner.run("resource", "drain", "-u", "--wait", "--timeout", "1s", "test1");

        assertEquals("draining", n.path("drain").path("state").asText(), n::toString);
        assertEquals(List.of(id), longs(n.path("drain").path("jobs")), n::toString);
        assertEquals(List.of(id), longs(n.path("jobids")), n::toString);
        assertTrue(text.lines().get(1).endsWith("admin   os update (waiting on job " + id + ")"), text::toString);
        assertTrue(info.stdout().contains("Drain=draining Source=admin Reason=\"os update\"")
                && info.stdout().contains(" WaitingOn=" + id), info::toString);
        assertEquals(1, waited.exitCode(), waited::toString);
        assertTrue(waited.stderr().contains("draining test1: 0 of 1 drained; waiting on test1 (job " + id + ")"),
                waited::toString);
        assertTrue(waited.stderr().contains("canopy: test1 (job " + id + ") still running jobs after 1.0s"), waited::toString);
    }

    private static List<Long> longs(JsonNode arr) {
        List<Long> out = new ArrayList<>();
        arr.forEach(x -> out.add(x.asLong()));
        return out;
    }

    private static JsonNode lastEvent(String name) {
        JsonNode last = null;
        for (JsonNode e : ok(owner, "resource", "eventlog", "--json").json().path("events")) {
            if (e.path("name").asText().equals(name)) {
                last = e;
            }
        }
        return last;
    }
}
