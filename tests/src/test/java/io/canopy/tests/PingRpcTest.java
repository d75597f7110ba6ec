package io.canopy.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.canopy.tests.harness.BrokerFixture;
import io.canopy.tests.harness.Cli;
import io.canopy.tests.harness.Cli.Result;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code canopy ping} and {@code canopy rpc} against a real broker, and how they fail. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PingRpcTest {
    private static BrokerFixture broker;
    private static Cli cli;

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

    @Test
    void pingPrintsOneTimedLinePerRoundTrip() {
        Result r = cli.run("ping", "--count", "3", "broker");

        assertEquals(0, r.exitCode(), r::toString);
        List<String> pings = r.lines().stream().filter(l -> l.contains("time=")).toList();
        assertEquals(3, pings.size(), r::toString);
        assertTrue(pings.stream().allMatch(l -> l.startsWith("broker.ping ")), r::toString);
    }

    @Test
    void rpcBrokerPingEchoesThePayload() throws IOException {
        Result r = cli.run("rpc", "broker.ping", "{\"x\":1}");

        assertEquals(0, r.exitCode(), r::toString);
        assertEquals(new ObjectMapper().readTree("{\"x\":1}"), r.json(), r::toString);
    }

    @Test
    void rpcToAnUnknownServiceFailsNamingTheService() {
        Result r = cli.run("rpc", "nosuch.method");

        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.stderr().startsWith("canopy: ") && r.stderr().contains("'nosuch'"), r::toString);
    }

    @Test
    void rpcWithAPayloadThatIsNotJsonIsAUsageError() {
        Result r = cli.run("rpc", "broker.ping", "{\"x\":");

        assertEquals(2, r.exitCode(), r::toString);
        assertTrue(r.stderr().startsWith("canopy: payload is not valid JSON"), r::toString);
    }

    @Test
    void uriOfAMissingSocketNamesThePathAndWhatToCheck(@TempDir Path empty) {
        Path socket = empty.resolve("local");

        // CANOPY_URI names the live broker: --uri must win over it.
        Result r = cli.run("rpc", "--uri", "local://" + socket, "broker.ping");

        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.stderr().startsWith("canopy: cannot connect to broker at " + socket + ": no such socket"),
                r::toString);
        assertTrue(r.stderr().contains("is a broker running there? Check CANOPY_URI or --uri"), r::toString);
    }

    @Test
    void uriGivenBeforeTheCommandChoosesTheBroker(@TempDir Path empty) {
        Path missing = empty.resolve("local");
        // The environment names a missing socket, so only a --uri before the command can reach the broker.
        Result r = Cli.plain().withEnv("CANOPY_URI", "local://" + missing).run("--uri", broker.uri(), "uptime", "--json");

        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("run", r.json().path("state").asText(), r::toString);
        Result bad = Cli.plain().run("--uri=local://" + missing, "module", "list");
        assertEquals(1, bad.exitCode(), bad::toString);
        assertTrue(bad.stderr().contains(missing.toString()), bad::toString);
    }

    @Test
    void rpcToARankOutsideTheInstanceSaysThereIsNoRoute() {
        Result r = cli.run("rpc", "--rank", "5", "broker.ping");

        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.stderr().startsWith("canopy: no route to rank 5"), r::toString);
    }
}
