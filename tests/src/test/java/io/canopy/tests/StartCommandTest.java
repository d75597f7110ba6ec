package io.canopy.tests;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.canopy.tests.harness.Cli;
import io.canopy.tests.harness.Cli.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code canopy start --test-size=1 CMD}: a real broker for the life of CMD, and nothing left after it. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class StartCommandTest {
    private final Cli cli = Cli.plain();

    @Test
    void uptimeInsideStartShowsTheBrokerRunning() {
        Result r = cli.run("start", "--test-size=1", "bin/canopy", "uptime");

        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.lines().stream().anyMatch(l -> l.contains(" run ")), r::toString);
    }

    @Test
    void startExitsWithTheStatusOfItsCommand() {
        Result r = cli.run("start", "--test-size=1", "sh", "-c", "exit 7");

        assertEquals(7, r.exitCode(), r::toString);
    }

    @Test
    void uptimeJsonReportsStateRankSizeAndUptime() {
        Result r = cli.run("start", "--test-size=1", "bin/canopy", "uptime", "--json");

        assertEquals(0, r.exitCode(), r::toString);
        JsonNode u = r.json();
        assertEquals("run", u.path("state").asText(), r::toString);
        assertEquals(0, u.path("rank").asInt(-1), r::toString);
        assertEquals(1, u.path("size").asInt(-1), r::toString);
        assertTrue(u.path("uptime").isNumber() && u.path("uptime").asDouble() >= 0, r::toString);
    }

    @Test
    void startLeavesNoBrokerAndNoRundirBehind() throws Exception {
        Result r = cli.run("start", "--test-size=1", "sh", "-c", "echo \"$CANOPY_URI\"; bin/canopy uptime --json");

        assertEquals(0, r.exitCode(), r::toString);
        List<String> lines = r.lines();
        Path socket = Path.of(lines.get(0).substring("local://".length()));
        long brokerPid = new ObjectMapper().readTree(lines.get(1)).path("pid").asLong();
        assertTrue(lines.get(0).startsWith("local://") && brokerPid > 0, r::toString);
        assertFalse(ProcessHandle.of(brokerPid).map(ProcessHandle::isAlive).orElse(false),
                "broker pid " + brokerPid + " still runs after start returned");
        assertFalse(Files.exists(socket), socket + " still exists");
        assertFalse(Files.exists(socket.getParent()), "the temporary rundir " + socket.getParent() + " still exists");
    }

    @Test
    void startStoppedWithSigtermStopsItsBrokersAndItsCommand(@TempDir Path dir) throws Exception {
        Path uptime = dir.resolve("uptime.json");
        Cli.Running running = cli.start("start", "--test-size=2", "sh", "-c",
                "bin/canopy uptime --json > " + uptime + ".tmp && mv " + uptime + ".tmp " + uptime + "; exec sleep 300.47");
        await("the instance runs its command").atMost(Duration.ofSeconds(90)).until(() -> Files.exists(uptime));
        long leader = new ObjectMapper().readTree(uptime.toFile()).path("pid").asLong();
        assertTrue(leader > 0, Files.readString(uptime));

        assertEquals(0, Cli.plain().exec(List.of("kill", "-TERM", Long.toString(running.pid()))).exitCode());
        running.finish();

        await("the brokers and the command are gone").atMost(Duration.ofSeconds(90)).until(() ->
                !ProcessHandle.of(leader).map(ProcessHandle::isAlive).orElse(false)
                        && ProcessHandle.allProcesses().noneMatch(p -> p.info().commandLine().orElse("").contains("sleep 300.47")));
    }

    @Test
    void startRefusesAnImpossibleSizeWithUsageStatus() {
        Result r = cli.run("start", "--test-size=0", "true");

        assertEquals(2, r.exitCode(), r::toString);
        assertTrue(r.stderr().startsWith("canopy: --test-size=0: give 1 to 4096 brokers"), r::toString);
    }
}
