package io.canopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.canopy.client.CanopyClient;
import io.canopy.idset.Hostlist;
import io.canopy.idset.IdSet;
import io.canopy.message.NodeId;
import io.canopy.module.Durations;
import io.canopy.module.RpcException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code canopy resource info HOST}: one node in full, as {@code scontrol show node} shows it: its
 * state and drain, the drain history from the resource eventlog, the jobs running there, its
 * broker (state, version, start time, uptime, pid), how its parent sees its link (status, since
 * when, why, how long ago it last heard the node) and how long a round trip to it takes now, and its
 * parent and children.
 */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = {"Show one node in full, like scontrol show node: state and drain with its history, running "
                + "jobs, its broker's state, version, start time and uptime, its link as its parent sees it (and when it last heard the node), a round "
                + "trip to it now, its parent and children."})
public final class ResourceInfoCommand implements Callable<Integer> {
    private static final Duration ASK = Duration.ofSeconds(5);

    @Mixin
    ConnectionOptions connection;

    @Parameters(paramLabel = "NODE", description = "a host (node7) or a rank (9)")
    String target;

    @Option(names = {"-n", "--history"}, paramLabel = "N", defaultValue = "10",
            description = "Events of its history to show (default: ${DEFAULT-VALUE}; 0: all).")
    int history;

    @Option(names = "--json", description = "Print the node as one JSON object.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (CanopyClient client = connection.connect()) {
            JsonNode topo = Json.tree(client.call("overlay.topology", NodeId.ANY, null, ASK).payload());
            List<String> hosts = new ArrayList<>();
            topo.path("ranks").forEach(r -> hosts.add(r.path("host").asText()));
            int rank = rankOf(target, hosts);
            String host = hosts.get(rank);
            ObjectNode info = JsonNodeFactory.instance.objectNode();
            info.put("host", host);
            info.put("rank", rank);
            for (JsonNode n : new ResourceView(client).body.path("nodes")) {
                if (n.path("rank").asInt() == rank) {
                    info.put("state", ResourceView.state(n));
                    info.put("up", n.path("state").asText().equals("online"));
                    info.set("drain", n.path("drain"));
                    info.set("drains", n.path("drains"));
                    info.set("reboot", n.path("reboot"));
                }
            }
            info.set("history", Json.tree(client.call("resource.eventlog", ResourceView.LEADER,
                    Map.of("targets", host, "limit", Math.max(0, history)), ASK).payload()).path("events"));
            ArrayNode jobs = info.putArray("jobs");
            for (JsonNode j : Jobs.call(client, "list", Map.of("all", false)).path("jobs")) {
                if (j.path("ranks").isTextual() && IdSet.parse(j.path("ranks").asText()).contains(rank)) {
                    jobs.add(j.path("id").asLong());
                }
            }
            ObjectNode broker = info.putObject("broker");
            try {
                long t0 = System.nanoTime();
                client.call("broker.ping", rank, null, ASK);
                broker.put("roundTripMs", (System.nanoTime() - t0) / 1e6);
                JsonNode up = Json.tree(client.call("broker.uptime", rank, null, ASK).payload());
                for (String k : List.of("state", "version", "started", "uptime", "pid", "protocol")) {
                    broker.set(k, up.path(k));
                }
            } catch (RpcException e) {
                broker.put("unreachable", e.getMessage());
            }
            int parent = -1;
            for (JsonNode r : topo.path("ranks")) {
                for (JsonNode c : r.path("children")) {
                    if (c.asInt() == rank) {
                        parent = r.path("rank").asInt();
                    }
                }
            }
            ObjectNode link = info.putObject("link");
            if (parent >= 0) {
                info.put("parent", hosts.get(parent));
                info.put("parentRank", parent);
                try {
                    for (JsonNode c : Json.tree(client.call("overlay.status", parent, null, ASK).payload()).path("children")) {
                        if (c.path("rank").asInt() == rank) {
                            link.put("status", c.path("status").asText());
                            link.put("since", c.path("since").asDouble() / 1000.0);
                            link.set("reason", c.path("reason"));
                            if (c.has("heardMsAgo")) {
                                link.put("lastHeardSecondsAgo", c.path("heardMsAgo").asLong() / 1000.0);
                            }
                        }
                    }
                } catch (RpcException e) {
                    link.put("unknown", "its parent " + hosts.get(parent) + " does not answer: " + e.getMessage());
                }
            } else {
                info.putNull("parent");
                link.put("status", "leader");
            }
            ArrayNode children = info.putArray("children");
            topo.path("ranks").get(rank).path("children").forEach(c -> children.add(c.asInt()));
            if (json) {
                out.println(Json.write(info, false));
                return 0;
            }
            print(out, info, hosts);
        }
        return 0;
    }

    static int rankOf(String target, List<String> hosts) {
        if (target.matches("\\d+")) {
            int r = Integer.parseInt(target);
            if (r >= hosts.size()) {
                throw new IllegalArgumentException("no rank " + r + " (this instance has ranks 0-" + (hosts.size() - 1) + ")");
            }
            return r;
        }
        int r = hosts.indexOf(target);
        if (r < 0) {
            throw new IllegalArgumentException("unknown host " + target + " (not in this instance; `canopy resource "
                    + "status` lists the nodes)");
        }
        return r;
    }

    private static void print(PrintWriter out, JsonNode i, List<String> hosts) {
        out.printf("NodeName=%s Rank=%d State=%s Up=%s Jobs=%s%n", i.path("host").asText(), i.path("rank").asInt(),
                i.path("state").asText(), i.path("up").asBoolean() ? "y" : "n",
                i.path("jobs").isEmpty() ? "none" : join(i.path("jobs")));
        JsonNode d = i.path("drain");
        if (d.isObject()) {
            List<JsonNode> all = ResourceView.drains(i);
            List<Long> waiting = new ArrayList<>();
            d.path("jobs").forEach(j -> waiting.add(j.asLong()));
            if (all.size() <= 1) {
                out.printf("   Drain=%s Source=%s Reason=%s User=%s Since=%s%s%n", d.path("state").asText(),
                        d.path("source").asText("-"), quote(d.path("reason").asText()), d.path("user").asText(),
                        ResourceFormat.time(d.path("time").asDouble()), waitingOn(waiting));
            } else {
                out.printf("   Drain=%s Sources=%s%s%n", d.path("state").asText(), String.join(",",
                        all.stream().map(x -> x.path("source").asText()).toList()), waitingOn(waiting));
                for (JsonNode x : all) {
                    out.printf("     Source=%s Reason=%s User=%s Since=%s%n", x.path("source").asText(),
                            quote(x.path("reason").asText()), x.path("user").asText(),
                            ResourceFormat.time(x.path("time").asDouble()));
                }
            }
        }
        JsonNode rb = i.path("reboot");
        if (rb.isObject()) {
            out.printf("   Reboot=%s Since=%s%s%n", rb.path("state").asText(), ResourceFormat.time(rb.path("since").asDouble()),
                    rb.path("note").isTextual() ? " Note=" + quote(rb.path("note").asText()) : "");
        }
        JsonNode b = i.path("broker");
        if (b.has("unreachable")) {
            out.printf("   Broker=unreachable (%s)%n", b.path("unreachable").asText());
        } else {
            out.printf("   Broker=%s Version=%s Started=%s Uptime=%s Pid=%d RoundTrip=%.3fms%n", b.path("state").asText(),
                    b.path("version").asText(), ResourceFormat.time(b.path("started").asDouble()),
                    Durations.format(Duration.ofMillis((long) (b.path("uptime").asDouble() * 1000))),
                    b.path("pid").asLong(), b.path("roundTripMs").asDouble());
        }
        JsonNode l = i.path("link");
        if (i.path("parent").isNull()) {
            out.println("   Parent=none (the leader)");
        } else {
            out.printf("   Parent=%s (rank %d) Link=%s Since=%s%s%s%n", i.path("parent").asText(), i.path("parentRank").asInt(),
                    l.path("status").asText(l.path("unknown").asText("?")),
                    l.has("since") ? ResourceFormat.time(l.path("since").asDouble()) : "?",
                    l.has("lastHeardSecondsAgo") ? String.format(java.util.Locale.ROOT, " LastHeard=%.1fs ago",
                            l.path("lastHeardSecondsAgo").asDouble()) : "",
                    l.path("reason").isTextual() && !l.path("status").asText().equals("online")
                            ? " Reason=" + quote(l.path("reason").asText()) : "");
        }
        List<String> kids = new ArrayList<>();
        i.path("children").forEach(c -> kids.add(hosts.get(c.asInt())));
        out.printf("   Children=%s%n", kids.isEmpty() ? "none" : Hostlist.compress(kids) + " (ranks "
                + IdSet.of(kids.stream().mapToInt(hosts::indexOf).toArray()) + ")");
        JsonNode h = i.path("history");
        out.printf("   History=%s%n", h.isEmpty() ? "none" : h.size() + " event(s), oldest first:");
        h.forEach(e -> out.println("     " + ResourceEventlogCommand.line(e, true)));
    }

    /** {@code  WaitingOn=42,43} for a draining node, else nothing. */
    private static String waitingOn(List<Long> jobs) {
        return jobs.isEmpty() ? "" : " WaitingOn=" + String.join(",", jobs.stream().map(String::valueOf).toList());
    }

    private static String join(JsonNode arr) {
        List<String> s = new ArrayList<>();
        arr.forEach(x -> s.add(x.asText()));
        return String.join(",", s);
    }

    private static String quote(String s) {
        return s.isEmpty() || s.contains(" ") ? Json.write(s, false) : s;
    }
}
