package io.canopy.tests.ops;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.tests.harness.Cli;
import io.canopy.tests.harness.Cli.Result;
import io.canopy.tests.harness.InstanceFixture;
import io.canopy.tests.harness.Repo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One command for many jobs, as flux-core has them: {@code submit --cc}, {@code submit --from FILE}
 * (and standard input), {@code cancel} of several ids and {@code cancel --all}, with their usage
 * errors. Two brokers for the class; each test cancels what it left running.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class BulkVerbsTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static InstanceFixture instance;
    private static Cli owner;

    @TempDir
    Path dir;

    @BeforeAll
    static void startInstance() throws IOException {
        instance = InstanceFixture.start(2, 2, null);
        owner = instance.cli();
    }

    @AfterAll
    static void stopInstance() {
        if (instance != null) {
            instance.close();
        }
    }

    @AfterEach
    void cancelTheRest() {
        owner.run("cancel", "--all", "--quiet");
    }

    private static Result ok(String... args) {
        Result r = owner.run(args);
        assertEquals(0, r.exitCode(), () -> String.join(" ", args) + ": " + r);
        return r;
    }

    private static List<Long> ids(Result r) {
        return r.lines().stream().map(Long::parseLong).toList();
    }

    private static void awaitInactive(List<Long> ids) {
        for (long id : ids) {
            ok("job", "wait", Long.toString(id));
        }
    }

    @Test
    void ccSubmitsOneJobPerIdWithItsNumber() throws IOException {
        Path out = dir.resolve("cc.out");

        Result r = ok("submit", "--cc=1-5", "sh", "-c", "echo $CANOPY_JOB_CC-{cc} >> " + out);

        List<Long> ids = ids(r);
        assertEquals(5, ids.size(), r::toString);
        for (int i = 1; i < ids.size(); i++) {
            assertTrue(ids.get(i) > ids.get(i - 1), "ids in order: " + ids);
        }
        awaitInactive(ids);
        List<String> lines = new ArrayList<>(Files.readAllLines(out));
        lines.sort(null);
        assertEquals(List.of("1-1", "2-2", "3-3", "4-4", "5-5"), lines);
    }

    @Test
    void fromAFileOrStandardInputOneJobPerLine() throws IOException {
        Path out = dir.resolve("from.out");
        Path file = Files.writeString(dir.resolve("jobs"), "# a comment\nsh -c 'echo \"one two\" >> " + out + "'\n\n"
                + "sh -c \"echo three >> " + out + "\"\n");

        Result fromFile = ok("submit", "--from", file.toString());
        Result fromStdin = owner.exec(List.of("sh", "-c", Repo.canopy() + " submit --from - < " + file));

        assertEquals(2, ids(fromFile).size(), fromFile::toString);
        assertEquals(0, fromStdin.exitCode(), fromStdin::toString);
        assertEquals(2, ids(fromStdin).size(), fromStdin::toString);
        awaitInactive(ids(fromFile));
        awaitInactive(ids(fromStdin));
        List<String> lines = new ArrayList<>(Files.readAllLines(out));
        lines.sort(null);
        assertEquals(List.of("one two", "one two", "three", "three"), lines);
        JsonNode job = ok("job", "info", "--json", Long.toString(ids(fromFile).get(0))).json();
        assertEquals("[\"sh\",\"-c\",\"echo \\\"one two\\\" >> " + out + "\"]", job.path("command").toString());
    }

    @Test
    void badBulkSubmissionsAreUsageErrorsThatSubmitNothing() throws IOException {
        Path quote = Files.writeString(dir.resolve("quote"), "true\necho 'unterminated\n");
        int before = ok("jobs", "-a", "--json").json().path("jobs").size();

        List<Result> bad = List.of(owner.run("submit", "--cc=1-2", "--from", quote.toString()),
                owner.run("submit", "--from", quote.toString(), "true"),
                owner.run("submit", "--cc=3-1", "true"),
                owner.run("submit", "--from", dir.resolve("missing").toString()),
                owner.run("submit", "--from", quote.toString()));

        List<String> errors = bad.stream().map(r -> r.exitCode() + " " + r.stderr().strip()).toList();
        assertEquals(List.of("2 canopy: --cc and --from do not go together: give one",
                "2 canopy: --from " + quote + " reads the commands from the file: give no COMMAND (true)",
                "2 canopy: --cc 3-1: " + bad.get(2).stderr().strip().substring("canopy: --cc 3-1: ".length()),
                "2 canopy: --from " + dir.resolve("missing") + ": no such file",
                "2 canopy: --from " + quote + ": line 2: unterminated ' quote in: echo 'unterminated"), errors);
        assertEquals(before, ok("jobs", "-a", "--json").json().path("jobs").size(), "nothing was submitted");
    }

    @Test
    void cancelTakesManyIdsAndAllOfAUsersJobs() {
        List<Long> three = ids(ok("submit", "--cc=1-3", "sleep", "300"));
        Result some = ok("cancel", three.get(0).toString(), three.get(1).toString(), three.get(2).toString());
        assertEquals("canopy: canceled 3 job(s) (0 error(s))", some.stderr().strip());

        List<Long> four = ids(ok("submit", "--cc=1-4", "sleep", "300"));
        Result dry = ok("cancel", "--all", "-n");
        Result nobodys = ok("cancel", "--all", "-u", "nobody");
        Result all = ok("cancel", "--all");

        assertTrue(dry.stderr().startsWith("canopy: would cancel 4 job(s): "), dry::toString);
        assertEquals("canopy: canceled 0 job(s) (0 error(s))", nobodys.stderr().strip());
        assertEquals("canopy: canceled 4 job(s) (0 error(s))", all.stderr().strip());
        await("all are canceled").atMost(PATIENCE).until(() -> ok("jobs", "-f", "active", "-n").stdout().isEmpty());
        for (long id : four) {
            assertEquals("CANCELED", ok("job", "info", "--json", Long.toString(id)).json().path("result").asText());
        }
        Result both = owner.run("cancel", "--all", "12");
        assertEquals(2, both.exitCode(), both::toString);
        assertEquals("canopy: give job ids or --all, not both", both.stderr().strip());
    }
}
