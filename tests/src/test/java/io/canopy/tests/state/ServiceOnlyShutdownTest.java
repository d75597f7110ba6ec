package io.canopy.tests.state;

import static io.canopy.tests.state.StateCheck.brokerState;
import static io.canopy.tests.state.StateCheck.greet;
import static io.canopy.tests.state.StateCheck.loadHello;
import static io.canopy.tests.state.StateCheck.ok;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.tests.harness.Cli;
import io.canopy.tests.harness.Cli.Result;
import io.canopy.tests.harness.InstanceFixture;
import java.io.IOException;
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
 * {@code canopy shutdown --service-only} on four brokers in a tree of fanout 2: ranks 0 and 1 have
 * children (service nodes) and exit; ranks 2 and 3 are leaves (compute nodes) and stay up in join,
 * their modules' live state going on, and requests from them wait for the service nodes instead
 * of failing.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ServiceOnlyShutdownTest {
    private static final String PING = "{\"x\":1}";

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
    void leavesStayUpKeepTheirLiveStateAndTheirRequestsWaitForTheServiceNodes() throws IOException {
        instance = InstanceFixture.start(4, 2, rundir);
        Cli leaf2 = instance.cli(2);
        Cli leaf3 = instance.cli(3);
        loadHello(instance.cli(), 3);
        assertEquals(1, greet(leaf3));
        assertEquals(2, greet(leaf3));

        Result shutdown = instance.cli().run("shutdown", "--service-only");

        assertEquals(0, shutdown.exitCode(), shutdown::toString);
        assertEquals("shutting down 4 brokers (service-only)", shutdown.lines().get(0), shutdown::toString);
        assertEquals("the leader saved the state and exited (4 of 4 brokers done)",
                shutdown.lines().get(shutdown.lines().size() - 1), shutdown::toString);
        instance.awaitExit(0);
        instance.awaitExit(1);
        for (int leaf : List.of(2, 3)) {
            assertTrue(instance.process(leaf).isAlive(), () -> instance.log(leaf));
            Cli cli = instance.cli(leaf);
            await("rank " + leaf + " waits in join").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> brokerState(cli).equals("join"));
        }

        CompletableFuture<Result> fromLeaf2 = pingLeader(leaf2);
        CompletableFuture<Result> fromLeaf3 = pingLeader(leaf3);
        for (Cli cli : List.of(leaf2, leaf3)) {
            await("the ping waits on its leaf for the parent").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200)).until(() -> waitingForParent(cli) >= 1);
        }
        assertEquals(3, greet(leaf3), "the leaf's module serves and counts on while the service nodes are away");
        assertFalse(fromLeaf2.isDone(), () -> "the ping from rank 2 ended: " + fromLeaf2.join());
        assertFalse(fromLeaf3.isDone(), () -> "the ping from rank 3 ended: " + fromLeaf3.join());

        instance.relaunch(1);
        instance.restart(0);
        instance.awaitRun(1);

        for (CompletableFuture<Result> ping : List.of(fromLeaf2, fromLeaf3)) {
            Result r = ping.join();
            assertEquals(0, r.exitCode(), r::toString);
            assertEquals(PING, r.stdout().strip(), r::toString);
        }
        instance.awaitRun(2);
        instance.awaitRun(3);
        ok(instance.cli(), "overlay", "status", "--wait", "full", "--timeout", "30s");
        assertEquals(4, greet(leaf3), () -> "the leaf kept its live count, not an older checkpoint\n"
                + instance.log(3));
    }

    /** {@code canopy rpc --rank 0 broker.ping} through {@code cli}'s broker, running in the background. */
    private static CompletableFuture<Result> pingLeader(Cli cli) {
        return CompletableFuture.supplyAsync(() -> cli.run("rpc", "--rank", "0", "broker.ping", PING));
    }

    /** Messages a broker holds for its parent, from its {@code overlay.status}. */
    private static int waitingForParent(Cli cli) {
        JsonNode s = ok(cli, "rpc", "overlay.status").json();
        return s.path("parentLink").path("waiting").asInt();
    }
}
