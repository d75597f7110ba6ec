package io.canopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.client.CanopyClient;
import io.canopy.message.Message;
import io.canopy.message.NodeId;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

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
    private final Map<Integer, Integer> parents = new java.util.HashMap<>();
    private final Map<Integer, Node> nodes = new LinkedHashMap<>();
    private final Map<Integer, JsonNode> answers = new LinkedHashMap<>();
    private final Map<Integer, Double> rtts = java.util.Collections.synchronizedMap(new LinkedHashMap<>());
    private String security;

    OverlayWalk(CanopyClient client, Duration rpcTimeout) throws RpcException {
        this.client = client;
        this.rpcTimeout = rpcTimeout;
        JsonNode t = Payloads.tree(client.call("overlay.topology", NodeId.ANY, null, rpcTimeout).payload());
        for (JsonNode r : t.path("ranks")) {
            topology.put(r.path("rank").asInt(), r);
            r.path("children").forEach(c -> parents.put(c.asInt(), r.path("rank").asInt()));
        }
    }

    int size() {
        return topology.size();
    }

    /** The parent of {@code rank} in the configured tree, or -1. */
    int parentOf(int rank) {
        return parents.getOrDefault(rank, -1);
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

    /**
     * Asks every reachable rank of {@code root}'s subtree for its {@code overlay.status}, a level of
     * the tree at a time with the whole level in flight (a 1,024-rank tree takes as many round trips
     * as it has levels, not as it has ranks), then draws the rollups from the answers.
     */
    private String visit(int root, String status, String reason, Long since) {
        Map<Integer, String[]> statusOf = new LinkedHashMap<>(); // rank -> {status, reason}
        Map<Integer, Long> sinceOf = new LinkedHashMap<>();
        Map<Integer, String> stateOf = new LinkedHashMap<>();
        statusOf.put(root, new String[] {status, reason});
        sinceOf.put(root, since);
        List<Integer> level = List.of(root);
        while (!level.isEmpty()) {
            Map<Integer, CompletableFuture<Message>> asked = new LinkedHashMap<>();
            for (int r : level) {
                String st = statusOf.get(r)[0];
                if (st.equals("online") || st.equals("torpid")) {
                    asked.put(r, ask(r));
                }
            }
            List<Integer> next = new ArrayList<>();
            for (int r : level) {
                JsonNode s = null;
                if (asked.containsKey(r)) {
                    try {
                        s = await(r, asked.get(r));
                    } catch (RpcException e) {
                        statusOf.get(r)[1] = e.getMessage();
                    }
                }
                stateOf.put(r, s == null ? "?" : s.path("state").asText());
                Map<Integer, JsonNode> said = new LinkedHashMap<>();
                if (s != null) {
                    s.path("children").forEach(c -> said.put(c.path("rank").asInt(), c));
                }
                for (int c : childrenOf(r)) {
                    JsonNode cs = said.get(c);
                    statusOf.put(c, cs == null ? new String[] {"offline", "behind rank " + r}
                            : new String[] {cs.path("status").asText(), cs.path("reason").isNull() ? null
                                    : cs.path("reason").asText()});
                    sinceOf.put(c, cs == null ? null : cs.path("since").asLong());
                    next.add(c);
                }
            }
            level = next;
        }
        return rollup(root, statusOf, sinceOf, stateOf);
    }

    /** Builds {@code rank}'s node and those below it; returns its subtree's rollup. */
    private String rollup(int rank, Map<Integer, String[]> statusOf, Map<Integer, Long> sinceOf,
            Map<Integer, String> stateOf) {
        String worst = "full";
        List<Integer> children = childrenOf(rank);
        for (int c : children) {
            String sub = rollup(c, statusOf, sinceOf, stateOf);
            worst = worse(worst, sub.equals("full") ? "full"
                    : sub.equals("offline") || sub.equals("partial") ? "partial" : "degraded");
        }
        String status = statusOf.get(rank)[0];
        String subtree = switch (status) {
            case "online" -> worst;
            case "torpid" -> "degraded";
            default -> status;
        };
        nodes.put(rank, new Node(rank, hostOf(rank), stateOf.get(rank), status, subtree,
                parentOf(rank) < 0 ? null : parentOf(rank), children, statusOf.get(rank)[1], sinceOf.get(rank),
                rtts.get(rank)));
        return subtree;
    }

    private List<Integer> childrenOf(int rank) {
        List<Integer> children = new ArrayList<>();
        topology.get(rank).path("children").forEach(c -> children.add(c.asInt()));
        return children;
    }

    private static String worse(String a, String b) {
        List<String> order = List.of("full", "partial", "degraded");
        return order.indexOf(b) > order.indexOf(a) ? b : a;
    }

    private JsonNode status(int rank) throws RpcException {
        return await(rank, ask(rank));
    }

    /** Sends {@code overlay.status} to {@code rank}; its round trip is kept when the answer comes. */
    private CompletableFuture<Message> ask(int rank) {
        long t0 = System.nanoTime();
        return client.send("overlay.status", rank, null)
                .whenComplete((m, e) -> {
                    if (e == null) {
                        rtts.put(rank, (System.nanoTime() - t0) / 1e6); // this client's reader thread
                    }
                });
    }

    /** The answer of {@link #ask}, kept for {@link #answers}. */
    private JsonNode await(int rank, CompletableFuture<Message> f) throws RpcException {
        JsonNode s = Payloads.tree(CanopyClient.await(f, "overlay.status", rpcTimeout).payload());
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
