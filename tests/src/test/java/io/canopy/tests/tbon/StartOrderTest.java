package io.canopy.tests.tbon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.overlay.zmq.CurveCertificate;
import io.canopy.tests.harness.BrokerProcess;
import io.canopy.tests.harness.BrokerProcesses;
import io.canopy.tests.harness.Cli.Result;
import io.canopy.tests.harness.InstanceToml;
import io.canopy.tests.harness.Rpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Eight brokers started as separate processes, one after the other in a random (seeded, logged)
 * order: followers that start before their parent wait in join and keep retrying; nobody runs
 * before the leader; in the end the whole tree runs. Set {@code -Dcanopy.test.seed=N} to replay an
 * order.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class StartOrderTest {
    private static final int SIZE = 8;
    private static final Duration START = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void followersStartedBeforeTheLeaderWaitInJoinThenAllRun() throws Exception {
        List<Integer> order = shuffledFollowers("leader last");
        order.add(0);
        try (BrokerProcesses brokers = new BrokerProcesses(dir)) {
            BrokerProcess[] byRank = new BrokerProcess[SIZE];
            Path config = writeConfig(brokers);
            for (int r : order.subList(0, SIZE - 1)) {
                byRank[r] = startAndAwaitSocket(brokers, r, config);
            }
            // Every follower is up but waits for its parent: state join, and only status answers.
            for (int r = 1; r < SIZE; r++) {
                BrokerProcess b = byRank[r];
                await("rank " + r + " in join").atMost(START).pollInterval(Duration.ofMillis(100))
                        .until(() -> Rpc.state(b.socket()).equals("join"));
            }
            BrokerProcess leaf = byRank[SIZE - 1];
            Result uptime = leaf.cli().run("uptime", "--json");
            assertEquals(0, uptime.exitCode(), uptime::toString);
            assertEquals("join", uptime.json().path("state").asText(), uptime::toString);
            assertEquals(SIZE, uptime.json().path("size").asInt(), uptime::toString);
            Result ping = leaf.cli().run("rpc", "broker.ping");
            assertEquals(1, ping.exitCode(), ping::toString);
            assertTrue(ping.stderr().contains("not ready (state join)"), ping::toString);
            JsonNode view = Rpc.overlay(leaf.socket());
            assertEquals(false, view.path("parentLink").path("up").asBoolean(true), view::toString);

            byRank[0] = brokers.start("test0", config);
            awaitAllRun(byRank);
            assertTreeWhole(byRank[0]);
            // Retrying for a while must not flood the log: "waiting for parent" is rate-limited.
            for (int r = 1; r < SIZE; r++) {
                long waits = byRank[r].log().lines().filter(l -> l.contains("waiting for parent")).count();
                assertTrue(waits <= 2, byRank[r].host() + " logged 'waiting for parent' " + waits + " times\n"
                        + byRank[r].logTail());
            }
        }
    }

    @Test
    void leaderFirstThenFollowersInRandomOrderAllRun() throws Exception {
        List<Integer> order = shuffledFollowers("leader first");
        order.add(0, 0);
        try (BrokerProcesses brokers = new BrokerProcesses(dir)) {
            BrokerProcess[] byRank = new BrokerProcess[SIZE];
            Path config = writeConfig(brokers);
            for (int r : order) {
                byRank[r] = startAndAwaitSocket(brokers, r, config);
            }
            awaitAllRun(byRank);
            assertTreeWhole(byRank[0]);
            // The same picture from a leaf's socket.
            Result r = byRank[SIZE - 1].cli().run("overlay", "status", "--json");
            assertEquals(0, r.exitCode(), r::toString);
            assertEquals(SIZE, r.json().path("ranks").size(), r::toString);
        }
    }

    private List<Integer> shuffledFollowers(String what) {
        long seed = Long.getLong("canopy.test.seed", System.nanoTime());
        List<Integer> order = new ArrayList<>();
        for (int r = 1; r < SIZE; r++) {
            order.add(r);
        }
        Collections.shuffle(order, new Random(seed));
        System.out.println("StartOrderTest (" + what + "): seed " + seed + ", followers start in order " + order);
        return order;
    }

    private Path writeConfig(BrokerProcesses brokers) throws Exception {
        Path cert = dir.resolve("curve.cert");
        if (!Files.exists(cert)) {
            CurveCertificate.generate("start-order").write(cert);
        }
        return brokers.writeConfig("system.toml", InstanceToml.loopback(SIZE).calm().withCurveCert(cert).render());
    }

    /** Starts rank {@code r} and waits until its local socket answers (in whatever state). */
    private static BrokerProcess startAndAwaitSocket(BrokerProcesses brokers, int r, Path config) {
        BrokerProcess b = brokers.start("test" + r, config);
        await("rank " + r + " answers on its socket").atMost(START).pollInterval(Duration.ofMillis(50))
                .failFast("broker exited", () -> !b.process().isAlive())
                .until(() -> !Rpc.state(b.socket()).startsWith("unreachable"));
        return b;
    }

    private static void awaitAllRun(BrokerProcess[] byRank) {
        for (BrokerProcess b : byRank) {
            await(b.host() + " in run").atMost(START).pollInterval(Duration.ofMillis(100))
                    .failFast("broker exited", () -> !b.process().isAlive())
                    .until(() -> Rpc.state(b.socket()).equals("run"));
        }
    }

    private static void assertTreeWhole(BrokerProcess leader) {
        Result r = leader.cli().run("overlay", "status", "--json");
        assertEquals(0, r.exitCode(), r::toString);
        JsonNode ranks = r.json().path("ranks");
        assertEquals(SIZE, ranks.size(), r::toString);
        for (JsonNode n : ranks) {
            assertEquals("online", n.path("status").asText(), r::toString);
            assertEquals("run", n.path("state").asText(), r::toString);
            assertEquals("full", n.path("subtree").asText(), r::toString);
        }
    }
}
