package io.canopy.tests.ops;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.canopy.tests.harness.BrokerProcess;
import io.canopy.tests.harness.BrokerProcesses;
import io.canopy.tests.harness.Cli;
import io.canopy.tests.harness.Cli.Result;
import io.canopy.tests.harness.InstanceToml;
import io.canopy.tests.harness.Repo;
import io.canopy.tests.harness.Rpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What systemd and an operator see of a broker process: SIGTERM is a clean exit (status 0, so
 * {@code systemctl stop} leaves the unit inactive, not failed); a configuration error exits with
 * status 78, which the unit does not restart on, after one line naming the file, line and key;
 * READY=1 goes to systemd when the broker has started, in join, so starting a compute node never
 * waits for the leader, and {@code canopy uptime --wait run} is how to wait for run; the version is
 * the build's; plain TCP without a certificate is warned about at every start.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class BrokerUnitTest {
    private static final Duration START = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void readyAtJoinAndUptimeWaitsForRunAndSigtermExitsZero() throws Exception {
        try (BrokerProcesses brokers = new BrokerProcesses(dir)) {
            // a statedir of the test's own: the default /var/lib/canopy may be another instance's
            Path config = brokers.writeConfig("system.toml", InstanceToml.loopback(2).calm().render()
                    + "\n[broker]\nstatedir = \"" + dir.resolve("state") + "\"\n");
            Path notified = dir.resolve("notified");
            // Waiting for a broker that is not even started yet: uptime --wait keeps trying.
            Cli follower = Cli.forUri("local://" + dir.resolve("test1").resolve("local"));
            Cli.Running waiting = follower.withTimeout(START).start("uptime", "--wait", "run");

            // NOTIFY_SOCKET makes the broker tell systemd; the stand-in for systemd-notify records what.
            BrokerProcess b1 = brokers.start("test1", config, List.of(), Map.of("NOTIFY_SOCKET",
                    dir.resolve("notify").toString(), "CANOPY_SYSTEMD_NOTIFY", fakeNotify(notified).toString()));
            await("READY=1 while the follower waits for its parent").atMost(START).pollInterval(Duration.ofMillis(100))
                    .failFast("broker exited", () -> !b1.process().isAlive())
                    .until(() -> Files.exists(notified) && Files.readString(notified).contains("--ready"));
            assertEquals("join", Rpc.state(b1.socket()), "READY=1 came while in join");
            assertTrue(waiting.isAlive(), "uptime --wait run still waits");
            Result early = follower.run("uptime", "--wait", "run", "--timeout", "1s");
            assertEquals(1, early.exitCode(), early::toString);
            assertEquals("canopy: the broker did not reach run within 1.0s; it is in state join (see `canopy dmesg` "
                    + "or `journalctl -u canopy` on that node)", early.stderr().strip());

            BrokerProcess b0 = brokers.start("test0", config);
            Result waited = waiting.finish();
            assertEquals(0, waited.exitCode(), waited::toString);
            assertTrue(waited.stdout().contains(" run "), waited::toString);
            assertTrue(b0.log().contains("no bootstrap.curve_cert: the tree runs over plain TCP"), b0.logTail());

            b1.process().destroy();
            assertTrue(b1.process().waitFor(START.toSeconds(), TimeUnit.SECONDS), b1.logTail());
            assertEquals(0, b1.process().exitValue(), "SIGTERM is a clean exit\n" + b1.logTail());
            b0.process().destroy();
            assertTrue(b0.process().waitFor(START.toSeconds(), TimeUnit.SECONDS), b0.logTail());
            assertEquals(0, b0.process().exitValue(), "SIGTERM is a clean exit\n" + b0.logTail());
        }
    }

    @Test
    void aConfigErrorExitsWithTheStatusTheUnitDoesNotRestartOn() throws Exception {
        String hosts = InstanceToml.loopback(2).calm().render();
        Path unknownHost = Files.writeString(dir.resolve("exclude.toml"), hosts + "\n[resource]\nexclude = \"test0,svc1\"\n");
        Path unknownKey = Files.writeString(dir.resolve("key.toml"), hosts + "\n[resource]\ndrain_on_lots = true\n");
        int excludeLine = (int) hosts.lines().count() + 3;

        Result exclude = broker(unknownHost);
        Result key = broker(unknownKey);

        assertEquals(78, exclude.exitCode(), exclude::toString);
        assertTrue(exclude.stderr().contains(unknownHost + ":" + excludeLine + ": resource.exclude: unknown host(s) svc1: "
                + "not in bootstrap.hosts"), exclude::toString);
        assertTrue(exclude.stderr().contains("not starting"), exclude::toString);
        assertEquals(78, key.exitCode(), key::toString);
        assertTrue(key.stderr().contains(unknownKey + ":" + excludeLine + ": resource.drain_on_lots: unknown key in "
                + "[resource] (valid keys are: drain_on_lost, exclude, undrain_on_return, reboot_command, health_check, "
                + "health_check_timeout, reboot_timeout)"), key::toString);
    }

    @Test
    void versionIsTheBuildsVersion() throws Exception {
        Matcher m = Pattern.compile("<version>([^<]+)</version>").matcher(Files.readString(Repo.root().resolve("pom.xml")));
        assertTrue(m.find());
        String version = m.group(1);

        Result r = Cli.plain().run("--version");

        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("canopy " + version + " (protocol 1, dialect " + io.canopy.overlay.Dialect.CURRENT + ")",
                r.stdout().strip());
    }

    private Result broker(Path config) {
        return Cli.plain().withTimeout(START).run("broker", "--config", config.toString(), "--hostname", "test0",
                "--rundir", dir.resolve("r-" + config.getFileName()).toString());
    }

    /** A stand-in for systemd-notify: appends its arguments to {@code log}. */
    private Path fakeNotify(Path log) throws Exception {
        Path script = dir.resolve("fake-systemd-notify");
        Files.writeString(script, "#!/bin/sh\necho \"$*\" >> " + log + "\n");
        script.toFile().setExecutable(true);
        return script;
    }
}
