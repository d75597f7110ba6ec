package io.canopy.tests.ops;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.canopy.tests.harness.Cli;
import io.canopy.tests.harness.Cli.Result;
import io.canopy.tests.harness.InstanceFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code canopy config get} and {@code canopy config reload} on three brokers (rank 0 with leaves 1
 * and 2): the running configuration with its defaults, a reload that changes exclude and job-exec's
 * timeouts on every broker, a bad file refused with its line and the old configuration kept, keys
 * that wait for a restart, and {@code --follower-noop}. Each test puts the original file back and
 * reloads it.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ConfigReloadTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static InstanceFixture instance;
    private static Cli owner;
    private static String original;

    @BeforeAll
    static void startInstance() throws IOException {
        instance = InstanceFixture.start(3, 2, null);
        owner = instance.cli();
        original = Files.readString(instance.configFile());
    }

    @AfterAll
    static void stopInstance() {
        if (instance != null) {
            instance.close();
        }
    }

    @AfterEach
    void restoreTheFile() throws IOException {
        if (!Files.readString(instance.configFile()).equals(original)) {
            Files.writeString(instance.configFile(), original);
            ok("config", "reload");
        }
        owner.run("resource", "undrain", "1-2");
    }

    private static Result ok(String... args) {
        Result r = owner.run(args);
        assertEquals(0, r.exitCode(), () -> String.join(" ", args) + ": " + r);
        return r;
    }

    private static void writeFile(String extra) throws IOException {
        Files.writeString(instance.configFile(), original + extra);
    }

    @Test
    void configGetShowsEveryKeyWithTheValueInForce() {
        Result all = ok("config", "get", "--json");
        Result fanout = ok("config", "get", "tbon.fanout");
        Result epilogTimeout = ok("config", "get", "job-exec.epilog_timeout");
        Result table = ok("config", "get", "resource");
        Result unknown = owner.run("config", "get", "tbon.fan_out");

        assertEquals(instance.configFile().toString(), all.json().path("file").asText(), all::toString);
        assertEquals("test2", all.json().path("config").path("bootstrap").path("hosts").get(2).path("host").asText());
        assertEquals("2", fanout.stdout().strip());
        assertEquals("5m", epilogTimeout.stdout().strip(), "a default the file does not set");
        assertTrue(table.stdout().contains("\"exclude\" : \"\""), table::toString);
        assertEquals(1, unknown.exitCode(), unknown::toString);
        assertEquals("canopy: no key tbon.fan_out in the configuration (valid here: tbon.fanout, tbon.keepalive_period, "
                + "tbon.torpid_timeout, tbon.lost_timeout)", unknown.stderr().strip());
    }

    @Test
    void reloadAppliesExcludeAndJobExecSettingsOnEveryBroker() throws IOException {
        ok("resource", "drain", "test2", "fan");
        writeFile("[resource]\nexclude = \"test2\"\n[job-exec]\nkill_timeout = \"7s\"\n");

        Result reload = ok("config", "reload");

        assertTrue(reload.stdout().startsWith("config generation "), reload::toString);
        assertTrue(reload.stdout().contains(": applied job-exec.kill_timeout, resource.exclude"), reload::toString);
        assertTrue(reload.stdout().contains("  resource on the leader: applied"), reload::toString);
        Result status = ok("resource", "status", "-s", "exclude,drain", "-n", "-o", "{state} {nodelist}");
        assertEquals("exclude test2", status.stdout().strip(), "test2 is excluded now, and no longer drained");
        for (int rank = 0; rank < instance.size(); rank++) {
            String r = Integer.toString(rank);
            await("rank " + r + " runs with the new kill_timeout").atMost(PATIENCE).pollInterval(Duration.ofMillis(200))
                    .until(() -> owner.run("config", "get", "--rank", r, "job-exec.kill_timeout").stdout().strip()
                            .equals("7s"));
            Result log = ok("dmesg", "--rank", r);
            assertTrue(log.stdout().contains("job-exec: epilog none, epilog_timeout 5m0s, drain_on_epilog_failure false, "
                    + "kill_timeout 7.0s"), "rank " + r + " applied it:\n" + log);
        }
    }

    @Test
    void aBadFileIsRefusedWithItsLineAndTheConfigurationInForceIsKept() throws IOException {
        writeFile("[resource]\nexclude = \"test1,node9\"\n");
        int line = (int) original.lines().count() + 2;

        Result reload = owner.run("config", "reload");

        assertEquals(1, reload.exitCode(), reload::toString);
        assertEquals("canopy: " + instance.configFile() + ":" + line + ": resource.exclude: unknown host(s) node9: not in "
                + "bootstrap.hosts (name only hosts listed in bootstrap.hosts (or ranks 0-2)); nothing was changed: the "
                + "configuration in force is kept", reload.stderr().strip());
        assertEquals("", ok("config", "get", "resource.exclude").stdout().strip());
        assertTrue(ok("resource", "status", "-s", "exclude", "-n").stdout().isBlank());

        writeFile("[resource]\nexclud = \"test1\"\n");
        Result typo = owner.run("config", "reload");
        assertEquals(1, typo.exitCode(), typo::toString);
        assertTrue(typo.stderr().contains(":" + line + ": resource.exclud: unknown key in [resource] (valid keys are: "
                + "drain_on_lost, exclude, undrain_on_return, reboot_command, health_check, health_check_timeout, "
                + "reboot_timeout)"), typo::toString);
    }

    @Test
    void keysThatNeedARestartAreListedAndKeptAsTheyAre() throws IOException {
        Files.writeString(instance.configFile(), original.replace("lost_timeout = \"3000ms\"", "lost_timeout = \"9s\""));

        Result reload = ok("config", "reload");

        assertTrue(reload.stdout().contains("applied nothing (no runtime key changed)"), reload::toString);
        assertEquals("canopy: changed, but in force only when the brokers start again: tbon.lost_timeout",
                reload.stderr().strip());
        assertEquals("3s", ok("config", "get", "tbon.lost_timeout").stdout().strip());
    }

    @Test
    void followerNoopDoesNothingOnAFollowerAndReloadsOnTheLeader() throws IOException {
        writeFile("[resource]\ndrain_on_lost = true\n");

        Result follower = instance.cli(1).run("config", "reload", "--follower-noop");
        assertEquals(0, follower.exitCode(), follower::toString);
        assertEquals("false", ok("config", "get", "resource.drain_on_lost").stdout().strip());

        Result leader = ok("config", "reload", "--follower-noop");
        assertTrue(leader.stdout().contains("applied resource.drain_on_lost"), leader::toString);
        assertEquals("true", ok("config", "get", "resource.drain_on_lost").stdout().strip());
    }
}
