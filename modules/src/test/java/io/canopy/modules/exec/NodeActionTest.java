package io.canopy.modules.exec;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.canopy.message.Errno;
import io.canopy.module.RpcException;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's node actions (first frames {@code B}, the reboot command, and {@code H}, the
 * health check) through the real canopy-launch: run by absolute path, from {@code /}, with a fixed
 * environment, their status and the start of their output sent back; killed when the broker gives
 * up on them; refused when they are not the broker's to choose, or (for a root launcher) when
 * someone else could change the program. The socket case, where the broker's user is not root,
 * is {@code tests/.../jobs/LauncherSocketTest}.
 */
class NodeActionTest {
    private static final Path PROGRAM = LauncherLocation.find(Optional.empty())
            .orElseThrow(() -> new IllegalStateException("build launcher/ first: no canopy-launch"));
    private static final Launcher LAUNCHER = new Launcher.Direct(PROGRAM);
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private static Path script(Path dir, String name, String body) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    @Test
    void aHealthCheckRunsFromTheRootWithAFixedEnvironmentAndItsStatusAndOutputComeBack(@TempDir Path dir)
            throws Exception {
        Path check = script(dir, "check", "pwd; env | sort; echo 'on stderr' >&2; exit 3");

        NodeAction.Outcome o = NodeAction.run(LAUNCHER, NodeAction.HEALTH, check + " --quick", PATIENCE);

        assertTrue(o.configured());
        assertEquals(3, o.status());
        List<String> lines = o.output().lines().toList();
        assertEquals("/", lines.get(0), o::output);
        List<String> env = new ArrayList<>(lines.subList(1, lines.size()));
        env.removeIf(l -> l.startsWith("PWD=") || l.startsWith("SHLVL=") || l.startsWith("_=") || l.equals("on stderr"));
        assertEquals(List.of("LANG=C", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"), env,
                "nothing of the broker's environment: " + o.output());
        assertTrue(o.output().contains("on stderr"), o::output);
    }

    @Test
    void aLauncherWithoutTheActionSaysSoAndRunsNothing() throws RpcException {
        assertFalse(NodeAction.run(LAUNCHER, NodeAction.REBOOT, "", PATIENCE).configured());
        assertFalse(NodeAction.run(LAUNCHER, NodeAction.HEALTH, "", PATIENCE).configured());
    }

    @Test
    void anActionIsKilledWhenTheBrokerGivesUpOnIt(@TempDir Path dir) throws Exception {
        Path check = script(dir, "hang", "exec sleep 301.16");

        NodeAction.Outcome o = NodeAction.run(LAUNCHER, NodeAction.HEALTH, check.toString(), Duration.ofSeconds(1));

        assertEquals(124, o.status());
        assertTrue(o.output().contains("timed out after 1.0s and was killed"), o::output);
        await("the check is gone").atMost(PATIENCE).until(() -> ProcessHandle.allProcesses()
                .noneMatch(p -> p.info().arguments().map(a -> String.join(" ", a)).orElse("").equals("301.16")));
    }

    @Test
    void onlyTheStartOfALongOutputComesBack(@TempDir Path dir) throws Exception {
        Path chatty = script(dir, "chatty", "yes canopy | head -c 100000; exit 0");

        NodeAction.Outcome o = NodeAction.run(LAUNCHER, NodeAction.REBOOT, chatty.toString(), PATIENCE);

        assertEquals(0, o.status());
        assertEquals(4096, o.output().length());
    }

    @Test
    void whatIsNotAProgramByAbsolutePathIsRefused() {
        RpcException relative = assertThrows(RpcException.class,
                () -> NodeAction.run(LAUNCHER, NodeAction.REBOOT, "systemctl reboot", PATIENCE));
        RpcException missing = assertThrows(RpcException.class,
                () -> NodeAction.run(LAUNCHER, NodeAction.REBOOT, "/nonexistent/reboot now", PATIENCE));

        assertEquals(Errno.EINVAL, relative.errnum());
        assertTrue(relative.getMessage().contains("is not an absolute path and arguments"), relative.getMessage());
        assertEquals(Errno.ENOENT, missing.errnum());
        assertTrue(missing.getMessage().contains("cannot run the reboot command /nonexistent/reboot"), missing.getMessage());
    }

    @Test
    void aRootLauncherRunsNoProgramAnotherUserCouldChange(@TempDir Path dir) throws Exception {
        assumeTrue(ProcessHandle.current().info().user().orElse("").equals("root"), "ownership checks are for root");
        Path check = script(dir, "check", "exit 0");
        Files.setPosixFilePermissions(check, PosixFilePermissions.fromString("rwxrwxrwx"));

        RpcException e = assertThrows(RpcException.class,
                () -> NodeAction.run(LAUNCHER, NodeAction.HEALTH, check.toString(), PATIENCE));

        assertEquals(13, e.errnum());
        assertTrue(e.getMessage().contains("must belong to root and be writable by no one else"), e.getMessage());
    }

    @Test
    void theLaunchersOwnCommandRunsAndTheBrokerMayNotNameAnother(@TempDir Path dir) throws Exception {
        Path mine = script(dir, "mine", "echo \"root's reboot $1\"");
        List<String> options = List.of("--reboot-command=" + mine + " now");

        String own = ask(options, 'B', "");
        String other = ask(options, 'B', "/bin/true");

        assertEquals("I status 0\nroot's reboot now\n", own);
        assertTrue(other.startsWith("F 22 this launcher's own reboot command is '" + mine + " now'"), other);
    }

    @Test
    void aBadCommandOptionStopsTheLauncherAtOnce() throws Exception {
        Process p = new ProcessBuilder(PROGRAM.toString(), "--health-check=nhc -q").redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes());

        assertEquals(2, p.waitFor());
        assertTrue(said.contains("--health-check=nhc -q: give an absolute path and arguments separated by spaces"), said);
    }

    /** Runs the launcher with {@code options}, sends one first frame, returns its answer as "TYPE text". */
    private static String ask(List<String> options, char type, String payload) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(PROGRAM.toString()));
        cmd.addAll(options);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().clear();
        Process p = pb.start();
        ByteArrayOutputStream req = new ByteArrayOutputStream();
        LaunchProtocol.frame(req, type, payload);
        p.getOutputStream().write(req.toByteArray());
        p.getOutputStream().flush();
        LaunchProtocol.Frame f = LaunchProtocol.read(new DataInputStream(p.getInputStream()));
        p.getOutputStream().close();
        p.waitFor();
        return f.type() + " " + f.text();
    }
}
