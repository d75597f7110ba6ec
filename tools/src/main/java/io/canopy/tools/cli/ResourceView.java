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
    /**
     * Rows of one group: a state (and for drains, the same drains) with its hosts; {@code source}
     * and {@code reason} list every drain of the group's nodes (a node drained by two sources shows
     * both), {@code jobs} the jobs that keep draining nodes from being drained.
     */
    record Group(String state, boolean up, String source, String reason, String user, List<String> hosts,
            List<Integer> ranks, double time, java.util.TreeSet<Long> jobs) {}

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
                List<JsonNode> drains = drains(n);
                String reasons = drains.isEmpty() ? null : String.join("; ", drains.stream()
                        .map(d -> d.path("reason").asText()).toList());
                String reason = reasons != null && n.path("reboot").isObject() // a reboot in progress: where it stands
                        ? reasons + " [reboot: " + n.path("reboot").path("state").asText() + "]" : reasons;
                String source = String.join(",", drains.stream().map(d -> d.path("source").asText()).toList());
                boolean up = n.path("state").asText().equals("online");
                String key = order + "\u0000" + source + "\u0000" + (reason == null ? "" : reason);
                Group g = groups.computeIfAbsent(key, k -> new Group(order, up, source, reason,
                        n.path("drain").path("user").asText(""), new ArrayList<>(), new ArrayList<>(),
                        n.path("drain").path("time").asDouble(0), new java.util.TreeSet<>()));
                g.hosts().add(n.path("host").asText());
                g.ranks().add(n.path("rank").asInt());
                if (order.equals("draining")) {
                    jobs(n).forEach(g.jobs()::add);
                }
            }
        }
        return new ArrayList<>(groups.values());
    }

    /**
     * A node's drains, each with its source: {@code drains}, or from a leader of the previous
     * release (which has none) its one {@code drain}, whose source is then unknown ({@code -}).
     */
    static List<JsonNode> drains(JsonNode n) {
        List<JsonNode> out = new ArrayList<>();
        if (n.path("drains").isArray()) {
            n.path("drains").forEach(out::add);
        } else if (n.path("drain").isObject()) {
            com.fasterxml.jackson.databind.node.ObjectNode d = n.path("drain").deepCopy();
            d.put("source", "-");
            out.add(d);
        }
        return out;
    }

    /** The jobs running on a node (what keeps a draining node from being drained). */
    static List<Long> jobs(JsonNode n) {
        List<Long> out = new ArrayList<>();
        n.path("jobids").forEach(j -> out.add(j.asLong()));
        return out;
    }

    /** {@code job 42} or {@code jobs 7,9}. */
    static String jobList(java.util.Collection<Long> ids) {
        return (ids.size() == 1 ? "job " : "jobs ") + String.join(",", ids.stream().map(String::valueOf).toList());
    }

    static String hostlist(List<String> hosts) {
        return Hostlist.compress(hosts);
    }
}
