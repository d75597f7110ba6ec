package io.canopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.client.CanopyClient;
import io.canopy.message.NodeId;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the picture of the tree below one rank by asking each reachable broker for its
 * {@code overlay.status}: a child's status comes from its parent's view, a broker's state from
 * itself. Ranks behind a child that is not online cannot be asked and are shown offline.
 */
final class OverlayWalk {
    /**
     * One rank as drawn. {@code subtree} is the rollup: full, partial, degraded, lost or offline;
     * {@code since} when its parent saw its status change (ms since the epoch; null for the root
     * of the walk); {@code rttMs} the round trip of the {@code overlay.status} asked of it (null
     * when it could not be asked).
     */
    record Node(int rank, String host, String state, String status, String subtree, Integer parent,
            List<Integer> children, String reason, Long since, Double rttMs) {}

    private final CanopyClient client;
    private final Duration rpcTimeout;
    private final Map<Integer, JsonNode> topology = new LinkedHashMap<>();
    private final Map<Integer, Node> nodes = new LinkedHashMap<>();
    private final Map<Integer, JsonNode> answers = new LinkedHashMap<>();
    private final Map<Integer, Double> rtts = new LinkedHashMap<>();
    private String security;

    OverlayWalk(CanopyClient client, Duration rpcTimeout) throws RpcException {
        this.client = client;
        this.rpcTimeout = rpcTimeout;
        JsonNode t = Payloads.tree(client.call("overlay.topology", NodeId.ANY, null, rpcTimeout).payload());
        for (JsonNode r : t.path("ranks")) {
            topology.put(r.path("rank").asInt(), r);
        }
    }

    int size() {
        return topology.size();
    }

    /** The parent of {@code rank} in the configured tree, or -1. */
    int parentOf(int rank) {
        for (Map.Entry<Integer, JsonNode> e : topology.entrySet()) {
            for (JsonNode c : e.getValue().path("children")) {
                if (c.asInt() == rank) {
                    return e.getKey();
                }
            }
        }
        return -1;
    }

    String hostOf(int rank) {
        JsonNode r = topology.get(rank);
        return r == null ? "?" : r.path("host").asText();
    }

    /** Walks the subtree of {@code root}; its own status is what its parent says (online for rank 0). */
    Map<Integer, Node> walk(int root) throws RpcException {
        if (!topology.containsKey(root)) {
            throw new IllegalArgumentException(root + " is not a valid rank in this instance (size " + size() + ")");
        }
        nodes.clear();
        answers.clear();
        rtts.clear();
        String status = "online";
        String reason = null;
        Long since = null;
        int parent = parentOf(root);
        if (parent >= 0) {
            try {
                JsonNode p = status(parent);
                for (JsonNode c : p.path("children")) {
                    if (c.path("rank").asInt() == root) {
                        status = c.path("status").asText();
                        reason = c.path("reason").isNull() ? null : c.path("reason").asText();
                        since = c.path("since").asLong();
                    }
                }
            } catch (RpcException e) {
                status = "unknown";
            }
        }
        visit(root, status, reason, since);
        return nodes;
    }

    /** What each broker asked during the last walk answered to {@code overlay.status}, by rank. */
    Map<Integer, JsonNode> answers() {
        return answers;
    }

    private String visit(int rank, String status, String reason, Long since) {
        List<Integer> children = new ArrayList<>();
        topology.get(rank).path("children").forEach(c -> children.add(c.asInt()));
        String state = "?";
        Map<Integer, String[]> childStatus = new LinkedHashMap<>();
        Map<Integer, Long> childSince = new LinkedHashMap<>();
        if (status.equals("online") || status.equals("torpid")) {
            try {
                JsonNode s = status(rank);
                state = s.path("state").asText();
                for (JsonNode c : s.path("children")) {
                    childStatus.put(c.path("rank").asInt(), new String[] {c.path("status").asText(),
                            c.path("reason").isNull() ? null : c.path("reason").asText()});
                    childSince.put(c.path("rank").asInt(), c.path("since").asLong());
                }
            } catch (RpcException e) {
                reason = e.getMessage();
            }
        }
        String worst = "full";
        for (int c : children) {
            String[] cs = childStatus.getOrDefault(c, new String[] {"offline", "behind rank " + rank});
            String sub = visit(c, cs[0], cs[1], childSince.get(c));
            worst = worse(worst, sub.equals("full") ? "full"
                    : sub.equals("offline") || sub.equals("partial") ? "partial" : "degraded");
        }
        String subtree = switch (status) {
            case "online" -> worst;
            case "torpid" -> "degraded";
            default -> status;
        };
        nodes.put(rank, new Node(rank, hostOf(rank), state, status, subtree, parentOf(rank) < 0 ? null : parentOf(rank),
                children, reason, since, rtts.get(rank)));
        return subtree;
    }

    private static String worse(String a, String b) {
        List<String> order = List.of("full", "partial", "degraded");
        return order.indexOf(b) > order.indexOf(a) ? b : a;
    }

    private JsonNode status(int rank) throws RpcException {
        long t0 = System.nanoTime();
        JsonNode s = Payloads.tree(client.call("overlay.status", rank, null, rpcTimeout).payload());
        rtts.put(rank, (System.nanoTime() - t0) / 1e6);
        answers.put(rank, s);
        if (security == null && s.hasNonNull("security")) {
            security = s.path("security").asText();
        }
        return s;
    }

    /** How the links are protected ({@code curve}, {@code plain}, {@code none}), as the first broker asked says. */
    String security() {
        return security == null ? "unknown" : security;
    }
}
