package io.canopy.module;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.canopy.message.Errno;
import java.io.IOException;
import org.msgpack.jackson.dataformat.MessagePackFactory;

/**
 * Maps payloads between Java values and MessagePack with one shared Jackson mapper, so every module
 * and tool writes bodies the same way. Records, maps, lists and {@link JsonNode} trees all work.
 */
public final class Payloads {
    private static final ObjectMapper MAPPER = new ObjectMapper(new MessagePackFactory())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static final byte[] EMPTY = new byte[0];

    private Payloads() {}

    /** {@code value} as MessagePack; {@code null} gives an empty body, a {@code byte[]} is kept as is. */
    public static byte[] encode(Object value) {
        if (value == null) {
            return EMPTY;
        }
        if (value instanceof byte[] raw) {
            return raw;
        }
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot encode " + value.getClass().getName()
                    + " as MessagePack: " + e.getMessage(), e);
        }
    }

    /** {@code body} mapped to {@code type}; an empty body maps to an empty object. */
    public static <T> T decode(byte[] body, Class<T> type) throws RpcException {
        try {
            if (body.length == 0) {
                return MAPPER.treeToValue(JsonNodeFactory.instance.objectNode(), type);
            }
            return MAPPER.readValue(body, type);
        } catch (IOException | RuntimeException e) {
            throw new RpcException(Errno.EPROTO, "malformed payload: expected "
                    + type.getSimpleName() + ": " + firstLine(e.getMessage()), e);
        }
    }

    /** {@code body} as a tree; an empty body is an empty object. */
    public static JsonNode tree(byte[] body) throws RpcException {
        if (body.length == 0) {
            return JsonNodeFactory.instance.objectNode();
        }
        try {
            return MAPPER.readTree(body);
        } catch (IOException | RuntimeException e) {
            throw new RpcException(Errno.EPROTO, "malformed payload: " + firstLine(e.getMessage()), e);
        }
    }

    /** The shared mapper, for callers that need Jackson features directly. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
