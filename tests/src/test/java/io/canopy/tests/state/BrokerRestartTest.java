package io.canopy.tests.state;

import static io.canopy.tests.state.StateCheck.drain;
import static io.canopy.tests.state.StateCheck.node;
import static io.canopy.tests.state.StateCheck.ok;
import static io.canopy.tests.state.StateCheck.overlay;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.tests.harness.Cli;
import io.canopy.tests.harness.InstanceFixture;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One broker of a running instance goes away and comes back: the leader killed with SIGKILL keeps
 * its drains (they were committed to {@code state.db} before the command returned), and a leaf
 * stopped with SIGTERM says goodbye, so the leader shows it offline rather than lost until it
 * returns. Three brokers: rank 0 with leaves 1 and 2. Each test leaves every broker running.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class BrokerRestartTest {
    @TempDir
    static Path rundir;

    private static InstanceFixture instance;
    private static Cli leader;

    @BeforeAll
    static void startInstance() throws IOException {
        instance = InstanceFixture.start(3, 2, rundir);
        leader = instance.cli();
    }

    @AfterAll
    static void stopInstance() {
        if (instance != null) {
            instance.close();
        }
    }

    @AfterEach
    void undrainAll() {
        StateCheck.undrainAll(instance);
    }

    @Test
    void drainSurvivesLeaderKill() throws IOException {
        ok(leader, "resource", "drain", "1", "fan", "failure");
        JsonNode before = drain(leader, 1);

        instance.kill(0);
        instance.restart(0);

        assertEquals(before, drain(leader, 1), "drain record after the leader was killed and restarted");
        assertTrue(drain(leader, 2).isNull(), "rank 2 was never drained");
        awaitFull();
    }

    @Test
    void leafThatSaysGoodbyeIsOfflineNotLostAndComesBackOnline() throws IOException {
        instance.terminate(2);

        // Offline at once, and still offline (not lost) well past the lost timeout of 3 s.
        await("rank 2 shows offline on the leader").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> overlay(leader, 2).path("status").asText().equals("offline"));
        await("rank 2 stays offline").during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> overlay(leader, 2).path("status").asText().equals("offline"));
        JsonNode entry = overlay(leader, 2);
        assertEquals("said goodbye", entry.path("reason").asText(), entry::toString);
        assertEquals("partial", overlay(leader, 0).path("subtree").asText());
        JsonNode n = node(leader, 2);
        assertEquals("offline", n.path("state").asText(), n::toString);
        String dmesg = ok(leader, "dmesg").stdout();
        assertTrue(dmesg.contains("child test2 (rank 2) is offline: said goodbye"), dmesg);
        assertFalse(dmesg.contains("child test2 (rank 2) is lost"), dmesg);

        instance.restart(2);

        awaitFull();
        assertEquals("online", overlay(leader, 2).path("status").asText());
        assertEquals("online", node(leader, 2).path("state").asText());
    }

    /** Every broker is back: the leader's rollup is full. */
    private static void awaitFull() {
        JsonNode o = ok(leader, "overlay", "status", "--wait", "full", "--timeout", "30s", "--json").json();
        for (JsonNode r : o.path("ranks")) {
            assertEquals("run", r.path("state").asText(), o::toString);
        }
    }
}
