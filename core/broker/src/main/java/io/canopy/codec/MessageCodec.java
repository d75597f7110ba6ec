package io.canopy.codec;

import io.canopy.message.Message;
import io.canopy.message.MessageType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;

/**
 * Encodes and decodes {@link Message}s in the wire format of {@code docs/wire-protocol.md}: a header
 * (a MessagePack array) and a payload (opaque bytes), which travel together: in one length-prefixed
 * envelope over a byte stream such as the local socket, in one frame over ZeroMQ.
 *
 * <p>Decoding arbitrary bytes never throws anything but {@link CodecException}; anything longer than
 * the configured maximum is refused before it is allocated. Instances are immutable and thread-safe.
 */
public final class MessageCodec {
    /** First element of every header, so stray bytes are told apart from an old or new version. */
    public static final int MAGIC = 0x43;
    /** Number of header elements in protocol version 1; later minor additions append elements. */
    public static final int HEADER_FIELDS = 13;
    /** The default largest envelope accepted: 64 MiB, room for a checkpoint of 100,000 jobs. */
    public static final int DEFAULT_MAX_FRAME = 64 * 1024 * 1024;
    /** Longest topic, error string or route hop accepted. */
    public static final int MAX_STRING = 4096;
    /** Most hops a route may hold. */
    public static final int MAX_ROUTE = 256;
    /** Bytes of the envelope prefix: total length and header length, each a big-endian u32. */
    public static final int ENVELOPE_PREFIX = 8;
    /**
     * Packs headers into a 256-byte first buffer, grown as needed: a typical header is under 100
     * bytes, and msgpack's default first buffer (8 KiB, allocated and zeroed for every message) was
     * most of the cost of encoding one.
     */
    private static final MessagePack.PackerConfig PACKER = new MessagePack.PackerConfig().withBufferSize(256);
    /** What ends an error string cut to {@link #MAX_STRING} bytes; three bytes of UTF-8. */
    private static final String ELLIPSIS = "\u2026";

    private final int maxFrameSize;

    public MessageCodec() {
        this(DEFAULT_MAX_FRAME);
    }

    /** A codec refusing envelopes (header plus payload) larger than {@code maxFrameSize} bytes. */
    public MessageCodec(int maxFrameSize) {
        if (maxFrameSize < 64) {
            throw new IllegalArgumentException("max frame size " + maxFrameSize + " is below 64 bytes");
        }
        this.maxFrameSize = maxFrameSize;
    }

    public int maxFrameSize() {
        return maxFrameSize;
    }

    /** The header frame of {@code m}. */
    public byte[] encodeHeader(Message m) {
        try (MessageBufferPacker p = PACKER.newBufferPacker()) {
            packHeader(p, m);
            return p.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("packing into memory failed", e);
        }
    }

    /**
     * {@code m} as one envelope for a byte stream: total length (u32, excluding itself), header
     * length (u32), header, payload.
     *
     * @throws CodecException when the envelope would exceed the maximum frame size
     */
    public ByteBuffer encodeEnvelope(Message m) throws CodecException {
        byte[] header = encodeHeader(m);
        long body = 4L + header.length + m.payload().length;
        if (body > maxFrameSize) {
            throw new CodecException("message of " + body + " bytes exceeds the maximum frame size of "
                    + maxFrameSize + " bytes");
        }
        return putFrame(ByteBuffer.allocate((int) body + 4).putInt((int) body), header, m.payload()).flip();
    }

    /**
     * {@code m} as one ZeroMQ frame: an envelope without its total-length prefix (ZeroMQ frames
     * carry their own length), read back with {@link #decodeEnvelope}. One frame per message, not a
     * header frame and a payload frame, because CURVE seals and opens every frame separately and
     * that fixed cost dominates small messages.
     */
    public byte[] encodeFrame(Message m) {
        byte[] header = encodeHeader(m);
        byte[] payload = m.payload();
        return putFrame(ByteBuffer.allocate(4 + header.length + payload.length), header, payload).array();
    }

    /** Header length (u32), header, payload: the body shared by envelopes and ZeroMQ frames. */
    private static ByteBuffer putFrame(ByteBuffer buf, byte[] header, byte[] payload) {
        return buf.putInt(header.length).put(header).put(payload);
    }

    /**
     * Checks an envelope's announced length (the first u32) before its body is read.
     *
     * @throws CodecException when it is negative, too short, or over the maximum
     */
    public int checkEnvelopeLength(int announced) throws CodecException {
        if (announced < 4 || announced > maxFrameSize) {
            throw new CodecException("frame length " + Integer.toUnsignedString(announced)
                    + " is outside 4.." + maxFrameSize + " bytes");
        }
        return announced;
    }

    /** Decodes an envelope body (everything after the total-length prefix), or a ZeroMQ frame. */
    public Message decodeEnvelope(byte[] body) throws CodecException {
        return decodeEnvelope(body, 0, body.length);
    }

    /** Decodes the envelope body in {@code buf[off, off + len)}: one message of a batch, say. */
    public Message decodeEnvelope(byte[] buf, int off, int len) throws CodecException {
        checkEnvelopeLength(len);
        int headerLength = ByteBuffer.wrap(buf, off, 4).getInt();
        if (headerLength < 1 || headerLength > len - 4) {
            throw new CodecException("header length " + Integer.toUnsignedString(headerLength)
                    + " does not fit in a frame of " + len + " bytes");
        }
        byte[] payload = new byte[len - 4 - headerLength];
        System.arraycopy(buf, off + 4 + headerLength, payload, 0, payload.length);
        return decode(buf, off + 4, headerLength, payload);
    }

    /** Decodes a message from its header frame and payload frame. */
    public Message decode(byte[] header, byte[] payload) throws CodecException {
        if (header.length + (long) payload.length > maxFrameSize) {
            throw new CodecException("message of " + (header.length + (long) payload.length)
                    + " bytes exceeds the maximum frame size of " + maxFrameSize + " bytes");
        }
        return decode(header, 0, header.length, payload);
    }

    private Message decode(byte[] buf, int off, int len, byte[] payload) throws CodecException {
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(buf, off, len)) {
            Message m = unpackHeader(u, payload);
            if (u.hasNext()) {
                throw new CodecException("trailing bytes after the header");
            }
            return m;
        } catch (CodecException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new CodecException("malformed header: " + e.getMessage(), e);
        }
    }

    private static void packHeader(MessageBufferPacker p, Message m) throws IOException {
        p.packArrayHeader(HEADER_FIELDS);
        p.packInt(MAGIC);
        p.packInt(Message.PROTOCOL_VERSION);
        p.packInt(m.type().code());
        p.packInt(m.flags());
        p.packString(m.topic());
        p.packInt(m.nodeid());
        p.packLong(m.matchtag());
        p.packInt(m.userid());
        p.packInt(m.rolemask());
        p.packInt(m.errnum());
        if (m.errstr() == null) {
            p.packNil();
        } else {
            p.packString(clip(m.errstr()));
        }
        p.packLong(m.seq());
        p.packArrayHeader(m.route().size());
        for (String hop : m.route()) {
            p.packString(hop);
        }
    }

    /**
     * {@code errstr} cut to at most {@link #MAX_STRING} bytes of UTF-8, at a character boundary and
     * marked with an ellipsis: every decoder refuses a longer one, and a long error text must not
     * make its whole response undeliverable.
     */
    private static String clip(String errstr) {
        if (errstr.length() <= MAX_STRING / 3) {
            return errstr; // at most three UTF-8 bytes per char: it fits
        }
        byte[] utf8 = errstr.getBytes(StandardCharsets.UTF_8);
        if (utf8.length <= MAX_STRING) {
            return errstr;
        }
        int end = MAX_STRING - 3;
        while ((utf8[end] & 0xC0) == 0x80) {
            end--; // utf8[end] continues the character before it: keep neither
        }
        return new String(utf8, 0, end, StandardCharsets.UTF_8) + ELLIPSIS;
    }

    private static Message unpackHeader(MessageUnpacker u, byte[] payload) throws IOException, CodecException {
        expect(u, ValueType.ARRAY, "header");
        int fields = u.unpackArrayHeader();
        if (fields < 2) {
            throw new CodecException("header has " + fields + " fields, expected " + HEADER_FIELDS);
        }
        int magic = unpackInt(u, "magic");
        if (magic != MAGIC) {
            throw new CodecException("bad magic 0x" + Integer.toHexString(magic) + ": not a Canopy message");
        }
        int version = unpackInt(u, "version");
        if (version != Message.PROTOCOL_VERSION) {
            throw new CodecException("unsupported protocol version " + version + " (this broker speaks "
                    + Message.PROTOCOL_VERSION + ")");
        }
        if (fields < HEADER_FIELDS) {
            throw new CodecException("header has " + fields + " fields, expected " + HEADER_FIELDS);
        }
        int typeCode = unpackInt(u, "type");
        MessageType type = MessageType.fromCode(typeCode);
        if (type == null) {
            throw new CodecException("unknown message type " + typeCode);
        }
        int flags = unpackInt(u, "flags");
        String topic = unpackString(u, "topic");
        int nodeid = unpackInt(u, "nodeid");
        long matchtag = unpackLong(u, "matchtag");
        int userid = unpackInt(u, "userid");
        int rolemask = unpackInt(u, "rolemask");
        int errnum = unpackInt(u, "errnum");
        String errstr = null;
        if (u.getNextFormat() == MessageFormat.NIL) {
            u.unpackNil();
        } else {
            errstr = unpackString(u, "errstr");
        }
        long seq = unpackLong(u, "seq");
        expect(u, ValueType.ARRAY, "route");
        int hops = u.unpackArrayHeader();
        if (hops > MAX_ROUTE) {
            throw new CodecException("route of " + hops + " hops exceeds " + MAX_ROUTE);
        }
        List<String> route = new ArrayList<>(hops);
        for (int i = 0; i < hops; i++) {
            route.add(unpackString(u, "route hop"));
        }
        for (int i = HEADER_FIELDS; i < fields; i++) {
            u.skipValue(); // fields a newer minor revision appended
        }
        return new Message(type, flags, topic, nodeid, matchtag, userid, rolemask, errnum, errstr,
                seq, route, payload);
    }

    private static void expect(MessageUnpacker u, ValueType want, String what) throws IOException, CodecException {
        if (!u.hasNext()) {
            throw new CodecException("header ends before " + what);
        }
        ValueType got = u.getNextFormat().getValueType();
        if (got != want) {
            throw new CodecException(what + " is " + got.name().toLowerCase() + ", expected "
                    + want.name().toLowerCase());
        }
    }

    private static int unpackInt(MessageUnpacker u, String what) throws IOException, CodecException {
        expect(u, ValueType.INTEGER, what);
        long v = u.unpackLong();
        if (v < Integer.MIN_VALUE || v > 0xFFFF_FFFFL) {
            throw new CodecException(what + " " + v + " does not fit in 32 bits");
        }
        return (int) v;
    }

    private static long unpackLong(MessageUnpacker u, String what) throws IOException, CodecException {
        expect(u, ValueType.INTEGER, what);
        return u.unpackLong();
    }

    private static String unpackString(MessageUnpacker u, String what) throws IOException, CodecException {
        expect(u, ValueType.STRING, what);
        int n = u.unpackRawStringHeader();
        if (n > MAX_STRING) {
            throw new CodecException(what + " of " + n + " bytes exceeds " + MAX_STRING);
        }
        byte[] utf8 = u.readPayload(n);
        String s = new String(utf8, StandardCharsets.UTF_8);
        // Malformed input decodes to U+FFFD; only then is the strict (slower) check needed.
        if (s.indexOf('\uFFFD') >= 0 && !isUtf8(utf8)) {
            throw new CodecException(what + " is not valid UTF-8");
        }
        return s;
    }

    private static boolean isUtf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
