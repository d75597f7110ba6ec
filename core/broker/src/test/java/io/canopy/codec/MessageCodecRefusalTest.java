package io.canopy.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.canopy.message.Message;
import io.canopy.message.NodeId;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MessageCodecRefusalTest {
    private static final int MAX = 1024;
    private final MessageCodec codec = new MessageCodec(MAX);
    private final Message ping = Message.request("broker.ping", NodeId.ANY, 7, new byte[] {(byte) 0x80});

    @Test
    void encodingAMessageOverTheMaximumIsRefused() throws CodecException {
        byte[] header = codec.encodeHeader(ping);
        int fits = MAX - 4 - header.length;
        assertEquals(MAX, codec.encodeEnvelope(Message.request("broker.ping", NodeId.ANY, 7, new byte[fits]))
                .getInt(0));

        CodecException e = assertThrows(CodecException.class,
                () -> codec.encodeEnvelope(Message.request("broker.ping", NodeId.ANY, 7, new byte[fits + 1])));
        assertTrue(e.getMessage().contains("exceeds the maximum frame size of " + MAX), e.getMessage());
    }

    @Test
    void decodingFramesOverTheMaximumIsRefused() throws CodecException {
        byte[] header = codec.encodeHeader(ping);

        assertThrows(CodecException.class, () -> codec.decode(header, new byte[MAX]));
        byte[] body = new byte[MAX + 1];
        ByteBuffer.wrap(body).putInt(header.length).put(header);
        CodecException e = assertThrows(CodecException.class, () -> codec.decodeEnvelope(body));
        assertTrue(e.getMessage().contains("outside 4.." + MAX), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {MAX + 1, Integer.MAX_VALUE, -1, Integer.MIN_VALUE, 0, 3})
    void announcedLengthsOutsideTheLimitsAreRefusedBeforeAllocation(int announced) {
        CodecException e = assertThrows(CodecException.class, () -> codec.checkEnvelopeLength(announced));
        assertTrue(e.getMessage().contains(Integer.toUnsignedString(announced)), e.getMessage());
    }

    @Test
    void announcedLengthsWithinTheLimitsAreAccepted() throws CodecException {
        assertEquals(4, codec.checkEnvelopeLength(4));
        assertEquals(MAX, codec.checkEnvelopeLength(MAX));
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 0, 1_000_000, Integer.MIN_VALUE, Integer.MAX_VALUE})
    void envelopeHeaderLengthsThatDoNotFitAreRefused(int headerLength) throws CodecException {
        byte[] header = codec.encodeHeader(ping);
        byte[] body = ByteBuffer.allocate(4 + header.length).putInt(headerLength).put(header).array();

        CodecException e = assertThrows(CodecException.class, () -> codec.decodeEnvelope(body));
        assertTrue(e.getMessage().contains("header length"), e.getMessage());
    }

    @Test
    void anotherProtocolVersionIsRefusedSayingSo() {
        for (int version : new int[] {0, 2, 255}) {
            byte[] header = RawHeader.of(ping).set(1, version).bytes();
            CodecException e = assertThrows(CodecException.class, () -> codec.decode(header, new byte[0]));
            assertTrue(e.getMessage().contains("unsupported protocol version " + version), e.getMessage());
        }
    }

    @Test
    void aFutureVersionWithFewerFieldsStillGetsTheVersionMessage() {
        byte[] header = RawHeader.of(ping).set(1, 2).truncate(3).bytes();

        CodecException e = assertThrows(CodecException.class, () -> codec.decode(header, new byte[0]));
        assertTrue(e.getMessage().contains("unsupported protocol version 2"), e.getMessage());
    }

    @Test
    void badMagicIsRefusedSayingSo() {
        byte[] header = RawHeader.of(ping).set(0, 0x46).bytes();

        CodecException e = assertThrows(CodecException.class, () -> codec.decode(header, new byte[0]));
        assertTrue(e.getMessage().contains("bad magic 0x46"), e.getMessage());
    }

    @Test
    void bytesThatAreNotAHeaderArrayAreRefused() {
        CodecException e = assertThrows(CodecException.class,
                () -> codec.decode("GET / HTTP/1.1".getBytes(java.nio.charset.StandardCharsets.US_ASCII), new byte[0]));
        assertTrue(e.getMessage().contains("header is"), e.getMessage());
        assertThrows(CodecException.class, () -> codec.decode(new byte[0], new byte[0]));
    }

    @Test
    void fieldsAppendedByANewerMinorRevisionAreSkipped() throws CodecException {
        Message m = ping.pushRoute("c1").withSeq(9);
        byte[] header = RawHeader.of(m)
                .append("new-string-field")
                .append(List.of(1, List.of("nested", 2L), Map.of("k", 1)))
                .append(null)
                .append(3.5)
                .append(new byte[] {1, 2, 3})
                .append(true)
                .bytes();

        assertEquals(m, codec.decode(header, m.payload()));
        byte[] body = ByteBuffer.allocate(4 + header.length + m.payload().length)
                .putInt(header.length).put(header).put(m.payload()).array();
        assertEquals(m, codec.decodeEnvelope(body));
    }

    @Test
    void missingFieldsAreRefused() {
        for (int size = 0; size < MessageCodec.HEADER_FIELDS; size++) {
            byte[] header = RawHeader.of(ping).truncate(size).bytes();
            assertThrows(CodecException.class, () -> codec.decode(header, new byte[0]), "size " + size);
        }
    }

    @Test
    void anArrayHeaderAnnouncingMoreFieldsThanFollowIsRefused() {
        byte[] header = RawHeader.of(ping).bytes(MessageCodec.HEADER_FIELDS + 1);

        assertThrows(CodecException.class, () -> codec.decode(header, new byte[0]));
    }

    @Test
    void trailingBytesAfterTheHeaderArrayAreRefused() {
        byte[] header = codec.encodeHeader(ping);
        byte[] longer = Arrays.copyOf(header, header.length + 1);

        CodecException e = assertThrows(CodecException.class, () -> codec.decode(longer, new byte[0]));
        assertTrue(e.getMessage().contains("trailing"), e.getMessage());
    }

    @Test
    void fieldsOfTheWrongTypeAreRefusedNamingTheField() {
        String[] names = {"magic", "version", "type", "flags", "topic", "nodeid", "matchtag", "userid",
            "rolemask", "errnum", "errstr", "seq", "route"};
        for (int i = 0; i < names.length; i++) {
            byte[] header = RawHeader.of(ping).set(i, 1.5).bytes();
            CodecException e = assertThrows(CodecException.class, () -> codec.decode(header, new byte[0]));
            assertTrue(e.getMessage().contains(names[i]), names[i] + ": " + e.getMessage());
        }
    }

    @Test
    void unknownMessageTypesAreRefused() {
        for (int type : new int[] {0, 3, 5, 16, -1}) {
            byte[] header = RawHeader.of(ping).set(2, type).bytes();
            CodecException e = assertThrows(CodecException.class, () -> codec.decode(header, new byte[0]));
            assertTrue(e.getMessage().contains("unknown message type " + type), e.getMessage());
        }
    }

    @Test
    void integersWiderThan32BitsAreRefusedWhereTheFieldIs32Bits() {
        byte[] header = RawHeader.of(ping).set(5, 1L << 33).bytes();

        CodecException e = assertThrows(CodecException.class, () -> codec.decode(header, new byte[0]));
        assertTrue(e.getMessage().contains("nodeid"), e.getMessage());
    }

    @Test
    void integersOutsideSigned64BitsAreRefused() {
        byte[] uint64Max = {(byte) 0xcf, -1, -1, -1, -1, -1, -1, -1, -1};
        byte[] header = RawHeader.of(ping).set(6, new RawHeader.Raw(uint64Max)).bytes();

        assertThrows(CodecException.class, () -> codec.decode(header, new byte[0]));
    }

    @Test
    void stringsAndRoutesOverTheLimitsAreRefused() {
        String big = "x".repeat(MessageCodec.MAX_STRING + 1);
        MessageCodec roomy = new MessageCodec();
        assertThrows(CodecException.class, () -> roomy.decode(RawHeader.of(ping).set(4, big).bytes(), new byte[0]));
        assertThrows(CodecException.class, () -> roomy.decode(RawHeader.of(ping).set(10, big).bytes(), new byte[0]));
        assertThrows(CodecException.class,
                () -> roomy.decode(RawHeader.of(ping).set(12, List.of(big)).bytes(), new byte[0]));
        List<Object> hops = java.util.Collections.nCopies(MessageCodec.MAX_ROUTE + 1, "c1");
        CodecException e = assertThrows(CodecException.class,
                () -> roomy.decode(RawHeader.of(ping).set(12, hops).bytes(), new byte[0]));
        assertTrue(e.getMessage().contains("route of 257 hops"), e.getMessage());
    }

    @Test
    void stringsThatAreNotUtf8AreRefused() {
        byte[] str8 = {(byte) 0xa4, 'a', (byte) 0xff, (byte) 0xfe, '.'};
        byte[] surrogate = {(byte) 0xa3, (byte) 0xed, (byte) 0xa0, (byte) 0x80};
        for (int field : new int[] {4, 10}) {
            for (byte[] bad : List.of(str8, surrogate)) {
                byte[] header = RawHeader.of(ping).set(field, new RawHeader.Raw(bad)).bytes();
                CodecException e = assertThrows(CodecException.class, () -> codec.decode(header, new byte[0]));
                assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
            }
        }
    }

    @Test
    void theReplacementCharacterItselfIsValid() throws CodecException {
        byte[] header = RawHeader.of(ping).set(4, "broker.\uFFFD").bytes();

        assertEquals("broker.\uFFFD", codec.decode(header, new byte[0]).topic());
    }

    @Test
    void aNilErrstrDecodesAsNull() throws CodecException {
        assertNull(codec.decode(RawHeader.of(ping).set(10, null).bytes(), new byte[0]).errstr());
    }

    @Test
    void maximumsBelow64BytesAreRejectedAtConstruction() {
        assertThrows(IllegalArgumentException.class, () -> new MessageCodec(63));
    }
}
