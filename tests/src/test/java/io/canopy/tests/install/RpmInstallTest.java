package io.canopy.tests.install;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.canopy.tests.harness.Cli;
import io.canopy.tests.harness.Cli.Result;
import io.canopy.tests.harness.Repo;
import io.canopy.tools.launch.TestInstance;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The RPM as an operator gets it: built with scripts/build-rpm, its file list checked, installed
 * into a scratch root, and three brokers started from the installed files with the command line of
 * the installed unit's {@code ExecStart} (one config, three hosts on loopback). They reach run,
 * tell a fake systemd {@code READY=1}, and the installed {@code /usr/bin/canopy} drains and
 * undrains a node and shuts the instance down. The package is named after the version the jar
 * was built as, which {@code canopy --version} prints, and the unit has the lines a clean stop, a
 * reload and a configuration error need.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RpmInstallTest {
    private static final Duration PATIENCE = Duration.ofSeconds(90);
    private final List<Process> brokers = new ArrayList<>();
    private Process fakeSystemd;

    @AfterEach
    void stop() {
        brokers.forEach(Process::destroyForcibly);
        if (fakeSystemd != null) {
            fakeSystemd.destroyForcibly();
        }
    }

    @Test
    void theInstalledPackageRunsAnInstanceFromItsOwnUnit(@TempDir Path dir) throws Exception {
        Cli sh = Cli.plain().withTimeout(Duration.ofMinutes(3));
        assumeTrue(sh.exec(List.of("sh", "-c", "command -v rpmbuild && command -v rpm")).exitCode() == 0,
                "rpmbuild and rpm are needed (scripts/prereqs installs Debian's rpm package as root)");
        Result built = sh.exec(List.of(Repo.root().resolve("scripts/build-rpm").toString(), dir.resolve("build").toString()));
        assertEquals(0, built.exitCode(), built::toString);
        String rpm = built.stdout().strip();

        List<String> files = sh.exec(List.of("rpm", "-qlp", rpm)).lines();
        for (String f : List.of("/usr/bin/canopy", "/usr/share/canopy/canopy.jar", "/usr/lib/systemd/system/canopy.service",
                "/usr/lib/sysusers.d/canopy.conf", "/usr/lib/tmpfiles.d/canopy.conf", "/etc/canopy/system.toml",
                "/var/lib/canopy", "/run/canopy", "/usr/share/man/man1/canopy.1.gz",
                "/usr/share/man/man1/canopy-resource-drain.1.gz", "/usr/share/man/man1/canopy-exec.1.gz",
                "/usr/share/man/man1/canopy-config-reload.1.gz", "/usr/share/bash-completion/completions/canopy",
                "/usr/libexec/canopy/canopy-launch", "/usr/lib/systemd/system/canopy-launch.socket",
                "/usr/lib/systemd/system/canopy-launch@.service")) {
            assertTrue(files.contains(f), f + " in " + files);
        }
        Result modes = sh.exec(List.of("rpm", "-qp", "--dump", rpm));
        String launcher = modes.lines().stream().filter(l -> l.startsWith("/usr/libexec/canopy/canopy-launch ")).findFirst()
                .orElseThrow();
        assertTrue(launcher.split(" ")[4].endsWith("0755") && launcher.contains(" root root "),
                "canopy-launch is root's, 0755, never set-user-ID: " + launcher);
        Result info = sh.exec(List.of("rpm", "-qp", "--requires", "--configfiles", rpm));
        assertTrue(info.stdout().contains("java-17-openjdk-headless"), info::toString);
        assertTrue(info.stdout().contains("/etc/canopy/system.toml"), "a %config file: " + info);

        Path root = dir.resolve("root");
        assertEquals(0, sh.exec(List.of("rpm", "--root", root.toString(), "--initdb")).exitCode());
        // --noscripts: a scratch root has no shell for %pre to run useradd in
        Result installed = sh.exec(List.of("rpm", "--root", root.toString(), "--nodeps", "--noscripts", "-i", rpm));
        assertEquals(0, installed.exitCode(), installed::toString);
        Path canopy = root.resolve("usr/bin/canopy");
        assertTrue(Files.isExecutable(canopy));
        String rpmVersion = sh.exec(List.of("rpm", "-qp", "--queryformat", "%{VERSION}-%{RELEASE}", rpm)).stdout().strip();
        Result version = sh.exec(List.of(canopy.toString(), "--version"));
        String jarVersion = version.stdout().strip().split(" ")[1];
        assertEquals(jarVersion.replace("-SNAPSHOT", "") + (jarVersion.endsWith("-SNAPSHOT") ? "-0.snapshot" : "-1"), rpmVersion,
                "the package is named after the version canopy --version prints: " + version);

        Path unit = root.resolve("usr/lib/systemd/system/canopy.service");
        Path unitCopy = Files.createDirectories(dir.resolve("unit")).resolve("canopy.service");
        Files.writeString(unitCopy, Files.readString(unit).replace("=/usr/bin/canopy ", "=" + canopy + " "));
        Result verify = sh.exec(List.of("systemd-analyze", "verify", "--man=no", unitCopy.toString()));
        assertEquals(0, verify.exitCode(), verify::toString);
        assertEquals("", (verify.stdout() + verify.stderr()).strip(), "systemd-analyze finds nothing to say");
        List<String> unitLines = Files.readAllLines(unit);
        for (String line : List.of("Type=notify", "ExecReload=/usr/bin/canopy config reload --follower-noop",
                "RestartPreventExitStatus=78", "SuccessExitStatus=143")) {
            assertTrue(unitLines.contains(line), line + " in the unit");
        }
        List<String> execStart = execStart(unit);
        assertEquals(List.of("/usr/bin/canopy", "broker", "--config", "/etc/canopy/system.toml"), execStart);
        Path config = writeConfig(dir);
        Path notify = dir.resolve("notify");
        Path notified = dir.resolve("notified");
        fakeSystemd = fakeNotifySocket(notify, notified);
        for (int r = 0; r < 3; r++) {
            List<String> cmd = new ArrayList<>(execStart);
            cmd.set(0, canopy.toString());
            cmd.set(cmd.indexOf("--config") + 1, config.toString());
            cmd.addAll(List.of("--hostname", "test" + r, "--rundir", dir.resolve("run" + r).toString(),
                    "--statedir", dir.resolve("state" + r).toString()));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("broker" + r + ".log").toFile());
            if (r == 0) {
                pb.environment().put("NOTIFY_SOCKET", notify.toString());
            }
            brokers.add(pb.start());
        }

        Cli installedCli = Cli.forUri("local://" + dir.resolve("run0/local"));
        await("the instance runs").atMost(PATIENCE).pollInterval(Duration.ofMillis(250)).until(() ->
                installedCli.exec(List.of(canopy.toString(), "overlay", "status", "--json")).stdout().split("\"run\"").length == 4);
        await("the fake systemd hears READY=1").atMost(PATIENCE).until(() ->
                Files.exists(notified) && Files.readString(notified).contains("READY=1"));
        Result drain = installedCli.exec(List.of(canopy.toString(), "resource", "drain", "test2", "installed", "fine"));
        assertEquals(0, drain.exitCode(), drain::toString);
        Result status = installedCli.exec(List.of(canopy.toString(), "resource", "status"));
        assertTrue(status.stdout().contains("installed fine") && status.stdout().contains("test2"), status::toString);
        assertEquals(0, installedCli.exec(List.of(canopy.toString(), "resource", "undrain", "test2")).exitCode());
        Result down = installedCli.exec(List.of(canopy.toString(), "shutdown"));
        assertEquals(0, down.exitCode(), down::toString);
        for (Process b : brokers) {
            assertTrue(b.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS), "every broker exits after the shutdown");
        }
        assertTrue(Files.exists(dir.resolve("state0/state.db")), "the leader saved its state");
    }

    /** The unit's ExecStart, split into words. */
    private static List<String> execStart(Path unit) throws IOException {
        for (String line : Files.readAllLines(unit)) {
            if (line.startsWith("ExecStart=")) {
                return Arrays.asList(line.substring("ExecStart=".length()).trim().split("\\s+"));
            }
        }
        throw new AssertionError("no ExecStart in " + unit);
    }

    private static Path writeConfig(Path dir) throws IOException {
        StringBuilder toml = new StringBuilder("[bootstrap]\nhosts = [\n");
        for (int r = 0; r < 3; r++) {
            String uri = "tcp://" + TestInstance.address(r) + ":" + freePort(TestInstance.address(r));
            toml.append("  { host = \"test").append(r).append("\", bind = \"").append(uri).append("\", connect = \"")
                    .append(uri).append("\" },\n");
        }
        toml.append("]\n[tbon]\nfanout = 2\n");
        return Files.writeString(dir.resolve("system.toml"), toml);
    }

    private static int freePort(String address) throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(address, 0));
            return s.getLocalPort();
        }
    }

    /** A datagram socket where systemd would listen: what arrives is appended to {@code into}. */
    private static Process fakeNotifySocket(Path socket, Path into) throws IOException {
        String py = "import socket,sys\n"
                + "s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\n"
                + "s.bind(sys.argv[1])\n"
                + "s.settimeout(240)\n"
                + "while True:\n"
                + "    d=s.recv(4096)\n"
                + "    open(sys.argv[2],'a').write(d.decode()+'\\n')\n";
        Process p = new ProcessBuilder("python3", "-c", py, socket.toString(), into.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        await("the fake notify socket").atMost(Duration.ofSeconds(10)).until(() -> Files.exists(socket));
        return p;
    }
}
