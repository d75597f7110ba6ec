package io.canopy.tests;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.client.CanopyClient;
import io.canopy.message.Message;
import io.canopy.message.NodeId;
import io.canopy.module.Payloads;
import io.canopy.tests.harness.BrokerFixture;
import io.canopy.tests.harness.Cli.Result;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A thousand clients at once: each is served, and when they go the broker forgets them and their
 * subscriptions. They are real {@link CanopyClient}s, each with its reader thread: a thousand
 * mostly idle threads are cheap, and the clients are then exactly what tools use.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ManyClientsTest {
    private static final int CLIENTS = 1_000;
    private static final int SUBSCRIBER_EVERY = 10;
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static BrokerFixture broker;

    @BeforeAll
    static void startBroker() throws IOException {
        broker = BrokerFixture.start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void thousandClientsAreServedAndForgottenWhenTheyLeave() throws Exception {
        List<CanopyClient> clients = new ArrayList<>(CLIENTS);
        AtomicInteger eventsSeen = new AtomicInteger();
        try (CanopyClient observer = broker.connect()) {
            // The broker and its modules hold subscriptions of their own; count the clients' on top.
            int own = stats(observer).path("subscriptions").asInt();
            baseline = own;
            try {
                for (int i = 0; i < CLIENTS; i++) {
                    clients.add(broker.connect());
                }
                List<CompletableFuture<Message>> pings = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++) {
                    pings.add(clients.get(i).send("broker.ping", NodeId.ANY, Map.of("client", i)));
                }
                for (int i = 0; i < CLIENTS; i++) {
                    Message pong = pings.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS);
                    assertEquals(i, Payloads.tree(pong.payload()).path("client").asInt(-1));
                }
                int subscribers = 0;
                for (int i = 0; i < CLIENTS; i += SUBSCRIBER_EVERY, subscribers++) {
                    clients.get(i).onEvent(e -> eventsSeen.incrementAndGet());
                    clients.get(i).call("event.subscribe", NodeId.ANY, Map.of("topic", "x."), WAIT);
                }

                Result stats = broker.cli().run("rpc", "broker.stats");
                assertTrue(stats.json().path("clients").asInt() >= CLIENTS, stats::toString);
                assertEquals(own + subscribers, stats.json().path("subscriptions").asInt(), stats::toString);

                // The subscriptions are live: each subscriber gets one event under x.
                observer.call("event.publish", NodeId.ANY, Map.of("topic", "x.hello"), WAIT);
                int expected = subscribers;
                await("every subscriber gets x.hello").atMost(WAIT).until(() -> eventsSeen.get() == expected);
            } finally {
                clients.forEach(CanopyClient::close);
            }

            await("the broker forgets the closed clients").atMost(WAIT).pollInterval(Duration.ofMillis(100))
                    .until(() -> isClean(stats(observer)));
        }
        Result stats = broker.cli().run("rpc", "broker.stats");
        assertTrue(isClean(stats.json()), stats::toString);
    }

    private static JsonNode stats(CanopyClient c) throws Exception {
        return Payloads.tree(c.call("broker.stats", NodeId.ANY, null, WAIT).payload());
    }

    /** Subscriptions the broker and its modules hold themselves. */
    private static int baseline;

    /** At most the observer and one CLI call connected, and no client subscription left. */
    private static boolean isClean(JsonNode stats) {
        return stats.path("clients").asInt() <= 2 && stats.path("subscriptions").asInt() == baseline;
    }
}
