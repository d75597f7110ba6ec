package io.canopy.tests.tbon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.canopy.tests.harness.Cli;
import io.canopy.tests.harness.Cli.Result;
import io.canopy.tests.harness.InstanceToml;
import io.canopy.tests.harness.Rpc;
import io.canopy.tests.harness.Signals;
import io.canopy.tools.launch.TestInstance;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Sixteen real brokers (fanout 4) packed eight to a JVM ({@code canopy broker --ranks}): the tree and
 * jobs work across the two JVMs, each broker keeps its own log, one broker killed alone vanishes
 * while its JVM's others run on and then comes back, {@code kill -9} of a JVM loses exactly its
 * ranks, and {@code canopy shutdown} ends every JVM. The tests build on each other, in order.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PackedBrokersTest {
    private static final int SIZE = 16;
    private static final int PER_JVM = 8;
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static TestInstance instance;

    @BeforeAll
    static void startInstance() throws IOException {
        instance = TestInstance.start(TestInstance.Options.of(SIZE).fanout(4).brokersPerProcess(PER_JVM)
                .timeout(Duration.ofSeconds(120)).heartbeats(InstanceToml.KEEPALIVE, InstanceToml.TORPID, InstanceToml.LOST));
    }

    @AfterAll
    static void stopInstance() {
        if (instance != null) {
            instance.close();
        }
    }

    private static int parentOf(int rank) {
        return (rank - 1) / 4;
    }

    private static Cli owner() {
        return Cli.forUri(instance.uri(0));
    }

    private static void awaitChildStatus(int rank, String status) {
        await("rank " + rank + " " + status + " at its parent").atMost(PATIENCE).pollInterval(Duration.ofMillis(100))
                .until(() -> Rpc.childStatus(instance.socket(parentOf(rank)), rank).equals(status));
    }

    private static long pidOf(int rank) throws Exception {
        return Rpc.uptime(instance.socket(rank)).path("pid").asLong();
    }

    @Test
    @Order(1)
    void sixteenBrokersInTwoJvmsFormOneTreeAndRunAJobOnEveryNode() throws Exception {
        assertEquals(2, instance.processCount());
        for (int r = 0; r < SIZE; r++) {
            assertEquals(instance.process(r / PER_JVM * PER_JVM).pid(), pidOf(r), "rank " + r + " runs in its group's JVM");
        }
        assertNotEquals(pidOf(0), pidOf(PER_JVM));
        Result tree = owner().run("overlay", "status", "--summary");
        assertEquals(List.of("0 test0: full (run)"), tree.lines(), tree::toString);

        Result job = owner().withTimeout(PATIENCE).run("run", "-N", "16", "-n", "16", "sh", "-c", "echo $CANOPY_URI");
        assertEquals(0, job.exitCode(), job::toString);
        Set<String> expected = IntStream.range(0, SIZE).mapToObj(instance::uri).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(expected, new TreeSet<>(job.lines()), "one task on every broker, each with its own CANOPY_URI");
    }

    @Test
    @Order(2)
    void eachPackedBrokerHasItsOwnDmesgAndLogFile() throws Exception {
        int rank = 9;
        Result dmesg = Cli.forUri(instance.uri(rank)).run("dmesg");
        assertEquals(0, dmesg.exitCode(), dmesg::toString);
        assertTrue(dmesg.stdout().contains("broker rank 9 of 16 starting"), dmesg::toString);
        for (int other : List.of(8, 10)) {
            assertFalse(dmesg.stdout().contains("broker rank " + other + " of 16"), dmesg::toString);
        }
        List<String> log = Files.readAllLines(instance.brokerDirectory(rank).resolve("broker.log"));
        assertTrue(log.stream().anyMatch(l -> l.contains("broker rank 9 of 16 starting")), log::toString);
        assertTrue(log.stream().filter(l -> l.matches("^\\d{4}-.*")).allMatch(l -> l.contains(" r9 ")),
                "every line of r9/broker.log names rank 9");
    }

    @Test
    @Order(3)
    void aBrokerKilledAloneIsLostWhileItsJvmRunsOnAndItComesBack() throws Exception {
        int victim = 5;
        Process jvm = instance.process(victim);
        instance.killBroker(victim);
        awaitChildStatus(victim, "lost"); // not "offline": it said no goodbye
        assertTrue(jvm.isAlive(), "the JVM hosting the killed broker runs on");
        for (int r = 0; r < PER_JVM; r++) {
            if (r != victim) {
                assertEquals("run", Rpc.state(instance.socket(r)), "rank " + r + " in the same JVM");
                if (r > 0) {
                    assertEquals("online", Rpc.childStatus(instance.socket(parentOf(r)), r), "rank " + r);
                }
            }
        }

        instance.restart(victim);
        instance.awaitRun(victim, PATIENCE);
        awaitChildStatus(victim, "online");
        assertNotEquals(jvm.pid(), pidOf(victim), "it came back in a JVM of its own");
    }

    @Test
    @Order(4)
    void killingOneJvmLosesExactlyItsRanks() throws Exception {
        Process second = instance.process(PER_JVM);
        Signals.kill9(second);
        for (int r = PER_JVM; r < SIZE; r++) {
            awaitChildStatus(r, "lost");
        }
        for (int r = 1; r < PER_JVM; r++) {
            assertEquals("online", Rpc.childStatus(instance.socket(parentOf(r)), r), "rank " + r);
        }
        Result tree = owner().run("overlay", "status", "--summary");
        assertEquals(List.of("0 test0: degraded (run)"), tree.lines(), tree::toString);

        instance.restart(PER_JVM, SIZE - 1);
        for (int r = PER_JVM; r < SIZE; r++) {
            instance.awaitRun(r, PATIENCE);
            awaitChildStatus(r, "online");
        }
        assertEquals(3, instance.processCount());
    }

    @Test
    @Order(5)
    void shutdownEndsEveryJvm() throws Exception {
        Set<Process> jvms = IntStream.range(0, SIZE).mapToObj(instance::process).collect(Collectors.toSet());
        assertEquals(3, jvms.size());
        Result r = owner().withTimeout(PATIENCE).run("shutdown");
        assertEquals(0, r.exitCode(), r::toString);
        for (Process p : jvms) {
            assertTrue(p.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS), "JVM " + p.pid() + " exits");
            assertEquals(0, p.exitValue(), "JVM " + p.pid() + " exits in order");
        }
    }
}
