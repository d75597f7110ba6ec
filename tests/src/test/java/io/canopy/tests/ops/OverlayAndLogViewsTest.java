package io.canopy.tests.ops;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.overlay.zmq.CurveCertificate;
import io.canopy.tests.harness.BrokerProcess;
import io.canopy.tests.harness.BrokerProcesses;
import io.canopy.tests.harness.Cli;
import io.canopy.tests.harness.Cli.Result;
import io.canopy.tests.harness.InstanceFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The views an operator watches, on three brokers (rank 0 with leaves 1 and 2):
 * {@code overlay status --summary} and {@code -v}, {@code overlay errors} (brokers down and
 * peers refused), {@code dmesg -f} and {@code -H}, and {@code jobs} filtered by user and state
 * with {@code -o}.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class OverlayAndLogViewsTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static InstanceFixture instance;
    private static Cli owner;

    @TempDir
    Path dir;

    @BeforeAll
    static void startInstance() throws IOException {
        instance = InstanceFixture.start(3, 2, null);
        owner = instance.cli();
    }

    @AfterAll
    static void stopInstance() {
        if (instance != null) {
            instance.close();
        }
    }

    private static Result ok(Cli cli, String... args) {
        Result r = cli.run(args);
        assertEquals(0, r.exitCode(), () -> String.join(" ", args) + ": " + r);
        return r;
    }

    @Test
    void summaryAndVerboseStatus() {
        Result summary = ok(owner, "overlay", "status", "--summary");
        Result verbose = ok(owner, "overlay", "status", "-v");
        JsonNode json = ok(owner, "overlay", "status", "--json").json();

        assertEquals(List.of("0 test0: full (run)"), summary.lines(), summary::toString);
        assertEquals(3, verbose.lines().size(), verbose::toString);
        assertTrue(verbose.lines().get(0).matches("0 test0: full \\[[\\d.]+ ms\\] \\(run\\)"), verbose::toString);
        assertTrue(verbose.lines().get(1).matches("├─ 1 test1: online for \\S+ \\[[\\d.]+ ms\\] \\(run\\)"), verbose::toString);
        assertEquals("curve", json.path("security").asText(), json::toString);
        assertTrue(json.path("ranks").get(1).path("rttMs").isNumber(), json::toString);
    }

    @Test
    void errorsListBrokersDownAndPeersRefused() throws Exception {
        assertEquals("", ok(owner, "overlay", "errors").stdout(), "all is well");
        // A broker with another certificate knocks at test0's door as test2.
        Path cert = dir.resolve("other.cert");
        CurveCertificate.generate("stranger").write(cert);
        String other = Files.readString(instance.configFile()).lines()
                .map(l -> l.startsWith("curve_cert") ? "curve_cert = \"" + cert + "\"" : l)
                .collect(Collectors.joining("\n"));
        try (BrokerProcesses strangers = new BrokerProcesses(dir)) {
            BrokerProcess stranger = strangers.start("test2", strangers.writeConfig("other.toml", other));
            await("test0 refuses the stranger").atMost(PATIENCE).pollInterval(Duration.ofMillis(250))
                    .failFast("the stranger exited", () -> !stranger.process().isAlive())
                    .until(() -> ok(owner, "overlay", "errors").stdout().contains("test0 (rank 0) refused "));
        }
        Result errors = ok(owner, "overlay", "errors");
        assertTrue(errors.stdout().lines().anyMatch(l -> l.matches("test0 \\(rank 0\\) refused \\S+: .+ \\(\\d+ time\\(s\\), "
                + "last \\S+\\)")), errors::toString);

        instance.kill(2);
        try {
            await("test2 shows in overlay errors").atMost(PATIENCE).until(() ->
                    ok(owner, "overlay", "errors").stdout().lines().anyMatch(l -> l.startsWith("test2: lost")));
            assertEquals("0 test0: degraded (run)", ok(owner, "overlay", "status", "--summary").stdout().strip());
            JsonNode json = ok(owner, "overlay", "errors", "--json").json();
            assertEquals("test2", json.path("down").get(0).path("nodelist").asText(), json::toString);
        } finally {
            instance.restart(2);
        }
    }

    @Test
    void dmesgFollowsNewLinesAndShowsLocalTimes() {
        Cli.Running follow = owner.withTimeout(PATIENCE).start("dmesg", "-f", "-H");
        try {
            ok(owner, "resource", "drain", "test1", "followed");
            ok(owner, "resource", "undrain", "test1");
            await("dmesg -f prints the drain").atMost(PATIENCE).until(() -> follow.isAlive()
                    && owner.run("dmesg").stdout().contains("followed"));
        } finally {
            follow.kill();
        }
        Result r = follow.finish();
        List<String> drains = r.lines().stream().filter(l -> l.contains("resource: drained test1 (rank 1)")).toList();
        assertEquals(1, drains.size(), r::toString);
        assertTrue(drains.get(0).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  .*"), r::toString);
    }

    @Test
    void jobsFilterByUserAndStateWithFormats() {
        long done = Long.parseLong(ok(owner, "submit", "true").stdout().strip());
        ok(owner, "job", "wait", Long.toString(done));
        long running = Long.parseLong(ok(owner, "submit", "sleep", "300").stdout().strip());
        try {
            await("the sleep runs").atMost(PATIENCE).until(() -> ok(owner, "jobs", "-f", "run", "-n", "-o", "{id}")
                    .stdout().strip().equals(Long.toString(running)));

            Result completed = ok(owner, "jobs", "-f", "completed", "-n", "-o", "{id} {status} {username}");
            Result mine = ok(owner, "jobs", "-a", "-u", userName(), "--json");
            Result nobodys = ok(owner, "jobs", "-a", "-u", "nobody", "-n");
            Result bad = owner.run("jobs", "-f", "sleeping");

            assertTrue(completed.lines().contains(done + " COMPLETED " + userName()), completed::toString);
            assertTrue(mine.json().path("jobs").size() >= 2, mine::toString);
            assertEquals("", nobodys.stdout(), nobodys::toString);
            assertEquals(2, bad.exitCode(), bad::toString);
            assertEquals("canopy: unknown state 'sleeping' in --filter (valid: depend, sched, run, cleanup, completed, "
                    + "failed, canceled, exception, pending, running, active, inactive)", bad.stderr().strip());
        } finally {
            ok(owner, "cancel", Long.toString(running));
        }
    }

    private static String userName() {
        return Cli.plain().exec(List.of("id", "-un")).stdout().strip();
    }
}
