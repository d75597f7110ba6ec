package io.canopy.modules.exec;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.canopy.message.Errno;
import io.canopy.module.RpcException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launch path on real processes, through the real canopy-launch (launcher/target): what runs
 * as whom, what is refused and why, that nothing of a job outlives it, and what it used. The
 * multi-user cases need root (as CI runs) and are skipped otherwise.
 */
class LaunchTest {
    private static final int NOBODY = 65534;
    private static final ExecutorService IO = Executors.newCachedThreadPool();
    private static final AtomicLong IDS = new AtomicLong(ProcessHandle.current().pid() * 1000);
    private static final Path PROGRAM = LauncherLocation.find(Optional.empty())
            .orElseThrow(() -> new IllegalStateException("build launcher/ first: no canopy-launch"));
    private static final int ME = (Integer) uid();

    @AfterAll
    static void stopIo() {
        IO.shutdownNow();
    }

    private static Object uid() {
        try {
            return Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static TaskLauncher launcher(String containment) {
        return new TaskLauncher(new Launcher.Direct(PROGRAM), Optional.empty(), "test0", "local:///tmp/launch-test-"
                + ProcessHandle.current().pid(), ME, containment);
    }

    private static StartRequest job(int uid, List<String> command, String cwd, String out, String err, Map<String, String> env,
            int ntasks) {
        List<Integer> tasks = new ArrayList<>();
        for (int i = 0; i < ntasks; i++) {
            tasks.add(i);
        }
        return new StartRequest(IDS.incrementAndGet(), uid, command, cwd, env, tasks, ntasks, 1, out, err);
    }

    private static StartRequest job(int uid, String script) {
        return job(uid, List.of("sh", "-c", script), "/tmp", null, null, Map.of("PATH", "/usr/bin:/bin"), 1);
    }

    /** Everything a launcher reported about one job, gathered until it was done. */
    static final class Recorder implements Launch.Listener {
        volatile boolean started;
        volatile String failure;
        volatile int failureErrno;
        final StringBuffer stdout = new StringBuffer();
        final StringBuffer stderr = new StringBuffer();
        final Map<Integer, Integer> exits = new java.util.concurrent.ConcurrentHashMap<>();
        volatile long cpu = -2;
        volatile long memory = -2;
        volatile String containment;
        final List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile boolean done;
        volatile String lost;

        @Override
        public void started() {
            started = true;
        }

        @Override
        public void failed(int errno, String message) {
            failureErrno = errno;
            failure = message;
        }

        @Override
        public void output(int task, String stream, String data) {
            (stream.equals("stdout") ? stdout : stderr).append(data);
        }

        @Override
        public void exited(int task, int status) {
            exits.put(task, status);
        }

        @Override
        public void usage(long cpuUsec, long memoryPeak, String how) {
            cpu = cpuUsec;
            memory = memoryPeak;
            containment = how;
        }

        @Override
        public void warning(String message) {
            warnings.add(message);
        }

        @Override
        public void done() {
            done = true;
        }

        @Override
        public void lost(String why) {
            lost = why;
        }

        boolean over() {
            return done || failure != null || lost != null;
        }
    }

    private static Recorder run(TaskLauncher l, StartRequest job) throws RpcException {
        Recorder r = new Recorder();
        Launch launch = l.launch(job, IO, r);
        await().atMost(Duration.ofSeconds(30)).until(r::over);
        launch.ended().join();
        return r;
    }

    private static String failureOf(TaskLauncher l, StartRequest job) throws RpcException {
        Recorder r = run(l, job);
        assertNotNull(r.failure, "expected a refusal; got stdout " + r.stdout + " exits " + r.exits);
        assertFalse(r.started);
        return r.failure;
    }

    // ---- what a task gets ----

    @Test
    void aTaskGetsItsEnvironmentDirectoryAndExitCode() throws Exception {
        StartRequest j = job(ME, List.of("sh", "-c", "echo $CANOPY_JOB_ID/$CANOPY_TASK_RANK/$CANOPY_URI/$MINE/$(pwd); "
                + "echo oops >&2; exit 4"), "/usr", null, null, Map.of("PATH", "/usr/bin:/bin", "MINE", "x y"), 1);
        Recorder r = run(launcher("auto"), j);
        assertTrue(r.started && r.done, r.failure);
        assertEquals(j.id() + "/0/local:///tmp/launch-test-" + ProcessHandle.current().pid() + "/x y//usr\n", r.stdout.toString());
        assertEquals("oops\n", r.stderr.toString());
        assertEquals(Map.of(0, 4), r.exits);
    }

    @Test
    void severalTasksRunAndEachReportsItsOwnExit() throws Exception {
        StartRequest j = job(ME, List.of("sh", "-c", "exit $CANOPY_TASK_RANK"), "/tmp", null, null, Map.of(), 3);
        Recorder r = run(launcher("auto"), j);
        assertEquals(Map.of(0, 0, 1, 1, 2, 2), r.exits);
    }

    @Test
    void aSignalReachesEveryProcessOfTheJobAndItsStatusIs128PlusTheSignal() throws Exception {
        Recorder r = new Recorder();
        Launch l = launcher("auto").launch(job(ME, "sleep 300.91 & sleep 300.91; wait"), IO, r);
        await().atMost(Duration.ofSeconds(10)).until(() -> r.started && countProcesses("300.91") == 2);
        assertTrue(l.signal(15));
        await().atMost(Duration.ofSeconds(10)).until(r::over);
        assertTrue(r.done);
        assertEquals(143, r.exits.get(0));
        assertEquals(0, countProcesses("300.91"));
    }

    @Test
    void outputCanGoToFilesOpenedInTheJobsDirectory(@TempDir Path dir) throws Exception {
        Recorder r = run(launcher("auto"), job(ME, List.of("sh", "-c", "echo out; echo err >&2"), dir.toString(), "o.txt",
                dir.resolve("e.txt").toString(), Map.of(), 1));
        assertTrue(r.done);
        assertEquals("out\n", Files.readString(dir.resolve("o.txt")));
        assertEquals("err\n", Files.readString(dir.resolve("e.txt")));
        assertEquals("", r.stdout.toString());
    }

    @Test
    void aCharacterCutBetweenTwoChunksArrivesWhole() throws Exception {
        // 65,535 bytes of 'a' then a 2-byte character: the launcher reads at most 64 KiB at a time
        Recorder r = run(launcher("auto"), job(ME, "head -c 65535 /dev/zero | tr '\\0' a; printf '\\303\\251'"));
        assertTrue(r.stdout.toString().endsWith("a\u00e9"), r.stdout.substring(Math.max(0, r.stdout.length() - 5)));
        assertEquals(65536, r.stdout.length());
    }

    // ---- refusals, before anything runs ----

    @Test
    void whatCannotStartIsRefusedWithTheReason(@TempDir Path dir) throws Exception {
        TaskLauncher l = launcher("auto");
        assertTrue(failureOf(l, job(ME, List.of("no-such-cmd"), "/tmp", null, null, Map.of(), 1))
                .contains("command not found: no-such-cmd"));
        assertTrue(failureOf(l, job(ME, List.of("true"), "/no/such/dir", null, null, Map.of(), 1))
                .contains("cannot enter the job's directory /no/such/dir"));
        assertTrue(failureOf(l, job(ME, List.of("true"), "/tmp", dir.resolve("no/such/out").toString(), null, Map.of(), 1))
                .contains("cannot open the output file"));
        RpcException relative = assertThrows(RpcException.class,
                () -> l.check(job(ME, List.of("true"), "tmp", null, null, Map.of(), 1)));
        assertEquals(Errno.EINVAL, relative.errnum());
        RpcException empty = assertThrows(RpcException.class, () -> l.check(job(ME, List.of(), "/tmp", null, null, Map.of(), 1)));
        assertTrue(empty.getMessage().contains("has no command"));
    }

    @Test
    void aBrokerThatIsNotRootRunsNoOtherUsersTasks() {
        TaskLauncher asCanopy = new TaskLauncher(new Launcher.Direct(PROGRAM), Optional.empty(), "test0", "local:///x", 990,
                "auto");
        RpcException e = assertThrows(RpcException.class, () -> asCanopy.check(job(1000, "true")));
        assertEquals(Errno.EPERM, e.errnum());
        assertTrue(e.getMessage().contains("cannot run tasks as uid 1000"), e.getMessage());
    }

    @Test
    void anUnusableLauncherRefusesEveryStartWithItsReason() {
        TaskLauncher none = new TaskLauncher(new Launcher.Direct(Path.of("/nowhere/canopy-launch")),
                Optional.of("canopy-launch is not installed"), "test0", "local:///x", ME, "auto");
        RpcException e = assertThrows(RpcException.class, () -> none.check(job(ME, "true")));
        assertTrue(e.getMessage().contains("canopy-launch is not installed"));
    }

    // ---- as another user (root only) ----

    @Test
    void aTaskRunsAsItsSubmitterWithTheGroupsNssGives() throws Exception {
        assumeTrue(ME == 0, "needs root");
        Recorder r = run(launcher("auto"), job(NOBODY, "id -u; id -g; id -G"));
        List<String> lines = r.stdout.toString().lines().toList();
        assertEquals(Integer.toString(NOBODY), lines.get(0));
        String gid = lines.get(1);
        assertFalse(gid.equals("0"), "gid 0 kept");
        assertFalse((" " + lines.get(2) + " ").contains(" 0 "), "root's group kept: " + lines.get(2));
    }

    @Test
    void whatTheSubmitterNamesIsReachedAsTheSubmitterOnly(@TempDir Path dir) throws Exception {
        assumeTrue(ME == 0, "needs root");
        Path rootOnly = Files.createDirectory(dir.resolve("root-only"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path secret = Files.writeString(rootOnly.resolve("secret"), "x");
        Path link = dir.resolve("link");
        Files.createSymbolicLink(link, secret);
        TaskLauncher l = launcher("auto");

        String out = failureOf(l, job(NOBODY, List.of("true"), "/tmp", rootOnly.resolve("out").toString(), null, Map.of(), 1));
        assertTrue(out.contains("Permission denied") && out.contains("as uid 65534"), out);
        assertFalse(Files.exists(rootOnly.resolve("out")), "a root-only directory got a file");
        assertTrue(failureOf(l, job(NOBODY, List.of("true"), "/tmp", null, link.toString(), Map.of(), 1))
                .contains("Permission denied"));
        assertEquals("x", Files.readString(secret), "appended through a symlink");
        assertTrue(failureOf(l, job(NOBODY, List.of("true"), rootOnly.toString(), null, null, Map.of(), 1))
                .contains("cannot enter the job's directory"));
        assertTrue(failureOf(l, job(NOBODY, List.of(secret.toString()), "/tmp", null, null, Map.of(), 1))
                .contains("Permission denied"));
    }

    @Test
    void theJobsPathAndLoaderVariablesReachOnlyTheTaskAsItsUser(@TempDir Path dir) throws Exception {
        assumeTrue(ME == 0, "needs root");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path bin = Files.createDirectory(dir.resolve("bin"));
        Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String helper : List.of("setsid", "setpriv", "kill", "sh", "id")) {
            Path p = Files.writeString(bin.resolve(helper), "#!/bin/sh\ntouch " + dir + "/ran-$(/usr/bin/id -u)-" + helper
                    + "\nexec /usr/bin/" + helper + " \"$@\"\n");
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", bin + ":/usr/bin:/bin");
        env.put("LD_PRELOAD", dir.resolve("evil.so").toString());
        env.put("LD_LIBRARY_PATH", dir.toString());
        Recorder r = run(launcher("auto"), job(NOBODY, List.of("id", "-u"), "/tmp", null, null, env, 1));

        assertEquals("65534\n", r.stdout.toString());
        try (var files = Files.list(dir)) {
            List<String> ran = files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("ran-")).toList();
            assertEquals(List.of("ran-65534-id"), ran, "helpers on the job's PATH ran as: " + ran);
        }
    }

    // ---- containment ----

    @Test
    void nothingOfAJobOutlivesItWhateverItForked() throws Exception {
        for (String how : List.of("auto", "cgroup-v2", "cgroup-v1", "process-group")) {
            String tag = "300.9" + how.length();
            Recorder r = run(launcher(how), job(ME, "setsid sleep " + tag + " & (sleep " + tag + " &); nohup sleep " + tag
                    + " >/dev/null 2>&1 & echo started"));
            assertTrue(r.done, how + ": " + r.failure + r.lost);
            assertEquals(0, countProcesses(tag), how + ": a process of the job survived it");
        }
    }

    @Test
    void aJobReportsItsCpuTimeAndPeakMemory() throws Exception {
        Recorder r = run(launcher("auto"), job(ME, "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; "
                + "head -c 20000000 /dev/zero | tail -c 1 >/dev/null"));
        assertTrue(r.cpu > 50_000, "cpu " + r.cpu);
        assertTrue(r.memory > 0, "memory " + r.memory);
        assertTrue(r.containment.startsWith("cgroup") || r.containment.equals("process-group"), r.containment);
        if (ME == 0) {
            assertTrue(r.containment.startsWith("cgroup"), "root gets a cgroup here: " + r.containment + " " + r.warnings);
        }
    }

    @Test
    void withoutACgroupTheJobFallsBackToProcessGroupsAndSaysWhy() throws Exception {
        Recorder r = run(launcher("process-group"), job(ME, "true"));
        assertEquals("process-group", r.containment);
        assertTrue(r.warnings.stream().anyMatch(w -> w.startsWith("no cgroup")), r.warnings.toString());
    }

    @Test
    void aLauncherThatDiesIsReportedAndItsJobCleanedUp() throws Exception {
        assumeTrue(ME == 0, "a cgroup is needed to find the job again");
        TaskLauncher l = launcher("auto");
        Recorder r = new Recorder();
        StartRequest j = job(ME, "sleep 300.81 & sleep 300.81");
        l.launch(j, IO, r);
        await().atMost(Duration.ofSeconds(10)).until(() -> r.started && countProcesses("300.81") == 2);
        long helper = ProcessHandle.allProcesses().filter(p -> p.info().command().orElse("").equals(PROGRAM.toString()))
                .filter(p -> p.descendants().anyMatch(d -> d.info().arguments().map(a -> String.join(" ", a))
                        .orElse("").contains("300.81"))).findFirst().orElseThrow().pid();
        new ProcessBuilder("kill", "-9", Long.toString(helper)).start().waitFor();
        await().atMost(Duration.ofSeconds(10)).until(() -> r.lost != null);
        assertEquals(2, countProcesses("300.81"), "the launcher's death alone kills nothing (it was SIGKILLed)");

        assertTrue(JobCgroups.anyLeft(JobCgroups.own(), l.scope()), "a broker starting now would see the job's cgroup");
        assertTrue(l.cleanup(j.id()).matches("killed=3 removed=[1-9].*"), "sh and its two sleeps");
        assertEquals(0, countProcesses("300.81"));
        assertFalse(JobCgroups.anyLeft(JobCgroups.own(), l.scope()), "and after the cleanup, no cgroup of a job");
        // The cleanup at a broker's start says, in the same answer, what containment jobs get here
        // (job-exec logs it; there is no second launcher process for it).
        String atStart = l.cleanup();
        assertTrue(atStart.matches("killed=0 removed=0 euid=\\d+ cgroups: .+"), atStart);
    }

    @Test
    void theBrokerGoingAwayEndsItsJobs() throws Exception {
        Recorder r = new Recorder();
        Launch l = launcher("auto").launch(job(ME, "sleep 300.71"), IO, r);
        await().atMost(Duration.ofSeconds(10)).until(() -> r.started && countProcesses("300.71") == 1);
        l.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> countProcesses("300.71") == 0);
    }

    // ---- the launcher itself ----

    @Test
    void aRootBrokerRunsOnlyALauncherNoOtherUserCouldReplace(@TempDir Path dir) throws IOException {
        assumeTrue(ME == 0, "ownership checks are for a root broker");
        Path p = Files.copy(PROGRAM, dir.resolve("canopy-launch"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertEquals(Optional.empty(), LauncherLocation.unsafe(p, 0));
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertTrue(LauncherLocation.unsafe(p, 0).orElseThrow().contains("writable"));
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setAttribute(p, "unix:uid", NOBODY);
        assertTrue(LauncherLocation.unsafe(p, 0).orElseThrow().contains("belongs to uid 65534"));
        assertTrue(LauncherLocation.unsafe(Path.of("canopy-launch"), 0).orElseThrow().contains("absolute"));
        assertTrue(LauncherLocation.unsafe(dir.resolve("none"), 0).orElseThrow().contains("not an executable"));
    }

    @Test
    void theLauncherIsFoundBesideTheInstallationOrTheBuild() {
        assertEquals(List.of(Path.of("/usr/libexec/canopy/canopy-launch"), Path.of("/usr/launcher/target/canopy-launch")),
                LauncherLocation.candidates(Path.of("/usr/share/canopy/canopy.jar")));
        assertNotNull(PROGRAM);
        assertNull(null);
    }

    private static long countProcesses(String tag) {
        return ProcessHandle.allProcesses().filter(p -> p.info().arguments().map(a -> String.join(" ", a)).orElse("")
                .equals(tag)).filter(ProcessHandle::isAlive).count();
    }
}
