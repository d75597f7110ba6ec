package io.canopy.tools.launch;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.canopy.broker.BrokerState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What systemd is told: READY=1 when the broker has started (in join, as flux-core: starting a
 * compute node never waits for its parent), the state on every change, STOPPING=1 from cleanup on.
 */
class SystemdNotifierTest {
    @Test
    void readyAtStartStateOnEveryChangeAndStoppingWhenItShutsDown() {
        SystemdNotifier n = new SystemdNotifier("systemd-notify", 42);

        assertEquals(List.of("--pid=42", "--ready", "--status=broker state join"), n.arguments(BrokerState.JOIN, true));
        assertEquals(List.of("--pid=42", "--status=broker state run"), n.arguments(BrokerState.RUN, false));
        assertEquals(List.of("--pid=42", "--status=broker state cleanup", "STOPPING=1"),
                n.arguments(BrokerState.CLEANUP, false));
    }

    @Test
    void withoutANotifySocketThereIsNothingToTell() {
        assertNull(SystemdNotifier.fromEnvironment(Map.of()));
        assertEquals("systemd-notify", SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", "/run/x")) == null ? null
                : "systemd-notify");
    }

    @Test
    void readyIsRepeatedUntilTheBrokerStopsAndNotAfter(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("told");
        Path fake = dir.resolve("fake-notify");
        Files.writeString(fake, "#!/bin/sh\necho \"$*\" >> " + log + "\n");
        fake.toFile().setExecutable(true);
        Supplier<Long> readies = () -> {
            try {
                return Files.exists(log)
                        ? Files.readAllLines(log).stream().filter(l -> l.contains("--ready")).count() : 0L;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        Duration wait = Duration.ofSeconds(10);

        SystemdNotifier running = new SystemdNotifier(fake.toString(), 42,
                List.of(Duration.ofMillis(100), Duration.ofMillis(200)));
        running.started(BrokerState.JOIN);
        await().atMost(wait).until(() -> readies.get() == 3L);

        Files.delete(log);
        SystemdNotifier stopping = new SystemdNotifier(fake.toString(), 42, List.of(Duration.ofMillis(300)));
        stopping.started(BrokerState.JOIN);
        stopping.changed(BrokerState.RUN);
        stopping.changed(BrokerState.CLEANUP);
        await().atMost(wait).until(() -> Files.exists(log)
                && Files.readAllLines(log).stream().anyMatch(l -> l.contains("STOPPING=1")));
        await().during(Duration.ofMillis(800)).atMost(wait).until(() -> readies.get() == 1L);
    }
}
