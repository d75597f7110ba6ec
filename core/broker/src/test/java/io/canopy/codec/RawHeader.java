package io.canopy.codec;

import io.canopy.message.Message;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * A header frame written element by element with bare msgpack-core, so tests can make headers the
 * codec itself never writes: another version, bad magic, missing or extra fields, a field of the
 * wrong type. Elements are Java values ({@code Integer}, {@code Long}, {@code String}, {@code null},
 * {@code Boolean}, {@code Double}, {@code byte[]}, {@code List}, {@code Map}) or {@link Raw} bytes spliced in as is.
 */
final class RawHeader {
    /** Bytes written into the header unchanged, e.g. a msgpack marker the packer would not write. */
    record Raw(byte[] bytes) {}

    private final List<Object> elements;

    private RawHeader(List<Object> elements) {
        this.elements = elements;
    }

    /** The thirteen version-1 elements of {@code m}, in wire order. */
    static RawHeader of(Message m) {
        return new RawHeader(new ArrayList<>(Arrays.asList(MessageCodec.MAGIC, Message.PROTOCOL_VERSION,
                m.type().code(), m.flags(), m.topic(), m.nodeid(), m.matchtag(), m.userid(),
                m.rolemask(), m.errnum(), m.errstr(), m.seq(), new ArrayList<Object>(m.route()))));
    }

    int size() {
        return elements.size();
    }

    RawHeader set(int index, Object value) {
        elements.set(index, value);
        return this;
    }

    RawHeader append(Object value) {
        elements.add(value);
        return this;
    }

    RawHeader truncate(int size) {
        elements.subList(size, elements.size()).clear();
        return this;
    }

    byte[] bytes() {
        return bytes(elements.size());
    }

    /** The elements under an array header announcing {@code announced} of them. */
    byte[] bytes(int announced) {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packArrayHeader(announced);
            for (Object e : elements) {
                pack(p, e);
            }
            return p.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An envelope (with its 4-byte length prefix) carrying these elements and {@code payload}. */
    byte[] envelope(byte[] payload) {
        byte[] header = bytes();
        return ByteBuffer.allocate(8 + header.length + payload.length)
                .putInt(4 + header.length + payload.length).putInt(header.length)
                .put(header).put(payload).array();
    }

    static void pack(MessageBufferPacker p, Object e) throws IOException {
        if (e == null) {
            p.packNil();
        } else if (e instanceof Integer i) {
            p.packInt(i);
        } else if (e instanceof Long l) {
            p.packLong(l);
        } else if (e instanceof String s) {
            p.packString(s);
        } else if (e instanceof Boolean b) {
            p.packBoolean(b);
        } else if (e instanceof Double d) {
            p.packDouble(d);
        } else if (e instanceof byte[] b) {
            p.packBinaryHeader(b.length).writePayload(b);
        } else if (e instanceof List<?> list) {
            p.packArrayHeader(list.size());
            for (Object o : list) {
                pack(p, o);
            }
        } else if (e instanceof java.util.Map<?, ?> map) {
            p.packMapHeader(map.size());
            for (java.util.Map.Entry<?, ?> entry : map.entrySet()) {
                pack(p, entry.getKey());
                pack(p, entry.getValue());
            }
        } else if (e instanceof Raw r) {
            p.writePayload(r.bytes());
        } else {
            throw new IllegalArgumentException("cannot pack " + e.getClass());
        }
    }
}
