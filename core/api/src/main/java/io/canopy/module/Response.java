package io.canopy.module;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A successful answer to an RPC a module sent. Errors never arrive as a {@code Response}: the future
 * completes exceptionally with {@link RpcException} instead.
 *
 * @param topic   the topic the request was sent to
 * @param payload the MessagePack body
 */
public record Response(String topic, byte[] payload) {

    /** The body mapped to {@code type}. */
    public <T> T payload(Class<T> type) throws RpcException {
        return Payloads.decode(payload, type);
    }

    /** The body as a tree. */
    public JsonNode payloadTree() throws RpcException {
        return Payloads.tree(payload);
    }
}
