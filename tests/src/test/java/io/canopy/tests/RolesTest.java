package io.canopy.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.canopy.local.PeerCredentials;
import io.canopy.tests.harness.BrokerFixture;
import io.canopy.tests.harness.Cli;
import io.canopy.tests.harness.Cli.Result;
import io.canopy.tests.harness.Repo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the local socket lets each uid do: the broker runs as root (the owner); {@code bin/canopy}
 * runs as {@code nobody} through setpriv and gets the user role, decided by the broker from
 * SO_PEERCRED. Needs root and setpriv, and a checkout that nobody can read; skipped otherwise.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RolesTest {
    private static BrokerFixture broker;
    private static Cli owner;
    private static Cli nobody;

    @BeforeAll
    static void startBrokerAndLoadHello() throws IOException {
        assumeTrue(PeerCredentials.currentUid() == 0,
                "RolesTest switches to user nobody with setpriv, which needs root; this runs as uid "
                        + PeerCredentials.currentUid());
        assumeTrue(Cli.plain().exec(List.of("sh", "-c", "command -v setpriv")).exitCode() == 0,
                "RolesTest needs setpriv on the PATH (Debian package util-linux)");
        Cli plainNobody = Cli.plain().asNobody();
        for (Path p : List.of(Repo.canopy(), Repo.root().resolve("tools/target/canopy.jar"), Repo.helloJar())) {
            assumeTrue(plainNobody.exec(List.of("test", "-r", p.toString())).exitCode() == 0,
                    "RolesTest runs bin/canopy as nobody, who cannot read " + p + "; use a checkout outside "
                            + "private directories (every directory on the way needs o+x)");
        }
        broker = BrokerFixture.start();
        owner = broker.cli();
        nobody = owner.asNobody();
        Result load = owner.run("module", "load", Repo.helloJar().toString());
        assertEquals(0, load.exitCode(), load::toString);
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void userMayReadUptime() {
        Result r = nobody.run("uptime");

        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.stdout().contains(" run "), r::toString);
    }

    @Test
    void userMayNotLoadModules() {
        Result r = nobody.run("module", "load", Repo.helloJar().toString());

        assertEquals(1, r.exitCode(), r::toString);
        assertEquals("canopy: permission denied: owner role required for module.load", r.stderr().strip());
    }

    @Test
    void userMayNotReadTheBrokerLog() {
        Result r = nobody.run("dmesg");

        assertEquals(1, r.exitCode(), r::toString);
        assertEquals("canopy: permission denied: owner role required for broker.dmesg", r.stderr().strip());
    }

    @Test
    void userMayCallATopicTheModuleOpensToUsers() {
        Result r = nobody.run("rpc", "hello.greet", "{\"name\":\"nobody\"}");

        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("Hello, nobody!", r.json().path("greeting").asText(), r::toString);
    }

    @Test
    void ownerReadsTheBrokerLogWhereDenialsAreRecorded() {
        String uid = nobody.exec(List.of("id", "-u")).stdout().strip();
        assertEquals(1, nobody.run("module", "remove", "hello").exitCode());

        Result dmesg = owner.run("dmesg");

        assertEquals(0, dmesg.exitCode(), dmesg::toString);
        assertTrue(dmesg.stdout().contains("denied module.remove to uid " + uid), dmesg::toString);
    }
}
