package io.canopy.statestore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.canopy.module.Checkpoint;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class DurableStoreKillTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aLeaderKilledMidCommitLosesNothingItHadCommitted() throws Exception {
        Path statedir = dir.resolve("state");
        Random random = new Random();
        int next = 0;
        for (int round = 0; round < 3; round++) {
            int acked = runAndKill(statedir, next, 10 + random.nextInt(150));
            int last = checkAfterKill(statedir, acked);
            next = last + 1;
        }
    }

    /** Starts {@link CommitLoop}, kills it with SIGKILL after {@code commits} acknowledged commits. */
    private int runAndKill(Path statedir, int first, int commits) throws Exception {
        Path stderr = dir.resolve("child-" + first + ".err");
        // MapDB's LZ4 library unpacks a native library into java.io.tmpdir and deletes it only at a
        // normal exit: keep what a killed child leaves inside this test's directory.
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + tmp, "-cp", System.getProperty("java.class.path"), CommitLoop.class.getName(),
                statedir.toString(), Integer.toString(first))
                .redirectError(stderr.toFile())
                .start();
        int acked = first - 1;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            assertEquals("ready", out.readLine(), () -> "the child did not start: " + read(stderr));
            while (acked < first + commits) {
                String line = out.readLine();
                assertNotNull(line, () -> "the child died on its own: " + read(stderr));
                acked = Integer.parseInt(line);
            }
        } finally {
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child did not die");
        }
        assertEquals(137, child.exitValue(), "killed by SIGKILL");
        return acked;
    }

    /** Everything up to the last acknowledged commit is there; returns the last commit on disk. */
    private static int checkAfterKill(Path statedir, int acked) throws Exception {
        try (DurableStore store = DurableStore.open(statedir)) {
            Checkpoint jobs = store.area("jobs");
            for (int i = 0; i < CommitLoop.BASELINE; i++) {
                assertArrayEquals(CommitLoop.record(i), jobs.getBytes("baseline-" + i).orElseThrow());
            }
            int last = jobs.get("last", Integer.class).orElseThrow();
            assertTrue(last >= acked, "last commit on disk " + last + " is before the last acknowledged " + acked);
            assertTrue(last <= acked + 1, "last commit on disk " + last + " was never made");
            for (int i = 0; i <= last; i++) {
                byte[] v = jobs.getBytes("job-" + i).orElse(null);
                assertNotNull(v, "job-" + i + " committed before the kill is missing");
                assertArrayEquals(CommitLoop.record(i), v, "job-" + i);
            }
            assertEquals(List.of(), jobs.keys().stream()
                    .filter(k -> k.startsWith("job-") && Integer.parseInt(k.substring(4)) > last).toList());
            return last;
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(no stderr: " + e.getMessage() + ")";
        }
    }
}
