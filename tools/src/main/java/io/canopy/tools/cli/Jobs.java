package io.canopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.client.CanopyClient;
import io.canopy.module.RpcException;
import java.util.Map;

/** The job commands' calls to job-manager, which runs on the leader (any broker routes there). */
final class Jobs {
    static final int LEADER = 0;

    private Jobs() {}

    static JsonNode call(CanopyClient client, String method, Map<String, Object> body) throws RpcException {
        return Json.tree(client.call("job-manager." + method, LEADER, body, null).payload());
    }

    static JsonNode info(CanopyClient client, long id) throws RpcException {
        return call(client, "info", Map.of("id", id));
    }
}
