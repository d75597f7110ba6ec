package io.canopy.tests.jobs;

import static io.canopy.tests.jobs.JobCheck.awaitState;
import static io.canopy.tests.jobs.JobCheck.ok;
import static io.canopy.tests.jobs.JobCheck.processesWith;
import static io.canopy.tests.jobs.JobCheck.waitFor;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.local.PeerCredentials;
import io.canopy.tests.harness.BrokerProcess;
import io.canopy.tests.harness.BrokerProcesses;
import io.canopy.tests.harness.Cli;
import io.canopy.tests.harness.Cli.Result;
import io.canopy.tests.harness.InstanceToml;
import io.canopy.tests.harness.Repo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The packaged mode: the broker runs as an unprivileged user (here {@code daemon}, standing for
 * {@code canopy}) and starts every user's jobs through a root canopy-launch that systemd starts
 * per connection on a socket ({@code canopy-launch.socket}, Accept=yes). Here
 * {@code systemd-socket-activate --accept --inetd} plays systemd's part, as the units in
 * packaging/rpm do, with the same launcher options, plus root's reboot command and health check
 * (stand-ins that say who ran them), which the unprivileged broker may only ask for.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class LauncherSocketTest {
    private static final String BROKER_USER = "daemon";
    private static final String MARK = "300.6711";
    private static Path dir;
    private static Process activator;
    private static BrokerProcesses brokers;
    private static BrokerProcess broker;
    private static Path socket;

    @BeforeAll
    static void start() throws IOException {
        assumeTrue(PeerCredentials.currentUid() == 0, "root runs the launcher; the broker runs as daemon");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/systemd-socket-activate")), "needs systemd-socket-activate");
        dir = Files.createTempDirectory("canopy-launch-socket-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        socket = dir.resolve("launch.sock");
        Path launcher = Repo.root().resolve("launcher/target/canopy-launch");
        Path check = dir.resolve("health-check");
        Files.writeString(check, "#!/bin/sh\necho \"health check as uid $(id -u)\"\n");
        Path reboot = dir.resolve("reboot");
        Files.writeString(reboot, "#!/bin/sh\nid -u > " + dir.resolve("rebooted") + "\necho \"rebooting $1\"\n");
        for (Path p : List.of(check, reboot)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        activator = new ProcessBuilder("/usr/bin/systemd-socket-activate", "-l", socket.toString(), "--accept", "--inetd",
                launcher.toString(), "--allow-peer=" + BROKER_USER, "--min-uid=1000", "--health-check=" + check,
                "--reboot-command=" + reboot + " now")
                .redirectErrorStream(true).redirectOutput(dir.resolve("activator.log").toFile()).start();
        await("the launcher socket").atMost(JobCheck.PATIENCE).until(() -> Files.exists(socket));
        // systemd's SocketGroup=canopy, SocketMode=0660 in the unit; here the broker's user owns it
        var users = dir.getFileSystem().getUserPrincipalLookupService();
        Files.setAttribute(socket, "posix:group", users.lookupPrincipalByGroupName(BROKER_USER));
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));

        Path state = Files.createDirectory(dir.resolve("state"));
        Files.setOwner(state, users.lookupPrincipalByName(BROKER_USER));
        brokers = new BrokerProcesses(dir);
        Path config = brokers.writeConfig("system.toml", InstanceToml.loopback(1).calm().render()
                + "\n[broker]\nstatedir = \"" + state + "\"\n\n[job-exec]\nlauncher_socket = \"" + socket + "\"\n");
        broker = brokers.startAs(BROKER_USER, "test0", config);
        await("the broker runs").atMost(JobCheck.PATIENCE)
                .until(() -> broker.cli().run("uptime").stdout().contains(" run "));
    }

    @AfterAll
    static void stop() {
        if (brokers != null) {
            brokers.close();
        }
        if (activator != null) {
            activator.destroy();
        }
        JobCheck.killAll(MARK);
    }

    @Test
    void anUnprivilegedBrokerRunsAnotherUsersJobAsThatUser() {
        Result run = broker.cli().asNobody().withTimeout(JobCheck.PATIENCE).run("run", "sh", "-c", "id -u; id -g");
        assertEquals(0, run.exitCode(), run + "\n" + broker.logTail());
        assertEquals(List.of("65534", "65534"), run.lines());
        assertEquals(Cli.plain().exec(List.of("id", "-u", BROKER_USER)).stdout().strip(),
                Long.toString(brokerUid()), "the broker itself is not root");
    }

    @Test
    void theJobIsNotTheBrokersChildAndEndsWhenCanceled() {
        Cli nobody = broker.cli().asNobody();
        long id = Long.parseLong(ok(nobody, "submit", "sleep", MARK).stdout().strip());
        awaitState(broker.cli(), id, "RUN");
        await().atMost(JobCheck.PATIENCE).until(() -> processesWith(MARK).size() == 1);
        long task = processesWith(MARK).get(0);
        assertTrue(broker.process().descendants().noneMatch(p -> p.pid() == task),
                "the task runs outside the broker's process tree (and its unit's sandbox)");

        ok(nobody, "cancel", Long.toString(id));
        assertEquals("CANCELED", waitFor(broker.cli(), id).path("result").asText());
        assertEquals(List.of(), processesWith(MARK));
        JsonNode usage = JobCheck.info(broker.cli(), id).path("usage");
        assertTrue(usage.path("containment").asText().startsWith("cgroup"), usage::toString);
    }

    @Test
    void theLauncherRefusesRootJobsFromAnUnprivilegedBroker() {
        Result asRoot = broker.cli().withTimeout(JobCheck.PATIENCE).run("run", "id", "-u");
        assertEquals(1, asRoot.exitCode(), asRoot::toString);
        assertTrue(asRoot.stderr().contains("refusing to start tasks as root for a broker running as uid"), asRoot::toString);
    }

    @Test
    void onlyTheBrokersUserMaySpeakToTheLauncher() {
        // a probe frame ('P', length 4, "auto") from nobody, who may not even open the socket here;
        // with the socket opened to everyone, the launcher itself still refuses the peer
        Result denied = Cli.plain().asNobody().exec(List.of("python3", "-c", "import socket,sys\n"
                + "s=socket.socket(socket.AF_UNIX)\n"
                + "try:\n  s.connect(sys.argv[1])\nexcept PermissionError:\n  print('EACCES'); sys.exit(0)\n", socket.toString()));
        assertEquals("EACCES", denied.stdout().strip(), denied::toString);
        try {
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
            Result refused = Cli.plain().asNobody().exec(List.of("python3", "-c", "import socket,sys\n"
                    + "s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])\n"
                    + "s.sendall(b'P\\x00\\x00\\x00\\x04auto')\n"
                    + "h=s.recv(5); print(h[0:1].decode(), s.recv(4096).decode())\n", socket.toString()));
            assertTrue(refused.stdout().startsWith("F 1 uid 65534 may not use this launcher"), refused::toString);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            try {
                Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
            } catch (IOException e) {
                // the test is over
            }
        }
    }

    @Test
    void rootsHealthCheckAndRebootCommandRunAsRootWhenTheUnprivilegedBrokerAsks() throws IOException {
        JsonNode check = ok(broker.cli(), "rpc", "job-exec.health-check").json();
        JsonNode reboot = ok(broker.cli(), "rpc", "job-exec.reboot").json();

        assertEquals("health check as uid 0\n", check.path("output").asText(), check::toString);
        assertEquals(0, check.path("status").asInt(-1), check::toString);
        assertEquals("rebooting now\n", reboot.path("output").asText(), reboot::toString);
        assertEquals("0", Files.readString(dir.resolve("rebooted")).strip(), "the reboot command ran as root");
    }

    @Test
    void theBrokersUserMayOnlyAskForRootsCommandsNeverNameOne() {
        // what a broker taken over by an attacker could send: a command of its own choosing
        Result refused = Cli.plain().exec(List.of("setpriv", "--reuid=" + BROKER_USER, "--regid=" + BROKER_USER,
                "--clear-groups", "/usr/bin/env", "PATH=/usr/bin:/bin", "python3", "-c", "import socket,sys\n"
                + "s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])\n"
                + "c=b'/bin/sh -c id'; s.sendall(b'H'+len(c).to_bytes(4,'big')+c)\n"
                + "h=s.recv(5); print(h[0:1].decode(), s.recv(4096).decode())\n", socket.toString()));

        assertTrue(refused.stdout().startsWith("F 1 uid " + Cli.plain().exec(List.of("id", "-u", BROKER_USER)).stdout()
                .strip() + " may not choose the health check this root launcher runs: root sets it with "
                + "--health-check=..."), refused::toString);
    }

    private static long brokerUid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/" + broker.process().pid()), "unix:uid");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
