package io.canopy.module;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * An event delivered to a subscriber.
 *
 * @param topic   the event name, e.g. {@code heartbeat.pulse}
 * @param seq     the instance-wide sequence number the leader assigned (gaps mean lost events)
 * @param payload the MessagePack body
 */
public record Event(String topic, long seq, byte[] payload) {

    /** The body mapped to {@code type}. */
    public <T> T payload(Class<T> type) throws RpcException {
        return Payloads.decode(payload, type);
    }

    /** The body as a tree. */
    public JsonNode payloadTree() throws RpcException {
        return Payloads.tree(payload);
    }
}
