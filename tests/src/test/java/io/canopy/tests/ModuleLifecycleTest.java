package io.canopy.tests;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.canopy.tests.harness.BrokerFixture;
import io.canopy.tests.harness.Cli;
import io.canopy.tests.harness.Cli.Result;
import io.canopy.tests.harness.ModuleJar;
import io.canopy.tests.harness.Repo;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loading, using and removing modules with {@code canopy module} on a real broker: the example
 * hello module from its jar, and modules built here that fail on purpose, which must take nothing
 * but themselves down.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ModuleLifecycleTest {
    private static final String HELLO = Repo.helloJar().toString();

    /** Serves faulty.boom, whose handler throws. */
    private static final String THROWS_IN_HANDLER = """
            import io.canopy.module.*;
            public class FaultyModule implements BrokerModule {
                public String name() { return "faulty"; }
                public void start(ModuleContext ctx) {
                    ctx.serve("faulty.boom", Access.USER, request -> { throw new RuntimeException("boom on purpose"); });
                }
            }
            """;

    /** Throws from start, after serving a topic. */
    private static final String THROWS_IN_START = """
            import io.canopy.module.*;
            public class BadStartModule implements BrokerModule {
                public String name() { return "badstart"; }
                public void start(ModuleContext ctx) {
                    ctx.serve("badstart.hello", Access.USER, request -> request.respond(null));
                    throw new IllegalStateException("start fails on purpose");
                }
            }
            """;

    private static BrokerFixture broker;
    private static Cli cli;

    @TempDir
    static Path jars;

    @BeforeAll
    static void startBroker() throws IOException {
        broker = BrokerFixture.start();
        cli = broker.cli();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    /** Every test starts with hello unloaded (its checkpoint, like the broker, lives on). */
    @AfterEach
    void removeHello() {
        Result r = cli.run("module", "remove", "hello");
        assertTrue(r.exitCode() == 0 || r.stderr().startsWith("canopy: module hello is not loaded"), r::toString);
    }

    @Test
    void loadedHelloIsListedAndAnswersGreetAndPing() {
        Result load = cli.run("module", "load", HELLO);
        assertEquals(0, load.exitCode(), load::toString);
        assertEquals("loaded hello", load.stdout().strip());

        Result list = cli.run("module", "list");
        assertTrue(list.lines().stream().anyMatch(l -> l.startsWith("hello ") && l.contains(" running ")),
                list::toString);

        Result greet = cli.run("rpc", "hello.greet", "{\"name\":\"x\"}");
        assertEquals(0, greet.exitCode(), greet::toString);
        assertEquals("Hello, x!", greet.json().path("greeting").asText(), greet::toString);

        Result ping = cli.run("ping", "hello");
        assertEquals(0, ping.exitCode(), ping::toString);
        assertTrue(ping.stdout().startsWith("hello.ping "), ping::toString);
    }

    @Test
    void loadingAModuleTwiceFailsAsAlreadyLoaded() {
        assertEquals(0, cli.run("module", "load", HELLO).exitCode());

        Result again = cli.run("module", "load", HELLO);

        assertEquals(1, again.exitCode(), again::toString);
        assertTrue(again.stderr().startsWith("canopy: module hello is already loaded"), again::toString);
        assertEquals(0, cli.run("rpc", "hello.greet", "{\"name\":\"still\"}").exitCode());
    }

    @Test
    void removedModuleNoLongerServesItsTopics() {
        assertEquals(0, cli.run("module", "load", HELLO).exitCode());

        Result remove = cli.run("module", "remove", "hello");

        assertEquals(0, remove.exitCode(), remove::toString);
        assertEquals("removed hello", remove.stdout().strip());
        Result greet = cli.run("rpc", "hello.greet", "{\"name\":\"x\"}");
        assertEquals(1, greet.exitCode(), greet::toString);
        assertTrue(greet.stderr().startsWith("canopy: no service 'hello'"), greet::toString);
        assertFalse(cli.run("module", "list").stdout().contains("\nhello "));
    }

    @Test
    void greetingCountSurvivesRemoveAndLoad() {
        assertEquals(0, cli.run("module", "load", HELLO).exitCode());
        long first = greetCount();
        assertEquals(first + 1, greetCount());

        assertEquals(0, cli.run("module", "remove", "hello").exitCode());
        assertEquals(0, cli.run("module", "load", HELLO).exitCode());

        assertEquals(first + 2, greetCount());
    }

    @Test
    void loadArgumentsConfigureTheModule() {
        assertEquals(0, cli.run("module", "load", HELLO, "salutation=Hi").exitCode());

        Result greet = cli.run("rpc", "hello.greet", "{\"name\":\"x\"}");

        assertEquals("Hi, x!", greet.json().path("greeting").asText(), greet::toString);
    }

    @Test
    void loadingAJarThatDoesNotExistFailsNamingIt() {
        String missing = jars.resolve("no-such-module.jar").toString();

        Result r = cli.run("module", "load", missing);

        assertEquals(2, r.exitCode(), r::toString);
        assertEquals("canopy: module jar " + missing + " does not exist", r.stderr().strip());
    }

    @Test
    void removingAModuleThatIsNotLoadedFailsNamingIt() {
        Result r = cli.run("module", "remove", "nosuch");

        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.stderr().startsWith("canopy: module nosuch is not loaded"), r::toString);
    }

    @Test
    void moduleThatThrowsInAHandlerIsUnloadedAndTheBrokerLivesOn() throws IOException {
        Path jar = ModuleJar.build(jars, "FaultyModule", THROWS_IN_HANDLER);
        assertEquals(0, cli.run("module", "load", jar.toString()).exitCode());

        Result boom = cli.run("rpc", "faulty.boom");

        assertEquals(1, boom.exitCode(), boom::toString);
        assertTrue(boom.stderr().startsWith("canopy: module faulty failed handling faulty.boom"), boom::toString);
        await("faulty leaves the module list").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> !cli.run("module", "list").stdout().contains("\nfaulty "));
        Result after = cli.run("rpc", "faulty.boom");
        assertTrue(after.stderr().startsWith("canopy: no service 'faulty'"), after::toString);
        Result dmesg = cli.run("dmesg");
        assertTrue(dmesg.stdout().contains("module faulty threw java.lang.RuntimeException: boom on purpose "
                + "and is being unloaded; the broker carries on"), dmesg::toString);
        assertBrokerServes();
    }

    @Test
    void moduleWhoseStartThrowsFailsToLoadAndTheBrokerLivesOn() throws IOException {
        Path jar = ModuleJar.build(jars, "BadStartModule", THROWS_IN_START);

        Result load = cli.run("module", "load", jar.toString());

        assertEquals(1, load.exitCode(), load::toString);
        assertTrue(load.stderr().startsWith("canopy: module badstart failed to start: "
                + "java.lang.IllegalStateException: start fails on purpose"), load::toString);
        assertFalse(cli.run("module", "list").stdout().contains("\nbadstart "));
        Result hello = cli.run("rpc", "badstart.hello");
        assertTrue(hello.stderr().startsWith("canopy: no service 'badstart'"), hello::toString);
        assertBrokerServes();
    }

    private static long greetCount() {
        Result r = cli.run("rpc", "hello.greet", "{\"name\":\"count\"}");
        assertEquals(0, r.exitCode(), r::toString);
        return r.json().path("count").asLong();
    }

    private static void assertBrokerServes() {
        Result ping = cli.run("ping", "broker");
        assertEquals(0, ping.exitCode(), ping::toString);
        assertTrue(broker.isAlive(), broker::logTail);
    }
}
