package io.canopy.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.canopy.message.Errno;
import io.canopy.message.Message;
import io.canopy.message.MessageType;
import io.canopy.message.NodeId;
import io.canopy.message.Role;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class MessageCodecRoundTripTest {
    private final MessageCodec codec = new MessageCodec();

    static Stream<Message> messages() {
        List<String> longRoute = new ArrayList<>();
        for (int i = 0; i < MessageCodec.MAX_ROUTE; i++) {
            longRoute.add("c" + i);
        }
        byte[] payload = {(byte) 0x81, (byte) 0xa4, 'n', 'a', 'm', 'e', (byte) 0xa5, 'w', 'o', 'r', 'l', 'd'};
        return Stream.of(
                Message.request("broker.ping", NodeId.ANY, 1, new byte[0]),
                Message.request("broker.ping", NodeId.UPSTREAM, 2, payload),
                Message.request("hello.greet", 7, Long.MAX_VALUE, payload),
                Message.request("hello.greet", Integer.MAX_VALUE, Long.MIN_VALUE, payload),
                Message.request("hello.greet", 0, 0xFFFF_FFFFL + 1, payload)
                        .withFlags(Message.FLAG_NORESPONSE),
                Message.request("sched.alloc", 3, 42, payload)
                        .withCredentials(1000, Role.USER | Role.LOCAL)
                        .pushRoute("c1").pushRoute("module-sched"),
                Message.request("sched.alloc", 3, 42, payload).response(payload)
                        .withFlags(Message.FLAG_STREAMING),
                Message.request("job.wait", 0, 9, payload).withCredentials(0, Role.OWNER | Role.LOCAL)
                        .errorResponse(Errno.ENOENT, "no such job ƒ12 — ✓ unicode"),
                Message.request("job.wait", 0, 9, payload).errorResponse(Errno.EPERM, ""),
                Message.event("heartbeat.pulse", payload).withSeq(Long.MAX_VALUE),
                Message.event("x", new byte[0]).withSeq(1),
                Message.control("heartbeat", new byte[0]),
                Message.request("broker.ping", NodeId.ANY, 5, payload).withFlags(-1)
                        .withCredentials(Message.USERID_UNKNOWN, -1),
                new Message(MessageType.RESPONSE, 3, "t".repeat(MessageCodec.MAX_STRING), -123456,
                        -1, Integer.MIN_VALUE, 0, Integer.MAX_VALUE, "e".repeat(MessageCodec.MAX_STRING),
                        -5, longRoute, new byte[100_000]));
    }

    @ParameterizedTest
    @MethodSource("messages")
    void headerAndPayloadFramesRoundTrip(Message m) throws CodecException {
        Message back = codec.decode(codec.encodeHeader(m), m.payload());

        assertEquals(m, back);
        assertEqualFieldByField(m, back);
    }

    @ParameterizedTest
    @MethodSource("messages")
    void envelopeRoundTrips(Message m) throws CodecException {
        ByteBuffer env = codec.encodeEnvelope(m);
        byte[] all = new byte[env.remaining()];
        env.get(all);

        int announced = ByteBuffer.wrap(all).getInt();
        assertEquals(all.length - 4, codec.checkEnvelopeLength(announced));
        byte[] header = codec.encodeHeader(m);
        assertEquals(header.length, ByteBuffer.wrap(all, 4, 4).getInt());
        Message back = codec.decodeEnvelope(Arrays.copyOfRange(all, 4, all.length));

        assertEqualFieldByField(m, back);
    }

    @ParameterizedTest
    @EnumSource(MessageType.class)
    void everyKindRoundTrips(MessageType type) throws CodecException {
        Message m = new Message(type, 0, "a.b", NodeId.ANY, 3, 1, Role.LOCAL, 0, null, 0, List.of(), null);

        Message back = codec.decode(codec.encodeHeader(m), m.payload());

        assertEquals(type, back.type());
        assertEquals(m, back);
    }

    @Test
    void nullErrstrStaysNullAndEmptyErrstrStaysEmpty() throws CodecException {
        Message ok = Message.request("a.b", 0, 1, null).response(null);
        Message empty = ok.errorResponse(Errno.EIO, "");

        assertNull(codec.decode(codec.encodeHeader(ok), new byte[0]).errstr());
        assertEquals("", codec.decode(codec.encodeHeader(empty), new byte[0]).errstr());
    }

    @Test
    void specialNodeidsTravelAsNegativeIntegers() throws CodecException {
        for (int nodeid : new int[] {NodeId.ANY, NodeId.UPSTREAM}) {
            Message back = codec.decode(codec.encodeHeader(Message.request("a.b", nodeid, 1, null)), new byte[0]);
            assertEquals(nodeid, back.nodeid());
        }
    }

    @Test
    void anErrstrOverTheLimitIsCutSoThatTheResponseStillDecodes() throws CodecException {
        // Two-byte characters, so the cut falls in the middle of one unless the encoder takes care.
        String text = "too long: " + "\u00e9".repeat(MessageCodec.MAX_STRING);
        Message m = Message.request("a.b", 0, 1, null).errorResponse(Errno.EINVAL, text);

        String back = codec.decode(codec.encodeHeader(m), new byte[0]).errstr();

        int bytes = back.getBytes(StandardCharsets.UTF_8).length;
        assertTrue(bytes <= MessageCodec.MAX_STRING && bytes > MessageCodec.MAX_STRING - 8, "cut to " + bytes);
        assertTrue(back.startsWith("too long: \u00e9\u00e9"), back);
        assertTrue(back.endsWith("\u00e9\u2026"), back);
    }

    @Test
    void anErrstrOfExactlyTheLimitIsKept() throws CodecException {
        String text = "\u20ac".repeat(MessageCodec.MAX_STRING / 3) + "x".repeat(MessageCodec.MAX_STRING % 3);
        Message m = Message.request("a.b", 0, 1, null).errorResponse(Errno.EINVAL, text);

        assertEquals(text, codec.decode(codec.encodeHeader(m), new byte[0]).errstr());
    }

    @Test
    void payloadIsCarriedAsOpaqueBytes() throws CodecException {
        byte[] notMsgpack = "\u00c1\u00c1 not msgpack".getBytes(StandardCharsets.ISO_8859_1);
        Message m = Message.request("a.b", 0, 1, notMsgpack);

        ByteBuffer env = codec.encodeEnvelope(m);
        env.getInt();
        byte[] body = new byte[env.remaining()];
        env.get(body);

        assertArrayEquals(notMsgpack, codec.decodeEnvelope(body).payload());
        assertArrayEquals(notMsgpack, codec.decode(codec.encodeHeader(m), notMsgpack).payload());
    }

    private static void assertEqualFieldByField(Message want, Message got) {
        assertEquals(want.type(), got.type(), "type");
        assertEquals(want.flags(), got.flags(), "flags");
        assertEquals(want.topic(), got.topic(), "topic");
        assertEquals(want.nodeid(), got.nodeid(), "nodeid");
        assertEquals(want.matchtag(), got.matchtag(), "matchtag");
        assertEquals(want.userid(), got.userid(), "userid");
        assertEquals(want.rolemask(), got.rolemask(), "rolemask");
        assertEquals(want.errnum(), got.errnum(), "errnum");
        assertEquals(want.errstr(), got.errstr(), "errstr");
        assertEquals(want.seq(), got.seq(), "seq");
        assertEquals(want.route(), got.route(), "route");
        assertArrayEquals(want.payload(), got.payload(), "payload");
    }
}
