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
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A leader killed with SIGKILL in the middle of a reboot wave: started again on its state.db, it
 * takes each node up where it stood (a node rebooting is waited for, a node back is checked, a
 * node still busy waits for its job), and the wave ends as it would have, every node rebooted
 * once and undrained; the job that kept one node busy survives, and {@code --wait}, talking to a
 * broker that is not the leader, follows the wave to its end. Five brokers (0 -> 1,2; 1 -> 3,4),
 * rank 0 excluded, one core a node; the wave is test[2-4], the command talks to test1.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RebootLeaderKillTest {
    private static final String GATE = "gate-1616-leader";
    private static Path dir;
    private static InstanceFixture instance;

    @BeforeAll
    static void startInstance() throws IOException {
        dir = Files.createTempDirectory("canopy-reboot-leader");
        instance = InstanceFixture.start(5, 2, null, Duration.ofSeconds(3), """
                [resource]
                exclude = "0"
                [job-exec]
                cores = 1
                """, true);
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

    @Test
    void aLeaderKilledDuringARebootWaveGoesOnWhereEachNodeStood() throws IOException {
        Cli leader = instance.cli();
        Cli test1 = instance.cli(1);
        Path go = dir.resolve("go");
        long busy = submit(leader, "-N", "2", "sh", "-c", "while [ ! -e " + go + " ]; do sleep 0.1; done # " + GATE);
        awaitState(leader, busy, "RUN");
        assertEquals("1-2", info(leader, busy).path("ranks").asText());
        Map<Integer, String> before = new TreeMap<>();
        for (int r = 2; r <= 4; r++) {
            before.put(r, instance.bootId(r));
        }

        Cli.Running wave = test1.withTimeout(Duration.ofMinutes(4)).start("resource", "reboot", "--when-idle", "--resume",
                "--max-parallel", "1", "--wait", "test[2-4]", "os", "update");
        await("a node of the wave is rebooting").atMost(JobCheck.PATIENCE).pollInterval(Duration.ofMillis(100))
                .until(() -> states(test1).contains("rebooting"));
        instance.kill(0);
        instance.restart(0);
        Files.writeString(go, "");
        Result done = wave.finish();

        assertEquals(0, done.exitCode(), done + "\n" + instance.logs());
        assertTrue(done.stderr().lines().anyMatch(l -> l.endsWith("test[2-4]: 3 done")), done::toString);
        for (int r = 2; r <= 4; r++) {
            assertNotEquals(before.get(r), instance.bootId(r), "test" + r + " rebooted");
        }
        JsonNode nodes = ok(leader, "resource", "status", "--json").json().path("nodes");
        for (int r = 2; r <= 4; r++) {
            assertTrue(nodes.get(r).path("drain").isNull(), nodes.get(r)::toString);
        }
        List<String> log = events(leader);
        for (String host : List.of("test2", "test3", "test4")) {
            assertEquals(1, Collections.frequency(log, "reboot-start " + host), log::toString);
            assertEquals(1, Collections.frequency(log, "rebooted " + host), log::toString);
            assertEquals(1, Collections.frequency(log, "undrain " + host), log::toString);
        }
        assertEquals("COMPLETED", waitFor(leader, busy).path("result").asText(), "the job outlived the leader's death");
    }

    private static List<String> states(Cli cli) {
        List<String> out = new ArrayList<>();
        Result r = cli.run("resource", "reboot", "--json");
        if (r.exitCode() != 0) {
            return out;
        }
        for (JsonNode w : r.json()) {
            w.path("nodes").forEach(n -> out.add(n.path("state").asText()));
        }
        return out;
    }

    private static List<String> events(Cli cli) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : ok(cli, "resource", "eventlog", "--json").json().path("events")) {
            out.add(e.path("name").asText() + " " + e.path("nodelist").asText());
        }
        return out;
    }
}
