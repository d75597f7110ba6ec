package io.canopy.mini;

import static io.canopy.mini.MiniInstance.WAIT;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.broker.BrokerState;
import io.canopy.message.Message;
import io.canopy.module.RpcException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Events go down only the branches that subscribe to them (seven brokers, fanout 2: routers 1 and
 * 2 lead leaves 3, 4 and 5, 6): a subscription holds as soon as it is answered, filtering is no
 * loss, and a leaf whose link was down hears how many events it missed.
 */
@Timeout(60)
class EventFilteringTest {
    private static MiniInstance mini;

    @BeforeAll
    static void create() throws Exception {
        mini = new MiniInstance(7, 2, List.of());
        mini.startAll().awaitState(BrokerState.RUN);
    }

    @AfterAll
    static void close() throws Exception {
        mini.close();
    }

    @Test
    void anEventGoesOnlyDownTheBranchThatSubscribes() throws Exception {
        mini.subscribe(4, "filter.");
        long[] gaps = new long[mini.size()];
        for (int r : mini.ranks()) {
            gaps[r] = status(r).path("eventGaps").asLong();
        }
        long sentBy2 = status(2).path("eventsSent").asLong();
        long filteredAt0 = status(0).path("eventsFiltered").asLong();
        publish("filter.a");
        publish("elsewhere.b");
        await().atMost(WAIT).until(() -> topics(4).contains("filter.a"));
        assertEquals(sentBy2, status(2).path("eventsSent").asLong(), "router 2's subtree subscribes to neither");
        assertTrue(status(0).path("eventsFiltered").asLong() >= filteredAt0 + 3,
                "the leader sent filter.a to router 1 only, elsewhere.b to neither");
        assertTrue(topics(3).isEmpty() && !topics(4).contains("elsewhere.b"));
        for (int r : mini.ranks()) {
            assertEquals(gaps[r], status(r).path("eventGaps").asLong(), "rank " + r + ": a filtered event is no gap");
        }
    }

    @Test
    void aSubscriptionAtALeafHoldsAsSoonAsItIsAnswered() throws Exception {
        for (int i = 0; i < 20; i++) { // the report climbs two hops; the publish follows the answer at once
            String topic = "race" + i + ".";
            mini.subscribe(6, topic);
            publish(topic + "x");
        }
        await().atMost(WAIT).until(() -> topics(6).stream().filter(t -> t.startsWith("race")).count() == 20);
    }

    @Test
    void aLeafWhoseLinkWasLostHearsHowManyEventsItMissed() throws Exception {
        mini.subscribe(5, "missed.");
        long before = status(5).path("eventGaps").asLong();
        mini.network().cut(5);
        await().atMost(WAIT).until(() -> mini.childStatus(2, 5).equals("lost"));
        publish("missed.1");
        publish("missed.2");
        publish("unwanted.3");
        mini.network().heal(5);
        mini.awaitState(BrokerState.RUN, 5);
        await().atMost(WAIT).until(() -> status(5).path("eventGaps").asLong() >= before + 2);
        await().during(Duration.ofMillis(300)).atMost(WAIT)
                .until(() -> status(5).path("eventGaps").asLong() == before + 2); // not unwanted.3
    }

    private static JsonNode status(int rank) throws RpcException {
        return mini.call(rank, "overlay.status", null);
    }

    private static void publish(String topic) throws RpcException {
        mini.call(0, "event.publish", Map.of("topic", topic));
    }

    private static List<String> topics(int rank) {
        return mini.events(rank).stream().map(Message::topic).toList();
    }
}
