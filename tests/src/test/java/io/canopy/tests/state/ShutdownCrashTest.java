package io.canopy.tests.state;

import static io.canopy.tests.state.StateCheck.brokerState;
import static io.canopy.tests.state.StateCheck.drain;
import static io.canopy.tests.state.StateCheck.greet;
import static io.canopy.tests.state.StateCheck.loadHello;
import static io.canopy.tests.state.StateCheck.ok;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.tests.harness.Cli.Result;
import io.canopy.tests.harness.InstanceFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker killed in the middle of a full shutdown: the leader, waiting for that child's
 * checkpoint, sees it lost and goes on, the shutdown completes, and nothing that was committed or
 * handed up is lost. Four brokers in a tree of fanout 2 (rank 0 over 1 and leaf 2, rank 1 over
 * leaf 3), with a lost timeout of 60 s, so only the kill can release the waiting leader in time.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ShutdownCrashTest {
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
    void leafKilledWhileTheLeaderWaitsForItLosesNothingCommitted() throws IOException {
        instance = InstanceFixture.start(4, 2, rundir, Duration.ofSeconds(60));
        ok(instance.cli(), "resource", "drain", "2", "disk", "errors");
        ok(instance.cli(), "resource", "drain", "3", "bad", "fan");
        JsonNode drain2 = drain(instance.cli(), 2);
        JsonNode drain3 = drain(instance.cli(), 3);
        loadHello(instance.cli(), 3);
        assertEquals(1, greet(instance.cli(3)));
        assertEquals(2, greet(instance.cli(3)));

        instance.freeze(2);
        CompletableFuture<Result> shutdown = CompletableFuture.supplyAsync(() -> instance.cli().run("shutdown"));
        instance.awaitExit(3);
        instance.awaitExit(1);
        assertEquals("shutdown", brokerState(instance.cli()), "the leader waits for frozen rank 2");
        assertFalse(shutdown.isDone(), () -> "the shutdown ended before rank 2 was killed: " + shutdown.join());
        instance.kill(2);

        await("the shutdown completes").atMost(Duration.ofSeconds(30)).until(shutdown::isDone);
        Result r = shutdown.join();
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals(List.of("shutting down 4 brokers (full)", "test3 (rank 3) done: 1 of 4 brokers",
                "test1 (rank 1) done: 2 of 4 brokers", "test0 (rank 0) done: 3 of 4 brokers",
                "the leader saved the state and exited (3 of 4 brokers done)"), r.lines(), r::toString);
        instance.awaitExit(0);
        String leaderLog = Files.readString(rundir.resolve("r0/broker.log"));
        assertTrue(leaderLog.contains("child test2 (rank 2) is lost"), leaderLog);

        instance = instance.startAgain();

        assertEquals(drain2, drain(instance.cli(), 2), "drain of the killed rank");
        assertEquals(drain3, drain(instance.cli(), 3), "drain of a rank that handed up");
        loadHello(instance.cli(), 3);
        assertEquals(3, greet(instance.cli(3)), () -> "rank 3's checkpoint was handed up before the kill\n"
                + instance.log(3));
    }
}
