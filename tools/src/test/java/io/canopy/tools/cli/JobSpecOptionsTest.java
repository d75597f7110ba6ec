package io.canopy.tools.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.canopy.tools.Main;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** What {@code canopy submit} sends: the command untouched by option parsing, defaults, absolute paths. */
class JobSpecOptionsTest {
    private static Map<String, Object> parse(String... args) {
        SubmitCommand cmd = new SubmitCommand();
        new CommandLine(cmd).setStopAtPositional(true).parseArgs(args);
        return cmd.job.body(Path.of("/home/alice/work"), Map.of("PATH", "/bin"));
    }

    @Test
    void everythingFromTheCommandOnIsTheCommands() {
        Map<String, Object> b = parse("sh", "-c", "exit 3", "-n", "2");

        assertEquals(List.of("sh", "-c", "exit 3", "-n", "2"), b.get("command"));
        assertEquals(1, b.get("ntasks"));
        assertEquals(0, b.get("nnodes"));
        assertEquals("/home/alice/work", b.get("cwd"));
        assertEquals(Map.of("PATH", "/bin"), b.get("env"));
    }

    @Test
    void nodesAndTasksAndOutputFilesResolveAgainstTheDirectory() {
        Map<String, Object> b = parse("-N", "2", "-n", "4", "--output", "out/%j.txt", "--error", "/tmp/e", "hostname");

        assertEquals(2, b.get("nnodes"));
        assertEquals(4, b.get("ntasks"));
        assertEquals("/home/alice/work/out/%j.txt", b.get("output"));
        assertEquals("/tmp/e", b.get("error"));
        assertEquals(2, parse("-N", "2", "hostname").get("ntasks"), "one task per node unless -n says otherwise");
    }

    @Test
    void everySubmissionCarriesAFreshKey() {
        assertNotEquals(parse("true").get("key"), parse("true").get("key"));
    }

    @Test
    void aSubmissionWithoutACommandIsAUsageError() {
        assertEquals(2, Main.run("submit", "-n", "2"));
    }
}
