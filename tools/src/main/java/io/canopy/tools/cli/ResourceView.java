package io.canopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.client.CanopyClient;
import io.canopy.idset.Hostlist;
import io.canopy.module.RpcException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code resource.status} fetched once and grouped the way the resource commands print it. */
final class ResourceView {
    /** Rows of one group: a state (and for drains, one reason) with its hosts. */
    record Group(String state, boolean up, String reason, String user, List<String> hosts, List<Integer> ranks,
            double time) {}

    /**
     * Where the resource commands send their requests: the resource module keeps its state on the
     * leader and is idle on other ranks, where a request for any rank would find its service but
     * not its methods. Every broker routes a request for rank 0 up to the leader.
     */
    static final int LEADER = 0;

    final JsonNode body;

    ResourceView(CanopyClient client) throws RpcException {
        this.body = Json.tree(client.call("resource.status", LEADER, null, null).payload());
    }

    /**
     * The state a person reads: {@code exclude} for nodes that never run jobs, then
     * drained/draining, else avail/torpid/lost/offline.
     */
    static String state(JsonNode n) {
        if (n.path("excluded").asBoolean(false)) {
            return "exclude";
        }
        JsonNode d = n.path("drain");
        if (!d.isNull() && !d.isMissingNode()) {
            return d.path("state").asText("drained");
        }
        String s = n.path("state").asText();
        return s.equals("online") ? "avail" : s;
    }

    List<Group> groups() {
        Map<String, Group> groups = new LinkedHashMap<>();
        for (String order : ResourceFormat.STATES) {
            for (JsonNode n : body.path("nodes")) {
                if (!state(n).equals(order)) {
                    continue;
                }
                String reason = n.path("drain").path("reason").asText(null);
                String key = order + "\u0000" + (reason == null ? "" : reason);
                Group g = groups.computeIfAbsent(key, k -> new Group(order, n.path("state").asText().equals("online"),
                        reason, n.path("drain").path("user").asText(""), new ArrayList<>(), new ArrayList<>(),
                        n.path("drain").path("time").asDouble(0)));
                g.hosts().add(n.path("host").asText());
                g.ranks().add(n.path("rank").asInt());
            }
        }
        return new ArrayList<>(groups.values());
    }

    static String hostlist(List<String> hosts) {
        return Hostlist.compress(hosts);
    }
}
