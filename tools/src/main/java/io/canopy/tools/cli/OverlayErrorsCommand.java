package io.canopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.canopy.client.CanopyClient;
import io.canopy.idset.Hostlist;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code canopy overlay errors}: what is wrong with the tree, as {@code flux overlay errors}: every
 * broker that is not online, grouped by why ({@code node[3-4]: lost: ...}), and the peers each
 * broker refused lately and why (wrong certificate, another instance, a mismatched config).
 */
@Command(name = "errors", mixinStandardHelpOptions = true,
        description = {"List what is wrong with the tree: brokers that are not online, grouped by reason "
                + "(HOSTLIST: reason), then peers refused lately and why (no instance certificate, another instance's "
                + "configuration, a host that is not the rank it claims). Prints nothing when all is well."})
public final class OverlayErrorsCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Option(names = "--json", description = "Print {\"down\":[{nodelist, status, reason}], \"refused\":[{at, peer, "
            + "reason, count, last}]}.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (CanopyClient client = connection.connect()) {
            OverlayWalk walk = new OverlayWalk(client, Duration.ofSeconds(2));
            Map<Integer, OverlayWalk.Node> nodes = walk.walk(0);
            Map<String, List<String>> down = new TreeMap<>();
            for (OverlayWalk.Node n : nodes.values()) {
                if (!n.status().equals("online")) {
                    String why = n.status() + (n.reason() == null ? "" : ": " + n.reason());
                    down.computeIfAbsent(why, k -> new ArrayList<>()).add(n.host());
                }
            }
            ObjectNode body = JsonNodeFactory.instance.objectNode();
            ArrayNode d = body.putArray("down");
            down.forEach((why, hosts) -> {
                ObjectNode o = d.addObject();
                o.put("nodelist", Hostlist.compress(hosts));
                o.put("reason", why);
            });
            ArrayNode refused = body.putArray("refused");
            walk.answers().forEach((rank, answer) -> {
                for (JsonNode f : answer.path("refused")) {
                    ObjectNode o = refused.addObject();
                    o.put("at", walk.hostOf(rank));
                    o.put("rank", rank);
                    o.set("peer", f.path("peer"));
                    o.set("reason", f.path("reason"));
                    o.set("count", f.path("count"));
                    o.put("last", f.path("last").asDouble() / 1000.0);
                }
            });
            if (json) {
                out.println(Json.write(body, false));
                return 0;
            }
            for (JsonNode o : d) {
                out.println(o.path("nodelist").asText() + ": " + o.path("reason").asText());
            }
            for (JsonNode o : refused) {
                out.printf("%s (rank %d) refused %s: %s (%d time(s), last %s)%n", o.path("at").asText(),
                        o.path("rank").asInt(), o.path("peer").asText(), o.path("reason").asText(), o.path("count").asInt(),
                        ResourceFormat.time(o.path("last").asDouble()));
            }
        }
        return 0;
    }
}
