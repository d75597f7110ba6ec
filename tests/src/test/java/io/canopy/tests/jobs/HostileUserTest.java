package io.canopy.tests.jobs;

import static io.canopy.tests.jobs.JobCheck.awaitState;
import static io.canopy.tests.jobs.JobCheck.info;
import static io.canopy.tests.jobs.JobCheck.ok;
import static io.canopy.tests.jobs.JobCheck.processesWith;
import static io.canopy.tests.jobs.JobCheck.submit;
import static io.canopy.tests.jobs.JobCheck.waitFor;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.local.PeerCredentials;
import io.canopy.tests.harness.Cli;
import io.canopy.tests.harness.Cli.Result;
import io.canopy.tests.harness.InstanceFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Jobs as a hostile user would try them, on brokers running as root, with the caller as
 * {@code nobody}: helpers and loader variables on the job's PATH and environment, output and
 * error paths into root-only places and through symlinks, a root-only working directory, tasks
 * that leave their session or double-fork, another user's job, job-exec's own topics. Each is
 * refused with a clear error or harmless; nothing runs as root. One instance of two brokers.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class HostileUserTest {
    private static final String MARK = "300.5711"; // a sleep only these tests run
    private static final String NSS_USER = "cnptest";
    private static final int NSS_UID = 4242;
    private static InstanceFixture instance;
    private static Cli owner;
    private static Cli nobody;
    private static Path dir;

    @BeforeAll
    static void start() throws IOException {
        assumeTrue(PeerCredentials.currentUid() == 0, "brokers as root and callers as nobody need root");
        dir = Files.createTempDirectory("canopy-hostile-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        instance = InstanceFixture.start(2, 2, null, java.time.Duration.ofSeconds(3), "[job-exec]\ncores = 2\n");
        owner = instance.cli();
        nobody = owner.asNobody();
    }

    @AfterAll
    static void stop() throws IOException {
        if (instance != null) {
            instance.close();
        }
        JobCheck.killAll(MARK);
        if (dir != null) {
            try (Stream<Path> all = Files.walk(dir)) {
                all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void helpersAndLoaderVariablesFromTheJobNeverRunAsRoot() throws IOException, InterruptedException {
        Path bin = Files.createDirectories(dir.resolve("evil-bin"));
        Path marks = Files.createDirectories(dir.resolve("marks")); // where the helpers say who ran them
        Files.setPosixFilePermissions(marks, PosixFilePermissions.fromString("rwxrwxrwx"));
        for (String helper : List.of("setsid", "setpriv", "kill", "env", "sh", "id", "sleep", "nohup", "true")) {
            write(bin.resolve(helper), "rwxr-xr-x", "#!/bin/sh\n/usr/bin/touch " + marks + "/ran-$(/usr/bin/id -u)-" + helper
                    + "\nfor d in /usr/bin /bin; do [ -x $d/" + helper + " ] && exec $d/" + helper + " \"$@\"; done\n");
        }
        Path source = write(dir.resolve("evil.c"), "rw-r--r--", "#include <stdio.h>\n#include <unistd.h>\n"
                + "__attribute__((constructor)) static void evil(void) { char p[512]; snprintf(p, sizeof p, \""
                + marks + "/preload-%d\", (int)geteuid()); FILE *f = fopen(p, \"w\"); if (f) fclose(f); }\n");
        Path so = dir.resolve("evil.so");
        Result cc = Cli.plain().exec(List.of("gcc", "-shared", "-fPIC", "-o", so.toString(), source.toString()));
        assertEquals(0, cc.exitCode(), cc::toString);
        Cli hostile = nobody.withEnv("PATH", bin + ":/usr/bin:/bin").withEnv("LD_PRELOAD", so.toString())
                .withEnv("LD_LIBRARY_PATH", dir.toString());

        Result run = hostile.withTimeout(JobCheck.PATIENCE).run("run", "-N", "2", "id", "-u");
        long id = Long.parseLong(ok(hostile, "submit", "sleep", MARK).stdout().strip());
        awaitState(owner, id, "RUN");
        ok(hostile, "cancel", Long.toString(id));
        waitFor(owner, id);

        assertEquals(0, run.exitCode(), run::toString);
        assertEquals(List.of("65534", "65534"), run.lines());
        List<String> asRoot = new ArrayList<>();
        try (Stream<Path> files = Files.list(marks)) {
            files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("ran-0-") || n.equals("preload-0"))
                    .forEach(asRoot::add);
        }
        assertEquals(List.of(), asRoot, "ran as root on the job's behalf");
        assertTrue(Files.exists(marks.resolve("preload-65534")), "the test's preload library works (as the user)");
        assertTrue(Files.exists(marks.resolve("ran-65534-id")), "the job's PATH is searched (as the user)");
    }

    @Test
    void outputAndErrorPathsAreOpenedAsTheUser() throws IOException {
        Path rootOnly = rootOnlyDir();
        Path secret = write(rootOnly.resolve("secret"), "rw-------", "x");
        Path link = dir.resolve("link-to-secret");
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, secret);
        Path open = Files.createDirectories(dir.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));

        Result intoRootOnly = nobody.withTimeout(JobCheck.PATIENCE).run("run", "--output", rootOnly.resolve("out").toString(), "true");
        Result throughLink = nobody.withTimeout(JobCheck.PATIENCE).run("run", "--error", link.toString(), "true");
        Result allowed = nobody.withTimeout(JobCheck.PATIENCE).run("run", "--output", open.resolve("mine").toString(), "echo", "hi");

        assertEquals(1, intoRootOnly.exitCode(), intoRootOnly::toString);
        assertTrue(intoRootOnly.stderr().contains("cannot open the output file " + rootOnly.resolve("out") + " as uid 65534: "
                + "Permission denied"), intoRootOnly::toString);
        assertFalse(Files.exists(rootOnly.resolve("out")), "a file appeared in a root-only directory");
        assertEquals(1, throughLink.exitCode(), throughLink::toString);
        assertTrue(throughLink.stderr().contains("Permission denied"), throughLink::toString);
        assertEquals("x", Files.readString(secret), "a root-only file was written through a symlink");
        assertEquals(0, allowed.exitCode(), allowed::toString);
        assertEquals("hi\n", Files.readString(open.resolve("mine")));
        assertEquals(65534, (Integer) Files.getAttribute(open.resolve("mine"), "unix:uid"), "the user's file is the user's");
    }

    @Test
    void aRootOnlyWorkingDirectoryIsRefusedWithTheReason() throws IOException {
        Path rootOnly = rootOnlyDir();
        String body = "{\"command\":[\"true\"],\"nnodes\":1,\"ntasks\":1,\"cwd\":\"" + rootOnly + "\",\"env\":{},"
                + "\"name\":\"x\",\"key\":\"hostile-cwd-" + System.nanoTime() + "\"}";
        long id = ok(nobody, "rpc", "job-manager.submit", body).json().path("id").asLong();

        JsonNode j = waitFor(owner, id);

        assertEquals("EXCEPTION", j.path("result").asText(), j::toString);
        String note = j.path("exceptions").get(0).path("note").asText();
        assertTrue(note.contains("cannot enter the job's directory " + rootOnly + " as uid 65534: Permission denied"), note);
    }

    @Test
    void aTaskThatLeavesItsSessionOrDoubleForksEndsWithItsJob() {
        String escape = "setsid sleep " + MARK + " & (sleep " + MARK + " &); nohup sleep " + MARK + " >/dev/null 2>&1 & ";
        Result run = nobody.withTimeout(JobCheck.PATIENCE).run("run", "sh", "-c", escape + "echo left");
        assertEquals(0, run.exitCode(), run::toString);
        assertEquals(List.of(), processesWith(MARK), "processes of a finished job survived it");

        long id = Long.parseLong(ok(nobody, "submit", "sh", "-c", escape + "sleep " + MARK).stdout().strip());
        awaitState(owner, id, "RUN");
        await().atMost(JobCheck.PATIENCE).until(() -> processesWith(MARK).size() >= 4); // sh and its 4 sleeps
        ok(nobody, "cancel", Long.toString(id));
        assertEquals("CANCELED", waitFor(owner, id).path("result").asText());
        assertEquals(List.of(), processesWith(MARK), "processes of a canceled job survived it");
    }

    @Test
    void jobInfoShowsTheCpuTimeAndPeakMemoryItsCgroupMeasured() {
        long id = Long.parseLong(ok(nobody, "submit", "sh", "-c", "i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done")
                .stdout().strip());
        waitFor(owner, id);
        JsonNode usage = info(owner, id).path("usage");
        List<String> text = ok(owner, "job", "info", Long.toString(id)).lines();

        assertTrue(usage.path("cpu_usec").asLong() > 10_000, usage::toString);
        assertTrue(usage.path("memory_peak").asLong() > 0, usage::toString);
        assertTrue(usage.path("containment").asText().startsWith("cgroup"), usage::toString);
        assertTrue(text.stream().anyMatch(l -> l.matches("cpu time: [0-9.]+s")), text::toString);
        assertTrue(text.stream().anyMatch(l -> l.matches("peak memory: [0-9.]+[KMG]")), text::toString);
    }

    @Test
    void aUserCannotTouchAnothersJobNorSpeakToJobExec() {
        long theirs = submit(owner, "sleep", MARK);
        awaitState(owner, theirs, "RUN");

        Result cancel = nobody.run("cancel", Long.toString(theirs));
        Result kill = nobody.run("rpc", "job-exec.kill", "{\"id\":" + theirs + ",\"signal\":9}");
        Result start = nobody.run("rpc", "job-exec.start", "{\"id\":999,\"userid\":0,\"command\":[\"id\"],\"cwd\":\"/\","
                + "\"tasks\":[0],\"ntasks\":1,\"nnodes\":1}");
        Result report = nobody.run("rpc", "job-manager.exec-finished", "{\"id\":" + theirs + ",\"rank\":0,\"tasks\":[]}");

        for (Result r : List.of(cancel, kill, start, report)) {
            assertEquals(1, r.exitCode(), r::toString);
        }
        assertTrue(cancel.stderr().contains("belongs to"), cancel::toString);
        for (Result r : List.of(kill, start, report)) {
            assertTrue(r.stderr().contains("owner role required"), r::toString);
        }
        assertEquals("RUN", JobCheck.state(owner, theirs));
        ok(owner, "cancel", Long.toString(theirs));
        waitFor(owner, theirs);
    }

    @Test
    void aUserKnownOnlyThroughNssGetsItsGroupsFromNss() throws IOException {
        Path nss = Path.of("/var/lib/extrausers");
        assumeTrue(Files.isDirectory(nss) && Files.readString(Path.of("/etc/nsswitch.conf")).contains("extrausers"),
                "needs libnss-extrausers in nsswitch.conf (scripts/prereqs sets it up as root)");
        List<String> added = List.of(NSS_USER + ":x:" + NSS_UID + ":" + NSS_UID + ":Canopy test user:/tmp:/bin/sh",
                NSS_USER + ":x:" + NSS_UID + ":", "cnpextra:x:" + (NSS_UID + 1) + ":" + NSS_USER);
        try {
            append(nss.resolve("passwd"), added.get(0));
            append(nss.resolve("group"), added.get(1));
            append(nss.resolve("group"), added.get(2));
            assertFalse(Files.readString(Path.of("/etc/passwd")).contains(NSS_USER + ":"), "the user must not be in /etc/passwd");

            Result run = owner.asUser(NSS_USER, NSS_UID).withTimeout(JobCheck.PATIENCE).run("run", "sh", "-c", "id -u; id -G");

            assertEquals(0, run.exitCode(), run::toString);
            assertEquals(List.of(Integer.toString(NSS_UID), NSS_UID + " " + (NSS_UID + 1)), run.lines());
        } finally {
            for (String f : List.of("passwd", "group")) {
                Path p = nss.resolve(f);
                if (Files.exists(p)) {
                    Files.write(p, Files.readAllLines(p).stream().filter(l -> !added.contains(l)).toList());
                }
            }
        }
    }

    private static Path rootOnlyDir() throws IOException {
        Path p = dir.resolve("root-only");
        if (!Files.exists(p)) {
            Files.createDirectory(p);
        }
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        return p;
    }

    private static Path write(Path p, String mode, String text) throws IOException {
        Files.writeString(p, text);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
        return p;
    }

    private static void append(Path file, String line) throws IOException {
        List<String> lines = Files.exists(file) ? new ArrayList<>(Files.readAllLines(file)) : new ArrayList<>();
        if (!lines.contains(line)) {
            lines.add(line);
        }
        Files.write(file, lines);
    }
}
