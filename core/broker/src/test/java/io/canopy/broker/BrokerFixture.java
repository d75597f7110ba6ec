package io.canopy.broker;

import static org.awaitility.Awaitility.await;

import io.canopy.client.CanopyClient;
import io.canopy.local.PeerCredentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** An in-process broker on a real local socket in a temporary directory, for unit tests. */
final class BrokerFixture implements AutoCloseable {
    final Path rundir;
    final Broker broker;
    final MemoryStateKeeper keeper = new MemoryStateKeeper();

    BrokerFixture(List<String> modules) throws IOException {
        rundir = Files.createTempDirectory("canopy-test-");
        BrokerConfig config = BrokerConfig.single("test0", rundir, PeerCredentials.currentUid()).withModules(modules);
        broker = new Broker(config, LogRing.NONE, keeper, null);
        broker.start();
    }

    BrokerFixture awaitRun() {
        await().atMost(Duration.ofSeconds(10)).until(() -> broker.state() == BrokerState.RUN);
        return this;
    }

    CanopyClient client() throws IOException {
        return CanopyClient.connect(rundir.resolve("local"));
    }

    @Override
    public void close() throws java.io.IOException, InterruptedException {
        broker.shutdown("test done");
        broker.awaitExit(Duration.ofSeconds(10));
        try (Stream<Path> s = Files.walk(rundir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
