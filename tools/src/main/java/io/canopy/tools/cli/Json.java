package io.canopy.tools.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;

/** JSON for the command line: what users type becomes MessagePack, what brokers answer becomes JSON. */
final class Json {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {}

    /** MessagePack bytes of a JSON text; an error names what is wrong with it. */
    static byte[] toMsgpack(String json) {
        if (json == null || json.isBlank()) {
            return new byte[0];
        }
        try {
            return Payloads.encode(JSON.readTree(json));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("payload is not valid JSON: " + e.getOriginalMessage());
        }
    }

    /** A MessagePack body as compact JSON. */
    static String fromMsgpack(byte[] body) throws RpcException {
        return write(Payloads.tree(body), false);
    }

    static String write(Object value, boolean pretty) {
        try {
            return (pretty ? PRETTY : JSON).writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
        }
    }

    static JsonNode tree(byte[] body) throws RpcException {
        return Payloads.tree(body);
    }
}
