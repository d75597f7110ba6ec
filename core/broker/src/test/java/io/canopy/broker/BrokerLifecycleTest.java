package io.canopy.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.canopy.client.CanopyClient;
import io.canopy.message.Errno;
import io.canopy.message.NodeId;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import io.canopy.local.PeerCredentials;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Start and stop: what a broker answers before it runs, and how it winds down. */
@Timeout(60)
class BrokerLifecycleTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void beforeRunOnlyStatusIsAnsweredAndOthersAreToldWhy() throws Exception {
        TestModules.Gate.OPEN = new CountDownLatch(1);
        try (BrokerFixture f = new BrokerFixture(List.of("gate"))) {
            await().atMost(WAIT).until(() -> java.nio.file.Files.exists(f.rundir.resolve("local")));
            try (CanopyClient c = f.client()) {
                assertEquals("init", Payloads.tree(c.call("broker.uptime", NodeId.ANY, null, WAIT).payload())
                        .path("state").asText());
                RpcException e = assertThrows(RpcException.class, () -> c.call("broker.ping", NodeId.ANY, null, WAIT));
                assertEquals(Errno.EAGAIN, e.errnum());
                assertTrue(e.getMessage().startsWith("not ready (state init)"), e.getMessage());
                TestModules.Gate.OPEN.countDown();
                f.awaitRun();
                c.call("broker.ping", NodeId.ANY, null, WAIT);
            }
        }
    }

    @Test
    void shutdownStopsModulesSavesTheirStateAndRemovesTheSocket() throws Exception {
        BrokerFixture f = new BrokerFixture(List.of("counter")).awaitRun();
        try (CanopyClient c = f.client()) {
            c.call("counter.inc", NodeId.ANY, null, WAIT);
        }
        f.broker.shutdown("test");
        assertTrue(f.broker.awaitExit(WAIT));
        assertEquals(BrokerState.EXIT, f.broker.state());
        assertTrue(TestModules.Counter.STOPPED.contains("counter"));
        assertEquals(1L, f.keeper.store().area("counter").get("count", Long.class).orElseThrow());
        assertTrue(!java.nio.file.Files.exists(f.rundir.resolve("local")));
        f.close();
    }

    @Test
    void aSecondBrokerOnTheSameSocketIsRefused() throws Exception {
        try (BrokerFixture f = new BrokerFixture(List.of()).awaitRun()) {
            Broker second = new Broker(f.broker.config(), LogRing.NONE);
            java.io.IOException e = assertThrows(java.io.IOException.class, second::start);
            assertTrue(e.getMessage().contains("already listening"), e.getMessage());
        }
    }

    @Test
    void killVanishesWithoutAGoodbyeOrAStateChange() throws Exception {
        Path rundir = Files.createTempDirectory("canopy-test-");
        FakeOverlay overlay = new FakeOverlay();
        TestModules.Counter.STOPPED.clear();
        Broker broker = new Broker(BrokerConfig.single("test0", rundir, PeerCredentials.currentUid())
                .withModules(List.of("counter")), LogRing.NONE, new MemoryStateKeeper(), overlay);
        broker.start();
        await().atMost(WAIT).until(() -> broker.state() == BrokerState.RUN);
        int announcedBefore = overlay.announced.size();
        try (CanopyClient c = CanopyClient.connect(rundir.resolve("local"))) {
            assertEquals(0, Payloads.tree(c.call("broker.kill", NodeId.ANY, null, WAIT).payload()).path("rank").asInt(-1));
        }
        assertTrue(broker.awaitExit(WAIT));
        assertTrue(overlay.closed, "the overlay's sockets are closed");
        assertEquals(0, overlay.goodbyes, "no goodbye to the parent");
        assertEquals(announcedBefore, overlay.announced.size(), "no state change announced to the children");
        assertEquals(BrokerState.RUN, broker.state());
        assertTrue(!Files.exists(rundir.resolve("local")), "the local socket is gone");
        await().atMost(WAIT).until(() -> TestModules.Counter.STOPPED.contains("counter"));
        Files.delete(rundir);
    }
}
