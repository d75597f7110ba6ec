package io.canopy.modules.exec;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.canopy.message.Errno;
import io.canopy.module.RpcException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** job-exec's process handling on real processes: start checks, whole-group kills, exit statuses, epilogs. */
class ProcessPartsTest {
    private final TaskLauncher launcher = new TaskLauncher("test0", "local:///tmp/x", 0);

    private static StartRequest job(List<String> command, String cwd) {
        return new StartRequest(7, 0, command, cwd, Map.of("PATH", "/usr/bin:/bin"), List.of(0), 1, 1, null, null);
    }

    @Test
    void aCommandThatCannotStartIsRefusedWithTheReasonBeforeAnythingRuns() {
        RpcException missing = assertThrows(RpcException.class, () -> launcher.check(job(List.of("no-such-cmd"), "/tmp")));
        assertEquals(Errno.ENOENT, missing.errnum());
        assertTrue(missing.getMessage().contains("command not found: no-such-cmd") && missing.getMessage().contains("test0"));
        RpcException dir = assertThrows(RpcException.class, () -> launcher.check(job(List.of("true"), "/no/such/dir")));
        assertTrue(dir.getMessage().contains("/no/such/dir does not exist"), dir.getMessage());
        assertNotNull(TaskLauncher.resolve("sh", "/nonexistent:/bin"));
        assertNull(TaskLauncher.resolve("/tmp", null), "a directory is not a command");
    }

    @Test
    void aBrokerThatIsNotRootRunsNoOtherUsersTasks() {
        TaskLauncher asCanopy = new TaskLauncher("test0", "local:///tmp/x", 990);
        StartRequest theirs = new StartRequest(7, 1000, List.of("true"), "/tmp", Map.of(), List.of(0), 1, 1, null, null);

        RpcException e = assertThrows(RpcException.class, () -> asCanopy.check(theirs));

        assertEquals(Errno.EPERM, e.errnum());
        assertTrue(e.getMessage().contains("cannot run tasks as uid 1000"), e.getMessage());
    }

    @Test
    void aTaskGetsItsEnvironmentAndItsExitCodeOrOneTwentyEightPlusTheSignal() throws Exception {
        Process p = launcher.start(job(List.of("sh", "-c", "echo $CANOPY_JOB_ID/$CANOPY_TASK_RANK/$CANOPY_URI; exit 4"), "/tmp"), 0);
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertEquals(4, p.waitFor());
        assertEquals("7/0/local:///tmp/x", out);
        Process sleeper = launcher.start(job(List.of("sleep", "30"), "/tmp"), 0);
        Signals.group(sleeper.pid(), 9);
        assertEquals(137, sleeper.waitFor());
    }

    @Test
    void killingATaskKillsEverythingItForked() throws Exception {
        Process p = launcher.start(job(List.of("sh", "-c", "sleep 300.98 & sleep 300.98 & wait"), "/tmp"), 0);
        await().atMost(Duration.ofSeconds(10)).until(() -> p.descendants().count() >= 2);
        List<ProcessHandle> children = p.descendants().toList();

        assertTrue(Signals.group(p.pid(), 15));

        await().atMost(Duration.ofSeconds(10)).until(() -> !p.isAlive() && children.stream().noneMatch(ProcessHandle::isAlive));
    }

    @Test
    void anEpilogSucceedsFailsWithItsExitOrIsKilledAfterItsTimeout(@TempDir Path dir) throws IOException {
        Path ok = script(dir, "ok", "exit 0");
        Path bad = script(dir, "bad", "echo cleanup failed; exit 7");
        Path slow = script(dir, "slow", "sleep 300.97");

        assertTrue(!Epilog.run(ok.toString(), Duration.ofSeconds(10), Map.of(), "test0").failed());
        Epilog.Outcome b = Epilog.run(bad.toString(), Duration.ofSeconds(10), Map.of(), "test0");
        assertEquals(7, b.status());
        assertEquals("epilog failed on test0: exit 7", b.note());
        assertEquals("cleanup failed", b.output());
        Epilog.Outcome s = Epilog.run(slow.toString(), Duration.ofMillis(300), Map.of(), "test0");
        assertTrue(s.failed());
        assertTrue(s.note().contains("timed out after"), s.note());
    }

    @Test
    void leftoverTasksAreFoundByTheirBrokersUriAndNoOthers() throws Exception {
        String uri = "local:///tmp/leftover-test-" + ProcessHandle.current().pid() + "/local";
        ProcessBuilder mine = new ProcessBuilder("sleep", "300.96");
        mine.environment().putAll(Map.of("CANOPY_URI", uri, "CANOPY_JOB_ID", "5"));
        ProcessBuilder other = new ProcessBuilder("sleep", "300.96");
        other.environment().putAll(Map.of("CANOPY_URI", uri + "2", "CANOPY_JOB_ID", "5"));
        Process a = mine.start();
        Process b = other.start();
        try {
            assertEquals(List.of(a.pid()), Leftovers.find(uri));
        } finally {
            a.destroyForcibly();
            b.destroyForcibly();
        }
        assertTrue(Leftovers.hasEntry("A=1\u0000CANOPY_JOB_ID=7".getBytes(), "CANOPY_JOB_ID=".getBytes(), false));
    }

    private static Path script(Path dir, String name, String body) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }
}
