package io.canopy.tests.state;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.tests.harness.Cli;
import io.canopy.tests.harness.Cli.Result;
import io.canopy.tests.harness.Repo;
import java.time.Instant;
import java.util.List;

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
        return String.format("%-20s %-8s %-10s %-20s %s", time, "drained", drain.path("user").asText(), hosts,
                drain.path("reason").asText());
    }

    /** The name of the uid these tests run as, as the broker records it. */
    static String userName() {
        return Cli.plain().exec(List.of("id", "-un")).stdout().strip();
    }
}
