package io.canopy.tests.ops;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.canopy.tests.harness.Cli;
import io.canopy.tests.harness.Cli.Result;
import io.canopy.tests.harness.InstanceFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code canopy exec} on three brokers (rank 0 with leaves 1 and 2): output from every node,
 * labelled by host; the worst exit status and the nodes that failed; standard input to all;
 * {@code --dir}; a node that cannot be reached; Ctrl-C and a vanished caller kill the command on
 * every node; users may not use it.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ExecTest {
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

    /** The local URI each broker gives its commands, by rank: which broker ran a command. */
    private static String uri(int rank) {
        return "local://" + instance.rundir().resolve("r" + rank).resolve("local");
    }

    @Test
    void runsOnEveryNodeAndLabelsEachLineWithItsHost() {
        Result r = owner.run("exec", "--label", "printenv", "CANOPY_URI");

        assertEquals(0, r.exitCode(), r::toString);
        List<String> lines = new ArrayList<>(r.lines());
        lines.sort(null);
        assertEquals(List.of("test0: " + uri(0), "test1: " + uri(1), "test2: " + uri(2)), lines, r::toString);
        assertEquals("", r.stderr(), r::toString);
    }

    @Test
    void theExitStatusIsTheWorstAndFailedNodesAreListed() {
        String script = "case \"$CANOPY_URI\" in *r1/local) exit 3;; *r2/local) exit 5;; esac";

        Result r = owner.run("exec", "sh", "-c", script);
        Result some = owner.run("exec", "-r", "test[0-1]", "sh", "-c", script);
        Result missing = owner.run("exec", "-r", "1-2", "no-such-command-here");

        assertEquals(5, r.exitCode(), r::toString);
        assertEquals(List.of("canopy: test1 (rank 1): exit 3", "canopy: test2 (rank 2): exit 5"),
                r.stderr().lines().toList(), r::toString);
        assertEquals(3, some.exitCode(), some::toString);
        assertEquals(127, missing.exitCode(), missing::toString);
        assertEquals("canopy: test[1-2] (ranks 1-2): cannot run no-such-command-here: command not found (searched PATH)",
                missing.stderr().strip());
    }

    @Test
    void standardInputGoesToEveryNodeAndDirIsTheWorkingDirectory() throws IOException {
        Path input = Files.writeString(dir.resolve("input"), "one\ntwo\n");

        Result cat = owner.exec(List.of("sh", "-c", io.canopy.tests.harness.Repo.canopy() + " exec -l -r 1-2 cat < " + input));
        Result pwd = owner.run("exec", "-l", "-r", "0", "-d", dir.toString(), "pwd");
        Result noInput = owner.exec(List.of("sh", "-c", io.canopy.tests.harness.Repo.canopy() + " exec -n -r 1 cat < "
                + input));
        Result badDir = owner.run("exec", "-d", "/no/such/dir", "true");

        assertEquals(0, cat.exitCode(), cat::toString);
        List<String> lines = new ArrayList<>(cat.lines());
        lines.sort(null);
        assertEquals(List.of("test1: one", "test1: two", "test2: one", "test2: two"), lines, cat::toString);
        assertEquals("test0: " + dir, pwd.stdout().strip(), pwd::toString);
        assertEquals("", noInput.stdout(), noInput::toString);
        assertEquals(1, badDir.exitCode(), badDir::toString);
        assertEquals("canopy: test[0-2] (ranks 0-2): directory /no/such/dir does not exist (give another with --dir)",
                badDir.stderr().strip());
    }

    @Test
    void badTargetsAreUsageErrors() {
        Result rank = owner.run("exec", "-r", "1,7", "true");
        Result host = owner.run("exec", "-r", "test[2-4]", "true");

        assertEquals(2, rank.exitCode(), rank::toString);
        assertEquals("canopy: -r 1,7: no such rank(s) 7 (this instance has ranks 0-2)", rank.stderr().strip());
        assertEquals(2, host.exitCode(), host::toString);
        assertEquals("canopy: -r test[2-4]: unknown host(s) test[3-4] (not in this instance)", host.stderr().strip());
    }

    @Test
    void ctrlCStopsTheCommandOnEveryNode() {
        String marker = "3101";
        Cli.Running running = owner.withTimeout(PATIENCE).start("exec", "sleep", marker);
        await("sleep runs on every node").atMost(PATIENCE).until(() -> processesWith("sleep " + marker).size() == 3);

        assertEquals(0, Cli.plain().exec(List.of("kill", "-INT", Long.toString(running.pid()))).exitCode());
        Result r = running.finish();

        assertEquals(143, r.exitCode(), r::toString);
        assertTrue(r.stderr().contains("canopy: interrupted: stopping the command on 3 node(s)"), r::toString);
        assertTrue(r.stderr().contains("canopy: test[0-2] (ranks 0-2): killed by signal 15"), r::toString);
        await("no sleep is left").atMost(PATIENCE).until(() -> processesWith("sleep " + marker).isEmpty());
    }

    @Test
    void aCallerThatVanishesHasItsCommandKilledEverywhere() {
        String marker = "3102";
        Cli.Running running = owner.withTimeout(PATIENCE).start("exec", "sleep", marker);
        await("sleep runs on every node").atMost(PATIENCE).until(() -> processesWith("sleep " + marker).size() == 3);

        running.kill(); // SIGKILL: no word to anyone

        await("the lease runs out and no sleep is left").atMost(PATIENCE)
                .until(() -> processesWith("sleep " + marker).isEmpty());
        String log = owner.run("dmesg", "--rank", "2").stdout();
        assertTrue(log.contains("sleep " + marker + " (pid"), log);
        assertTrue(log.contains("its caller went away; killing it"), log);
    }

    @Test
    void usersMayNotExec() {
        String why = Cli.whyNotAsNobody();
        assumeTrue(why == null, why);

        Result r = owner.asNobody().run("exec", "-r", "0", "true");

        assertEquals(1, r.exitCode(), r::toString);
        assertEquals("canopy: test0 (rank 0): permission denied: owner role required for rexec.exec", r.stderr().strip());
    }

    @Test
    void aNodeThatCannotBeReachedIsReportedAndTheOthersRun() throws IOException {
        instance.kill(2);
        try {
            await("rank 2 is lost").atMost(PATIENCE).until(() -> owner.run("overlay", "status", "--json").stdout()
                    .contains("\"rank\":2,\"host\":\"test2\",\"state\":\"?\",\"status\":\"lost\""));

            Result r = owner.run("exec", "-l", "echo", "here");

            assertEquals(1, r.exitCode(), r::toString);
            List<String> lines = new ArrayList<>(r.lines());
            lines.sort(null);
            assertEquals(List.of("test0: here", "test1: here"), lines, r::toString);
            assertTrue(r.stderr().startsWith("canopy: test2 (rank 2): unreachable: "), r::toString);
        } finally {
            instance.restart(2);
        }
    }

    /** Pids of processes whose command line contains {@code marker}. */
    private static List<Long> processesWith(String marker) throws IOException {
        List<Long> pids = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline"))).replace('\0', ' ').strip();
                    if (cmd.equals(marker)) {
                        pids.add(Long.parseLong(p.getFileName().toString()));
                    }
                } catch (IOException gone) {
                    // exited while listed
                }
            }
        }
        return pids;
    }
}
