package io.canopy.tests.state;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.client.CanopyClient;
import io.canopy.idset.IdSet;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import io.canopy.tests.harness.Cli;
import io.canopy.tests.harness.Cli.Result;
import io.canopy.tests.harness.InstanceFixture;
import io.canopy.tests.harness.Repo;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What the state tests read back through {@code bin/canopy}, with the command's output on failure. */
final class StateCheck {
    private StateCheck() {}

    /** Runs a command that must succeed. */
    static Result ok(Cli cli, String... args) {
        Result r = cli.run(args);
        assertEquals(0, r.exitCode(), () -> String.join(" ", args) + ": " + r);
        return r;
    }

    /** {@code canopy resource status --json}: the node of {@code rank}. */
    static JsonNode node(Cli cli, int rank) {
        Result r = ok(cli, "resource", "status", "--json");
        for (JsonNode n : r.json().path("nodes")) {
            if (n.path("rank").asInt() == rank) {
                return n;
            }
        }
        throw new AssertionError("no rank " + rank + " in resource status: " + r);
    }

    /** The drain record of {@code rank} ({@code null} node when not drained). */
    static JsonNode drain(Cli cli, int rank) {
        return node(cli, rank).path("drain");
    }

    /** {@code canopy overlay status --json}: the entry of {@code rank}. */
    static JsonNode overlay(Cli cli, int rank) {
        Result r = ok(cli, "overlay", "status", "--json");
        for (JsonNode n : r.json().path("ranks")) {
            if (n.path("rank").asInt() == rank) {
                return n;
            }
        }
        throw new AssertionError("no rank " + rank + " in overlay status: " + r);
    }

    /** The state broker {@code cli} talks to is in, from {@code canopy uptime --json}. */
    static String brokerState(Cli cli) {
        return ok(cli, "uptime", "--json").json().path("state").asText();
    }

    /** Greets through the hello module of the broker {@code cli} talks to; returns its count. */
    static long greet(Cli cli) {
        Result r = ok(cli, "rpc", "hello.greet", "{\"name\":\"state\"}");
        return r.json().path("count").asLong();
    }

    /** Loads the example hello module on {@code rank} (through the leader). */
    static void loadHello(Cli leader, int rank) {
        Result r = ok(leader, "module", "load", "--rank", Integer.toString(rank), Repo.helloJar().toString());
        assertEquals("loaded hello", r.stdout().strip(), r::toString);
    }

    /** The line {@code canopy resource drain} (no targets) prints for one drained host. */
    static String drainListLine(JsonNode drain, String hosts) {
        String time = Instant.ofEpochMilli((long) (drain.path("time").asDouble() * 1000)).toString().substring(0, 19);
        return String.format("%-20s %-8s %-10s %-7s %-20s %s", time, "drained", drain.path("user").asText(),
                drain.path("source").asText(), hosts, drain.path("reason").asText());
    }

    /**
     * Undrains every drained rank, through an in-process client of the leader: clean-up between
     * tests that share an instance, cheaper than a CLI process per rank.
     */
    static void undrainAll(InstanceFixture instance) {
        Duration limit = Duration.ofSeconds(30);
        try (CanopyClient leader = instance.connect(0)) {
            JsonNode nodes = Payloads.tree(leader.call("resource.status", 0, null, limit).payload()).path("nodes");
            List<Integer> drained = new ArrayList<>();
            for (JsonNode n : nodes) {
                if (!n.path("drain").isNull()) {
                    drained.add(n.path("rank").asInt());
                }
            }
            if (!drained.isEmpty()) {
                String targets = IdSet.of(drained.stream().mapToInt(Integer::intValue).toArray()).toString();
                leader.call("resource.undrain", 0, Map.of("targets", targets), limit);
            }
        } catch (IOException | RpcException e) {
            throw new AssertionError("cannot undrain the instance after the test: " + e.getMessage(), e);
        }
    }

    /** The name of the uid these tests run as, as the broker records it. */
    static String userName() {
        return Cli.plain().exec(List.of("id", "-un")).stdout().strip();
    }
}
