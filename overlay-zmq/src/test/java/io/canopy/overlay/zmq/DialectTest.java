package io.canopy.overlay.zmq;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.codec.MessageCodec;
import io.canopy.message.Message;
import io.canopy.module.Payloads;
import io.canopy.overlay.Dialect;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * Brokers of different releases as neighbours: each says its dialect and software in hello and
 * hello-ok; one release apart they join (the previous release says neither, and is dialect 1),
 * further apart the newer side refuses, naming both versions, and reports the refusal for
 * {@code canopy overlay errors}, whichever side it is on.
 */
@Timeout(60)
class DialectTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static ZmqOverlay overlay(int rank, int port) {
        FanoutTopology t = new FanoutTopology(rank, 2, 2);
        String uri = "tcp://127.0.0.1:" + port;
        Duration k = Duration.ofMillis(200);
        return new ZmqOverlay(new OverlaySettings(t, rank == 0 ? uri : null, rank == 0 ? null : uri, k,
                k.multipliedBy(4), k.multipliedBy(8), null, "i1"), MessageCodec.DEFAULT_MAX_FRAME);
    }

    /** A raw child's hello (with {@code extra} fields), answered by the parent. */
    private static JsonNode[] hello(int port, Map<String, Object> extra) throws Exception {
        Frames frames = new Frames(new MessageCodec());
        try (ZContext ctx = new ZContext(1)) {
            ZMQ.Socket s = ctx.createSocket(SocketType.DEALER);
            s.setHandshakeIvl(Frames.HANDSHAKE_IVL_MS);
            s.setIdentity("r1-raw".getBytes(StandardCharsets.UTF_8));
            s.connect("tcp://127.0.0.1:" + port);
            java.util.Map<String, Object> body = new java.util.LinkedHashMap<>(Map.of("rank", 1, "host", "test1",
                    "version", Message.PROTOCOL_VERSION, "instance", "i1", "uuid", "raw"));
            body.putAll(extra);
            s.setReceiveTimeOut(500);
            Message[] answer = new Message[1];
            await().pollInSameThread().atMost(WAIT).until(() -> {
                frames.send(s, null, Frames.control(Control.HELLO, body));
                byte[] f = s.recv(0);
                if (f != null) {
                    answer[0] = frames.decode(f);
                }
                return answer[0] != null;
            });
            return new JsonNode[] {Payloads.mapper().valueToTree(answer[0].topic()), Payloads.tree(answer[0].payload())};
        }
    }

    @Test
    void aChildOfThePreviousReleaseJoinsAndHearsTheParentsDialect() throws Exception {
        int port = freePort();
        RecordingListener parentSide = new RecordingListener();
        try (ZmqOverlay parent = overlay(0, port)) {
            parent.start(parentSide);
            JsonNode[] answer = hello(port, Map.of()); // no dialect, no software: the previous release

            assertEquals(Control.HELLO_OK, answer[0].asText());
            assertEquals(Dialect.CURRENT, answer[1].path("dialect").asInt());
            assertEquals(Dialect.software(), answer[1].path("software").asText());
            assertTrue(parentSide.refused.isEmpty(), parentSide.refused::toString);
        }
    }

    @Test
    void aChildTwoReleasesAheadIsRefusedNamingBothVersions() throws Exception {
        int port = freePort();
        RecordingListener parentSide = new RecordingListener();
        try (ZmqOverlay parent = overlay(0, port)) {
            parent.start(parentSide);
            int far = Dialect.CURRENT + 2;
            JsonNode[] answer = hello(port, Map.of("dialect", far, "software", "canopy 0.4.0 (protocol 1, dialect "
                    + far + ")"));

            assertEquals(Control.HELLO_REFUSED, answer[0].asText());
            assertFalse(answer[1].path("retry").asBoolean(true));
            String reason = answer[1].path("reason").asText();
            assertTrue(reason.startsWith("test1 (rank 1) runs canopy 0.4.0 (protocol 1, dialect " + far + "); this broker "
                    + "runs " + Dialect.software()), reason);
            assertTrue(reason.endsWith("update this broker one release at a time"), reason);
            await().atMost(WAIT).until(() -> parentSide.refused.contains("test1 (rank 1): " + reason));
        }
    }

    @Test
    void aChildRefusesAParentTwoReleasesBehindAndSaysSo() throws Exception {
        int port = freePort();
        RecordingListener childSide = new RecordingListener();
        Frames frames = new Frames(new MessageCodec());
        try (ZContext ctx = new ZContext(1); ZmqOverlay child = overlay(1, port)) {
            ZMQ.Socket router = ctx.createSocket(SocketType.ROUTER);
            router.setHandshakeIvl(Frames.HANDSHAKE_IVL_MS);
            router.bind("tcp://127.0.0.1:" + port);
            router.setReceiveTimeOut(500);
            child.start(childSide);
            int old = Dialect.CURRENT - 2;
            await().pollInSameThread().atMost(WAIT).until(() -> {
                byte[] id = router.recv(0);
                byte[] frame = id == null ? null : router.recv(0);
                if (frame == null || !frames.decode(frame).topic().equals(Control.HELLO)) {
                    return false;
                }
                frames.send(router, id, Frames.control(Control.HELLO_OK, Map.of("state", "run", "rank", 0,
                        "dialect", old, "software", "canopy 0.0.1 (protocol 1, dialect " + old + ")")));
                return true;
            });

            await().atMost(WAIT).until(() -> !childSide.refused.isEmpty());
            String refusal = childSide.refused.get(0);
            assertTrue(refusal.startsWith("test0 (rank 0): parent test0 (rank 0) runs canopy 0.0.1 (protocol 1, dialect "
                    + old + "); this broker runs " + Dialect.software()), refusal);
            assertTrue(refusal.endsWith("update parent test0 (rank 0) one release at a time"), refusal);
            assertFalse(childSide.parentUp, "it did not join");
        }
    }
}
