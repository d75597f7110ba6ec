package io.canopy.tests.tbon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.overlay.zmq.CurveCertificate;
import io.canopy.tests.harness.BrokerProcess;
import io.canopy.tests.harness.BrokerProcesses;
import io.canopy.tests.harness.Cli;
import io.canopy.tests.harness.Cli.Result;
import io.canopy.tests.harness.EventRecorder;
import io.canopy.tests.harness.InstanceToml;
import io.canopy.tests.harness.Rpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loss and recovery across a real network boundary: a leader and a leaf in two network namespaces
 * joined by a veth pair (10.250.0.1/30 and 10.250.0.2/30, addresses that exist only inside them).
 * Cutting the link ({@code ip link set ... down}) makes the leader see the leaf lost and the leaf
 * see its parent gone; restoring it lets the leaf rejoin. Needs root and {@code ip netns}; skips
 * with the reason otherwise. The brokers' local sockets are files, so the test reaches them from
 * the root namespace.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class NetnsTest {
    private static final String PREFIX = "canopy-tbon-";
    private static final String NS_LEADER = PREFIX + ProcessHandle.current().pid() + "-a";
    private static final String NS_LEAF = PREFIX + ProcessHandle.current().pid() + "-b";
    private static final String LEADER_ADDR = "10.250.0.1";
    private static final String LEAF_ADDR = "10.250.0.2";
    private static final Duration WAIT = Duration.ofSeconds(45);

    @TempDir
    static Path dir;
    private static BrokerProcesses brokers;
    private static boolean namespacesMade;
    private static BrokerProcess leader;
    private static BrokerProcess leaf;

    @BeforeAll
    static void makeNamespacesAndStartBrokers() throws Exception {
        assumeTrue(ProcessHandle.current().info().user().map("root"::equals).orElse(false),
                "skipped: network namespaces need root (this runs as "
                        + ProcessHandle.current().info().user().orElse("?") + ")");
        removeLeftovers();
        Result add = ip("netns", "add", NS_LEADER);
        assumeTrue(add.exitCode() == 0, "skipped: cannot create a network namespace here: " + add.stderr().strip());
        namespacesMade = true;
        must(ip("netns", "add", NS_LEAF));
        must(ip("-n", NS_LEADER, "link", "add", "ctb0", "type", "veth", "peer", "name", "ctb1", "netns", NS_LEAF));
        must(ip("-n", NS_LEADER, "addr", "add", LEADER_ADDR + "/30", "dev", "ctb0"));
        must(ip("-n", NS_LEAF, "addr", "add", LEAF_ADDR + "/30", "dev", "ctb1"));
        for (String[] nsDev : new String[][] {{NS_LEADER, "ctb0"}, {NS_LEAF, "ctb1"}}) {
            must(ip("-n", nsDev[0], "link", "set", "lo", "up"));
            must(ip("-n", nsDev[0], "link", "set", nsDev[1], "up"));
        }

        Path cert = dir.resolve("curve.cert");
        CurveCertificate.generate("netns").write(cert);
        InstanceToml toml = InstanceToml.loopback(0).withCurveCert(cert).withHosts(List.of(
                new InstanceToml.Host("ns-leader", "tcp://" + LEADER_ADDR + ":8050", "tcp://" + LEADER_ADDR + ":8050"),
                new InstanceToml.Host("ns-leaf", "tcp://" + LEAF_ADDR + ":8050", "tcp://" + LEAF_ADDR + ":8050")));
        brokers = new BrokerProcesses(dir);
        Path config = brokers.writeConfig("system.toml", toml.render());
        leader = brokers.start("ns-leader", config, List.of("ip", "netns", "exec", NS_LEADER));
        leaf = brokers.start("ns-leaf", config, List.of("ip", "netns", "exec", NS_LEAF));
        awaitLeafOnline();
    }

    @AfterAll
    static void stopBrokersAndRemoveNamespaces() {
        if (brokers != null) {
            brokers.close();
        }
        if (namespacesMade) {
            ip("netns", "delete", NS_LEAF);
            ip("netns", "delete", NS_LEADER);
        }
    }

    private static Result ip(String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        return Cli.plain().withTimeout(Duration.ofSeconds(30)).exec(cmd);
    }

    private static void must(Result r) {
        assertEquals(0, r.exitCode(), r::toString);
    }

    /** Namespaces a killed run of this test left behind (their pid is gone). */
    private static void removeLeftovers() {
        for (String line : ip("netns", "list").lines()) {
            String name = line.split("\\s+")[0];
            if (name.startsWith(PREFIX)) {
                String pid = name.substring(PREFIX.length()).replaceAll("-.*", "");
                boolean alive = pid.matches("\\d+") && ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive)
                        .orElse(false);
                if (!alive) {
                    ip("netns", "delete", name);
                }
            }
        }
    }

    private static void awaitLeafOnline() {
        for (BrokerProcess b : List.of(leader, leaf)) {
            await(b.host() + " in run").atMost(WAIT).pollInterval(Duration.ofMillis(100))
                    .failFast("broker exited:\n" + b.logTail(), () -> !b.process().isAlive())
                    .until(() -> Rpc.state(b.socket()).equals("run"));
        }
        await("leaf online").atMost(WAIT).until(() -> Rpc.childStatus(leader.socket(), 1).equals("online"));
    }

    @Test
    void cuttingTheLinkMakesTheLeafLostAndRestoringItLetsItRejoin() throws Exception {
        // The addresses exist only inside the namespaces: the leaf reaches its parent through the veth.
        Result route = ip("-n", NS_LEAF, "route", "get", LEADER_ADDR);
        assertTrue(route.stdout().contains("dev ctb1"), route::toString);

        try (EventRecorder atLeader = EventRecorder.subscribe(leader.socket(), "overlay.peer-status")) {
            long t0 = System.nanoTime();
            must(ip("-n", NS_LEAF, "link", "set", "ctb1", "down"));
            await("leader sees the leaf lost").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                    .until(() -> Rpc.childStatus(leader.socket(), 1).equals("lost"));
            double lostAfter = (System.nanoTime() - t0) / 1e9;
            // No TCP reset crosses a dead link: only the heartbeats' silence (lost_timeout 3 s) tells.
            assertTrue(lostAfter >= 2.5, "lost after " + lostAfter + " s");
            await("leaf sees its parent gone").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        JsonNode s = Rpc.overlay(leaf.socket());
                        return !s.path("parentLink").path("up").asBoolean(true) && s.path("state").asText().equals("join");
                    });
            assertTrue(atLeader.events("overlay.peer-status").stream()
                    .anyMatch(e -> e.payload().path("status").asText().equals("lost")), atLeader.events()::toString);

            must(ip("-n", NS_LEAF, "link", "set", "ctb1", "up"));
            awaitLeafOnline();
            Result status = Cli.forUri(leader.uri()).run("overlay", "status", "--wait", "full", "--timeout", "30s");
            assertEquals(0, status.exitCode(), status::toString);
            Result ping = Cli.forUri(leaf.uri()).run("ping", "--rank", "0", "broker");
            assertEquals(0, ping.exitCode(), ping::toString);
        }
    }
}
