package io.canopy.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.client.CanopyClient;
import io.canopy.message.Errno;
import io.canopy.message.Message;
import io.canopy.message.NodeId;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** One in-process broker shared by the tests of routing, modules, events and failures. */
@Timeout(60)
class BrokerTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static BrokerFixture fixture;
    private static CanopyClient client;

    @BeforeAll
    static void start() throws Exception {
        fixture = new BrokerFixture(List.of("echo", "caller")).awaitRun();
        client = fixture.client();
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        fixture.close();
    }

    private static JsonNode call(String topic, Object body) throws RpcException {
        return Payloads.tree(client.call(topic, NodeId.ANY, body, WAIT).payload());
    }

    @Test
    void uptimeReportsRunRankAndSize() throws Exception {
        JsonNode u = call("broker.uptime", null);
        assertEquals("run", u.path("state").asText());
        assertEquals(0, u.path("rank").asInt());
        assertEquals(1, u.path("size").asInt());
        assertTrue(u.path("uptime").asDouble() > 0);
    }

    @Test
    void pingEchoesThePayload() throws Exception {
        assertEquals(7, call("broker.ping", Map.of("seq", 7)).path("seq").asInt());
    }

    @Test
    void unknownServiceIsAnsweredWithEnosysNamingIt() {
        RpcException e = assertThrows(RpcException.class, () -> call("nosuch.thing", null));
        assertEquals(Errno.ENOSYS, e.errnum());
        assertTrue(e.getMessage().contains("no service 'nosuch'"), e.getMessage());
    }

    @Test
    void unknownMethodOfAKnownServiceSaysSo() {
        RpcException e = assertThrows(RpcException.class, () -> call("echo.nosuch", null));
        assertEquals(Errno.ENOSYS, e.errnum());
        assertTrue(e.getMessage().contains("unknown method echo.nosuch"), e.getMessage());
    }

    @Test
    void requestToAnotherRankHasNoRoute() {
        RpcException e = assertThrows(RpcException.class,
                () -> client.call("broker.ping", 3, null, WAIT));
        assertEquals(Errno.EHOSTUNREACH, e.errnum());
        assertTrue(e.getMessage().contains("no route to rank 3"), e.getMessage());
    }

    @Test
    void moduleHandlersRunOnTheModuleThread() throws Exception {
        assertEquals("module-echo", call("echo.thread", null).path("thread").asText());
    }

    @Test
    void moduleAnswersLaterFromATimer() throws Exception {
        assertTrue(call("echo.later", null).path("late").asBoolean());
    }

    @Test
    void modulesCallEachOtherAndCallbacksRunOnTheCallersThread() throws Exception {
        assertEquals("hi", call("caller.relay", Map.of("say", "hi")).path("say").asText());
        assertEquals("module-caller", TestModules.Caller.CALLBACK_THREADS.get(0));
    }

    @Test
    void everyModuleAnswersItsPingAndStats() throws Exception {
        assertEquals(1, call("echo.ping", Map.of("n", 1)).path("n").asInt());
        assertEquals("RUNNING", call("echo.stats-get", null).path("state").asText());
    }

    @Test
    void eventsReachModuleAndClientSubscribersInOrderWithSequenceNumbers() throws Exception {
        List<Message> seen = new CopyOnWriteArrayList<>();
        try (CanopyClient sub = fixture.client()) {
            sub.onEvent(seen::add);
            sub.call("event.subscribe", NodeId.ANY, Map.of("topic", "test."), WAIT);
            for (int i = 0; i < 5; i++) {
                call("caller.publish", Map.of("topic", "test.e" + i));
            }
            call("caller.publish", Map.of("topic", "other.e"));
            await().atMost(WAIT).until(() -> seen.size() >= 5);
            for (int i = 0; i < 5; i++) {
                assertEquals("test.e" + i, seen.get(i).topic());
                if (i > 0) {
                    assertTrue(seen.get(i).seq() > seen.get(i - 1).seq(), "sequence numbers increase");
                }
            }
            await().atMost(WAIT).until(() -> TestModules.Caller.EVENTS.stream()
                    .filter(e -> e.topic().startsWith("test.e")).count() >= 5);
            assertTrue(TestModules.Caller.EVENTS.stream().noneMatch(e -> e.topic().equals("other.e")));
        }
    }

    @Test
    void aClientsSubscriptionsGoWithIt() throws Exception {
        int before = call("broker.stats", null).path("subscriptions").asInt();
        CanopyClient sub = fixture.client();
        sub.call("event.subscribe", NodeId.ANY, Map.of("topic", "gone."), WAIT);
        assertEquals(before + 1, call("broker.stats", null).path("subscriptions").asInt());
        sub.close();
        await().atMost(WAIT).until(() -> call("broker.stats", null).path("subscriptions").asInt() == before);
    }

    @Test
    void moduleThatThrowsIsUnloadedAndTheBrokerLivesOn() throws Exception {
        client.call("module.load", NodeId.ANY, Map.of("path", "faulty"), WAIT);
        RpcException e = assertThrows(RpcException.class, () -> call("faulty.boom", null));
        assertEquals(Errno.EIO, e.errnum());
        assertTrue(e.getMessage().contains("boom"), e.getMessage());
        await().atMost(WAIT).until(() -> !moduleNames().contains("faulty"));
        assertEquals(1, call("broker.ping", Map.of("a", 1)).path("a").asInt());
    }

    @Test
    void moduleWhoseTimerThrowsIsUnloaded() throws Exception {
        await().atMost(WAIT).until(() -> !moduleNames().contains("faulty"));
        client.call("module.load", NodeId.ANY, Map.of("path", "faulty"), WAIT);
        call("faulty.timer-boom", null);
        await().atMost(WAIT).until(() -> !moduleNames().contains("faulty"));
    }

    @Test
    void loadingTwiceIsRefusedAndUnknownNamesAreExplained() {
        RpcException twice = assertThrows(RpcException.class,
                () -> client.call("module.load", NodeId.ANY, Map.of("path", "echo"), WAIT));
        assertEquals(Errno.EEXIST, twice.errnum());
        RpcException unknown = assertThrows(RpcException.class,
                () -> client.call("module.load", NodeId.ANY, Map.of("path", "nope"), WAIT));
        assertEquals(Errno.ENOENT, unknown.errnum());
        assertTrue(unknown.getMessage().contains("built-ins:"), unknown.getMessage());
    }

    @Test
    void checkpointOutlivesAModuleReload() throws Exception {
        client.call("module.load", NodeId.ANY, Map.of("path", "counter"), WAIT);
        call("counter.inc", null);
        call("counter.inc", null);
        client.call("module.remove", NodeId.ANY, Map.of("name", "counter"), WAIT);
        assertFalse(moduleNames().contains("counter"));
        client.call("module.load", NodeId.ANY, Map.of("path", "counter"), WAIT);
        assertEquals(3, call("counter.inc", null).path("count").asInt());
        client.call("module.remove", NodeId.ANY, Map.of("name", "counter"), WAIT);
    }

    private static List<String> moduleNames() throws RpcException {
        List<String> names = new java.util.ArrayList<>();
        call("module.list", null).path("modules").forEach(m -> names.add(m.path("name").asText()));
        return names;
    }
}
