package io.canopy.tests.harness;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.client.CanopyClient;
import io.canopy.message.NodeId;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One request over a fresh in-process connection, for the many small questions a test polls with
 * (a broker's state, its overlay view) where starting {@code bin/canopy} each time would be slow.
 */
public final class Rpc {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private Rpc() {}

    /** {@code topic} to {@code nodeid} through the broker at {@code socket}; the answer as JSON. */
    public static JsonNode call(Path socket, String topic, int nodeid, Object body) throws IOException, RpcException {
        try (CanopyClient c = CanopyClient.connect(socket)) {
            return Payloads.tree(c.call(topic, nodeid, body, TIMEOUT).payload());
        }
    }

    /** {@code broker.uptime} of the broker at {@code socket}. */
    public static JsonNode uptime(Path socket) throws IOException, RpcException {
        return call(socket, "broker.uptime", NodeId.ANY, null);
    }

    /** {@code overlay.status} of the broker at {@code socket}. */
    public static JsonNode overlay(Path socket) throws IOException, RpcException {
        return call(socket, "overlay.status", NodeId.ANY, null);
    }

    /** The state the broker at {@code socket} reports, or why it cannot be asked. */
    public static String state(Path socket) {
        try {
            return uptime(socket).path("state").asText();
        } catch (IOException | RpcException e) {
            return "unreachable: " + e.getMessage();
        }
    }

    /** What {@code parent}'s overlay.status says of its child {@code rank} ("?" if it cannot be asked). */
    public static String childStatus(Path parentSocket, int rank) {
        try {
            for (JsonNode c : overlay(parentSocket).path("children")) {
                if (c.path("rank").asInt() == rank) {
                    return c.path("status").asText();
                }
            }
            return "not a child";
        } catch (IOException | RpcException e) {
            return "?: " + e.getMessage();
        }
    }
}
