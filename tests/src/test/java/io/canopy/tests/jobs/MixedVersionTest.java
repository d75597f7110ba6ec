package io.canopy.tests.jobs;

import static io.canopy.tests.jobs.JobCheck.awaitState;
import static io.canopy.tests.jobs.JobCheck.eventNames;
import static io.canopy.tests.jobs.JobCheck.info;
import static io.canopy.tests.jobs.JobCheck.ok;
import static io.canopy.tests.jobs.JobCheck.submit;
import static io.canopy.tests.jobs.JobCheck.waitFor;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.overlay.Dialect;
import io.canopy.tests.harness.Cli;
import io.canopy.tests.harness.Cli.Result;
import io.canopy.tests.harness.InstanceToml;
import io.canopy.tests.harness.PreviousRelease;
import io.canopy.tests.harness.VersionedBrokers;
import io.canopy.tests.harness.VersionedBrokers.Release;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A rolling update of Canopy itself, with jobs running: a tree of five brokers of the previous
 * release ({@link PreviousRelease}, built from this clone's history) is updated to this build node
 * by node, each drained and restarted on the new jar as a package update would do it, in an order
 * that gives both mixed shapes: first a leaf under an old leader and an old router (the leader is
 * the older), then the leader itself on its old state.db (the leader is the newer, its children
 * older), then the router with a job running below it, then the rest. Nothing is lost: every job
 * ends once with its real status, the job that ran across the router's restart and the job that ran
 * across the leader's never restart, the administrator's drain made under the old leader keeps its
 * reason, user and time (with source admin), a drain made by the previous release's CLI under the
 * new leader is read in the old dialect, and a reboot asked of an old node fails saying why. Five
 * brokers (0 -> 1,2; 1 -> 3,4), rank 0 excluded, one core a node.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class MixedVersionTest {
    private static Path dir;
    private static VersionedBrokers brokers;
    private static final Map<String, Path> GATES = new LinkedHashMap<>();

    @BeforeAll
    static void startPreviousRelease() throws IOException {
        PreviousRelease.jar(); // built once for the class (and cached under tests/target for the next run)
        dir = Files.createTempDirectory("canopy-mixed");
        brokers = new VersionedBrokers(dir, InstanceToml.loopback(5).calm(), """
                [resource]
                exclude = "0"
                [job-exec]
                cores = 1
                """);
        for (int r = 4; r >= 0; r--) {
            brokers.start(r, Release.PREVIOUS);
        }
        for (int r = 0; r < 5; r++) {
            brokers.awaitRun(r);
        }
    }

    @AfterAll
    static void stop() throws IOException {
        if (brokers != null) {
            brokers.close();
        }
        for (Path g : GATES.values()) {
            Files.deleteIfExists(g);
        }
        JobCheck.killAll("gate-1616-mixed");
    }

    /** A job that runs until {@link #open} (its tasks loop on a file). */
    private static long gated(Cli cli, String name, String... nodes) {
        Path g = dir.resolve("go-" + name);
        GATES.put(name, g);
        List<String> args = new java.util.ArrayList<>(List.of(nodes));
        args.addAll(List.of("sh", "-c", "while [ ! -e " + g + " ]; do sleep 0.1; done; echo " + name
                + " done # gate-1616-mixed"));
        return submit(cli, args.toArray(String[]::new));
    }

    private static void open(String name) throws IOException {
        Files.writeString(GATES.get(name), "");
    }

    /**
     * Drains a node until its jobs are over, runs it on {@code release}, waits until every broker
     * runs and the leader sees the node online. (A leader restarted on this code base sees the
     * ranks below its children again only when their status changes; the ranks below a router
     * come back with the router's own update.)
     */
    private static void update(int rank, Release release) throws IOException {
        Cli leader = brokers.cli(0);
        if (rank != 0) {
            ok(leader.withTimeout(JobCheck.PATIENCE), "resource", "drain", "-u", "--wait", Integer.toString(rank),
                    "update");
        }
        brokers.stop(rank);
        brokers.start(rank, release);
        for (int r = 0; r < brokers.size(); r++) {
            brokers.awaitRun(r);
        }
        await(rank + " online at the leader").atMost(JobCheck.PATIENCE).until(() -> node(rank).path("state").asText()
                .equals("online"));
    }

    @Test
    void aTreeOfThePreviousReleaseIsUpdatedNodeByNodeWithJobsRunningAndLosesNothing() throws IOException {
        Cli leader = brokers.cli(0);
        long a = gated(leader, "a", "-N", "2");              // test[1-2], across the leader's update
        awaitState(leader, a, "RUN");
        ok(leader, "resource", "drain", "test4", "fan", "noise");
        JsonNode drainBefore = node(4).path("drain");
        long b = gated(leader, "b");                          // test3, until test3's own update
        awaitState(leader, b, "RUN");
        assertEquals(List.of("1-2", "3"), List.of(info(leader, a).path("ranks").asText(), info(leader, b).path("ranks")
                .asText()));

        // 1. a leaf under an old router and an old leader
        open("b");
        update(3, Release.CURRENT);
        ok(leader, "resource", "undrain", "test3");
        long c = submit(leader, "sh", "-c", "echo from $(hostname)-$CANOPY_TASK_RANK"); // on the new test3
        JsonNode cDone = waitFor(leader, c);
        assertEquals("COMPLETED", cDone.path("result").asText(), cDone::toString);
        assertEquals("3", cDone.path("ranks").asText());
        long e = gated(leader, "e");                          // test3 again, across its router's update
        awaitState(leader, e, "RUN");

        // 2. the leader, on the previous release's state.db: now the newer, with older children
        update(0, Release.CURRENT);
        leader = brokers.cli(0);
        JsonNode drainAfter = node(4).path("drain");
        for (String k : List.of("reason", "user", "userid", "time")) {
            assertEquals(drainBefore.path(k), drainAfter.path(k), k + " of the drain made under the old leader");
        }
        assertEquals("admin", drainAfter.path("source").asText(), drainAfter::toString);
        assertEquals("RUN", info(leader, a).path("state").asText(), "the job outlives the leader's update");
        Result oldCli = brokers.previousCli(0, "resource", "drain", "test2", "from", "the", "old", "CLI");
        assertEquals(0, oldCli.exitCode(), oldCli::toString);
        assertEquals("admin", node(2).path("drain").path("source").asText(), "the old CLI's drain, in its dialect");
        Result reboot = leader.withTimeout(Duration.ofMinutes(2)).run("resource", "reboot", "--wait", "test4", "x");
        assertEquals(1, reboot.exitCode(), reboot::toString);
        assertTrue(reboot.stderr().contains("its broker is of an older release, which cannot reboot through Canopy: "
                + "update it by hand"), reboot::toString);
        ok(leader, "resource", "undrain", "--source", "reboot", "test4");

        // 3. the router, with a job running below it
        open("a");
        assertEquals("COMPLETED", waitFor(leader, a).path("result").asText());
        update(1, Release.CURRENT);
        ok(leader, "resource", "undrain", "test1");
        assertEquals("RUN", info(leader, e).path("state").asText(), "the job below the router runs on");

        // 4. the rest
        update(2, Release.CURRENT);
        ok(leader, "resource", "undrain", "test2");
        update(4, Release.CURRENT);
        open("e");

        assertEquals(List.of("admin"), List.of(node(4).path("drain").path("source").asText()), "still drained by the "
                + "administrator after its update");
        assertEquals("fan noise", node(4).path("drain").path("reason").asText());
        for (long id : List.of(a, b, c, e)) {
            JsonNode j = waitFor(leader, id);
            assertEquals("COMPLETED", j.path("result").asText(), j::toString);
            assertEquals(1, Collections.frequency(eventNames(leader, id), "start"), "job " + id + " started once");
        }
        assertEquals(4, ok(leader, "jobs", "-a", "--json").json().path("jobs").size(), "no job lost or doubled");
        for (int r = 0; r < brokers.size(); r++) {
            JsonNode up = ok(brokers.cli(r), "rpc", "broker.uptime").json();
            assertEquals(Dialect.CURRENT, up.path("dialect").asInt(), up::toString);
        }
        await("every rank online at the leader").atMost(JobCheck.PATIENCE).until(() -> {
            for (JsonNode n : ok(brokers.cli(0), "resource", "status", "--json").json().path("nodes")) {
                if (!n.path("state").asText().equals("online")) {
                    return false;
                }
            }
            return true;
        });
        Result errors = ok(leader, "overlay", "errors");
        assertEquals("", errors.stdout().strip(), errors::toString);
    }

    private static JsonNode node(int rank) {
        return ok(brokers.cli(0), "resource", "status", "--json").json().path("nodes").get(rank);
    }
}
