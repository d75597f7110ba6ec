package io.canopy.tools.launch;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.canopy.broker.Broker;
import io.canopy.broker.BrokerConfig;
import io.canopy.broker.BrokerState;
import io.canopy.broker.LogRing;
import io.canopy.local.PeerCredentials;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A JVM's brokers: one that exits leaves the others running; the host is done when the last has exited. */
@Timeout(60)
class BrokerHostTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void aBrokerThatExitsLeavesTheOthersAndTheLastEndsTheHost(@TempDir Path dir) throws Exception {
        BrokerHost host = new BrokerHost(WAIT);
        AtomicInteger closed = new AtomicInteger();
        Broker a = started(dir.resolve("a"));
        Broker b = started(dir.resolve("b"));
        host.add(a, closed::incrementAndGet);
        host.add(b, closed::incrementAndGet);
        CompletableFuture<Integer> done = CompletableFuture.supplyAsync(() -> {
            try {
                return host.awaitAll();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        a.kill("test");
        await().atMost(WAIT).until(() -> closed.get() == 1);
        await().during(Duration.ofSeconds(1)).atMost(WAIT).until(() -> !done.isDone());
        assertEquals(BrokerState.RUN, b.state());
        assertTrue(Files.exists(dir.resolve("b/local")));
        assertFalse(Files.exists(dir.resolve("a/local")));
        host.shutdownAll("test done");
        assertEquals(0, done.get());
        assertEquals(2, closed.get());
    }

    private static Broker started(Path rundir) throws Exception {
        Files.createDirectories(rundir);
        Broker broker = new Broker(BrokerConfig.single("test", rundir, PeerCredentials.currentUid())
                .withModules(List.of()), LogRing.NONE);
        broker.start();
        await().atMost(WAIT).until(() -> broker.state() == BrokerState.RUN);
        return broker;
    }
}
