package io.canopy.tests.state;

import static io.canopy.tests.state.StateCheck.drain;
import static io.canopy.tests.state.StateCheck.drainListLine;
import static io.canopy.tests.state.StateCheck.greet;
import static io.canopy.tests.state.StateCheck.loadHello;
import static io.canopy.tests.state.StateCheck.ok;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.tests.harness.Cli;
import io.canopy.tests.harness.Cli.Result;
import io.canopy.tests.harness.InstanceFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code canopy shutdown} of a whole instance and a start in the same rundir: what the leader
 * committed (drains) and what every broker handed up (module checkpoints) comes back, and a leader
 * whose {@code state.db} is damaged refuses to start rather than start empty. Three brokers: rank 0
 * with leaves 1 and 2.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class FullShutdownTest {
    private static final int SIZE = 3;
    private static final Pattern DONE = Pattern.compile("test\\d+ \\(rank (\\d+)\\) done: ");

    @TempDir
    Path rundir;

    private InstanceFixture instance;

    @AfterEach
    void stop() {
        if (instance != null) {
            instance.close();
        }
    }

    @Test
    void drainSurvivesShutdownAndStartWithItsReasonUserAndTime() throws IOException {
        instance = InstanceFixture.start(SIZE, 2, rundir);
        ok(instance.cli(), "resource", "drain", "test2", "replacing", "DIMMs");
        JsonNode before = drain(instance.cli(), 2);
        assertEquals("replacing DIMMs", before.path("reason").asText(), before::toString);
        assertEquals(StateCheck.userName(), before.path("user").asText(), before::toString);

        Result shutdown = instance.cli().run("shutdown");

        assertShutdownProgress(shutdown);
        instance = instance.startAgain();
        JsonNode after = drain(instance.cli(), 2);
        assertEquals(before, after, "drain record after the restart");
        assertTrue(drain(instance.cli(), 1).isNull(), "rank 1 was never drained");
        Result list = ok(instance.cli(), "resource", "drain");
        assertEquals(List.of("TIME                 STATE    USER       SOURCE  NODELIST             REASON",
                drainListLine(before, "test2")), list.lines(), list::toString);
    }

    @Test
    void leafModuleStateGoesUpAtShutdownAndComesBackAtStart() throws IOException {
        instance = InstanceFixture.start(SIZE, 2, rundir);
        Cli leaf = instance.cli(2);
        loadHello(instance.cli(), 2);
        assertEquals(1, greet(leaf));
        assertEquals(2, greet(leaf));

        ok(instance.cli(), "shutdown");

        instance = instance.startAgain();
        leaf = instance.cli(2);
        loadHello(instance.cli(), 2);
        assertEquals(3, greet(leaf), () -> instance.log(2));
    }

    @Test
    void damagedStateDbStopsTheLeaderNamingTheFileAndIsLeftAsItWas() throws IOException {
        instance = InstanceFixture.start(SIZE, 2, rundir);
        ok(instance.cli(), "resource", "drain", "1", "before the damage");
        ok(instance.cli(), "shutdown");
        for (int r = 0; r < SIZE; r++) {
            instance.awaitExit(r);
        }
        Path db = instance.statedir(0).resolve("state.db");
        byte[] garbage = new byte[(int) Files.size(db)];
        new Random(42).nextBytes(garbage);
        Files.write(db, garbage);

        IOException refused = instance.startAgainFailing();

        String message = refused.getMessage();
        assertTrue(message.contains("broker rank 0 exited with status 1 before it was ready"), message);
        assertTrue(message.contains("canopy: state store " + db + " is damaged: "), message);
        assertTrue(message.contains("it was left in place: move it aside to start with empty state, "
                + "or restore it from a backup"), message);
        assertArrayEquals(garbage, Files.readAllBytes(db), db + " was changed");
        try (var names = Files.list(db.getParent())) {
            assertEquals(List.of(db), names.toList(), "nothing was added beside " + db);
        }
    }

    /** The command exits 0 having printed each broker as it finished, leaves before the leader. */
    private static void assertShutdownProgress(Result r) {
        assertEquals(0, r.exitCode(), r::toString);
        List<String> lines = r.lines();
        assertEquals(SIZE + 2, lines.size(), r::toString);
        assertEquals("shutting down " + SIZE + " brokers (full)", lines.get(0), r::toString);
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= SIZE; i++) {
            Matcher m = DONE.matcher(lines.get(i));
            String rank = m.lookingAt() ? m.group(1) : "?";
            expected.add("test" + rank + " (rank " + rank + ") done: " + i + " of " + SIZE + " brokers");
        }
        assertEquals(expected, lines.subList(1, SIZE + 1), r::toString);
        assertEquals("test0 (rank 0) done: " + SIZE + " of " + SIZE + " brokers", lines.get(SIZE), r::toString);
        assertEquals("the leader saved the state and exited (" + SIZE + " of " + SIZE + " brokers done)",
                lines.get(SIZE + 1), r::toString);
        assertFalse(r.stdout().contains("canopy:"), r::toString);
    }
}
