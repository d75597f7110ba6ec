package io.canopy.tests.ops;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.tests.harness.Cli;
import io.canopy.tests.harness.Cli.Result;
import io.canopy.tests.harness.InstanceFixture;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * {@code canopy resource eventlog} and {@code canopy resource info} on four brokers (0 with leaves
 * 1 and 2, rank 3 under 1): who drained and undrained what, when and why, nodes lost and
 * restored, all kept across a crash of the leader; one node in full, scontrol style. The tests run
 * in order: the eventlog grows as they go.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ResourceViewsTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static InstanceFixture instance;
    private static Cli owner;

    @BeforeAll
    static void startInstance() throws IOException {
        instance = InstanceFixture.start(4, 2, null);
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

    private static List<JsonNode> events(String targets) {
        List<JsonNode> out = new ArrayList<>();
        ok(owner, "resource", "eventlog", targets, "--json").json().path("events").forEach(out::add);
        return out;
    }

    @Test
    @Order(1)
    void drainsAndUndrainsAreRecordedWithWhoWhyAndWhat() {
        ok(owner, "resource", "drain", "test[1-2]", "bad", "fans");
        ok(owner, "resource", "drain", "-f", "test2", "fans", "and", "a", "PSU");
        ok(owner, "resource", "undrain", "test[1-2]", "parts", "replaced");

        List<JsonNode> log = events("test2");
        Result text = ok(owner, "resource", "eventlog", "-H", "test1");

        assertEquals(List.of("drain", "drain", "undrain"), log.stream().map(e -> e.path("name").asText()).toList());
        JsonNode first = log.get(0);
        assertEquals("test[1-2]", first.path("nodelist").asText(), first::toString);
        assertEquals("bad fans", first.path("context").path("reason").asText());
        assertEquals(userName(), first.path("context").path("user").asText());
        assertEquals("fail", first.path("context").path("mode").asText());
        JsonNode forced = log.get(1);
        assertEquals("overwrite", forced.path("context").path("mode").asText());
        assertEquals("bad fans", forced.path("context").path("replaced").asText(), forced::toString);
        JsonNode undrain = log.get(2);
        assertEquals("parts replaced", undrain.path("context").path("reason").asText());
        assertEquals("bad fans; fans and a PSU", undrain.path("context").path("was").asText(), undrain::toString);
        assertEquals(2, text.lines().size(), text::toString);
        assertTrue(text.lines().get(0).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d drain test\\[1-2\\] user=\\S+ userid=\\d+ "
                + "reason=\"bad fans\" source=admin mode=fail by=command"), text::toString);
    }

    @Test
    @Order(2)
    void lostAndRestoredNodesAreRecorded() throws IOException {
        instance.kill(3);
        await("test3 is lost").atMost(PATIENCE).until(() -> events("test3").stream()
                .anyMatch(e -> e.path("name").asText().equals("lost")));
        instance.restart(3);
        await("test3 is restored").atMost(PATIENCE).until(() -> events("test3").stream()
                .anyMatch(e -> e.path("name").asText().equals("restored")));

        List<String> names = events("3").stream().map(e -> e.path("name").asText()).toList();
        assertEquals(List.of("lost", "restored"), names);
    }

    @Test
    @Order(3)
    void infoShowsOneNodeInFull() {
        ok(owner, "resource", "drain", "test3", "memory", "errors");

        Result text = ok(owner, "resource", "info", "test3");
        JsonNode json = ok(owner, "resource", "info", "3", "--json").json();

        List<String> lines = text.lines();
        assertEquals("NodeName=test3 Rank=3 State=drained Up=y Jobs=none", lines.get(0), text::toString);
        assertTrue(lines.get(1).matches("   Drain=drained Source=admin Reason=\"memory errors\" User=\\S+ Since=\\S+"), text::toString);
        assertTrue(lines.get(2).matches("   Broker=run Version=\\S+ Started=\\S+ Uptime=\\S+ Pid=\\d+ RoundTrip=[\\d.]+ms"),
                text::toString);
        assertTrue(lines.get(3).matches("   Parent=test1 \\(rank 1\\) Link=online Since=\\S+ LastHeard=\\d+\\.\\ds ago"), text::toString);
        assertEquals("   Children=none", lines.get(4), text::toString);
        assertEquals("   History=3 event(s), oldest first:", lines.get(5), text::toString);
        assertTrue(lines.get(8).contains(" drain test3 "), text::toString);
        assertEquals("test1", json.path("parent").asText(), json::toString);
        assertTrue(json.path("link").path("lastHeardSecondsAgo").isNumber()
                && json.path("link").path("lastHeardSecondsAgo").asDouble() < 60, json::toString);
        assertEquals("run", json.path("broker").path("state").asText(), json::toString);
        assertTrue(json.path("broker").path("version").asText().startsWith("0."), json::toString);
        JsonNode root = ok(owner, "resource", "info", "test1", "--json").json();
        assertEquals("[3]", root.path("children").toString(), root::toString);

        Result unknown = owner.run("resource", "info", "test9");
        assertEquals(2, unknown.exitCode(), unknown::toString);
        assertEquals("canopy: unknown host test9 (not in this instance; `canopy resource status` lists the nodes)",
                unknown.stderr().strip());
        ok(owner, "resource", "undrain", "test3");
    }

    @Test
    @Order(4)
    void infoListsTheJobsRunningThere() {
        ok(owner, "resource", "drain", "0-2", "keep", "them", "free");
        try {
            long id = Long.parseLong(ok(owner, "submit", "sleep", "300").stdout().strip());
            await("the job runs on test3").atMost(PATIENCE).until(() ->
                    ok(owner, "resource", "info", "test3", "--json").json().path("jobs").toString().equals("[" + id + "]"));
            ok(owner, "cancel", Long.toString(id));
        } finally {
            ok(owner, "resource", "undrain", "0-2");
        }
    }

    @Test
    @Order(5)
    void theEventlogSurvivesACrashOfTheLeader() throws IOException {
        int before = events("").size();

        instance.kill(0);
        instance.restart(0);

        List<JsonNode> after = events("");
        assertEquals(before, after.size(), "every event is still there: " + after);
        assertEquals("drain", after.get(0).path("name").asText());
        assertEquals("bad fans", after.get(0).path("context").path("reason").asText());
    }

    private static String userName() {
        return Cli.plain().exec(List.of("id", "-un")).stdout().strip();
    }
}
