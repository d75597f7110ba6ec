package io.canopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.client.CanopyClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
 * {@code canopy resource undrain [--source S] TARGETS [REASON...]}: let work land on nodes again.
 * Without {@code --source} every drain of the nodes goes (the administrator has the last word);
 * with it, only that source's, and a node another source still holds says so.
 */
@Command(name = "undrain", mixinStandardHelpOptions = true,
        description = {"Undrain nodes (ranks or hosts), so work may start there again (owner only); a REASON goes "
                + "to the resource eventlog. A node that is not drained is an error naming it, and nothing changes.",
            "Without --source every drain of the nodes goes, whoever made it; with --source only that one "
                + "(admin, health, epilog, lost or reboot), and nodes drained by another source stay drained."})
public final class ResourceUndrainCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Parameters(index = "0", paramLabel = "TARGETS", description = "ranks (0-3,7) or hosts (node[1-4])")
    String targets;

    @Parameters(index = "1..*", paramLabel = "REASON", description = "why, for the eventlog")
    List<String> reason = List.of();

    @Option(names = "--source", paramLabel = "SOURCE", description = "Clear only this source's drain: admin, health, "
            + "epilog, lost or reboot.")
    String source;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try (CanopyClient client = connection.connect()) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("targets", targets);
            body.put("reason", String.join(" ", reason));
            if (source != null) {
                body.put("source", source);
            }
            JsonNode r = Json.tree(client.call("resource.undrain", ResourceView.LEADER, body, null).payload());
            List<Integer> still = new ArrayList<>();
            r.path("stillDrained").forEach(n -> still.add(n.asInt()));
            if (!still.isEmpty()) {
                List<String> hosts = new ArrayList<>();
                for (JsonNode n : new ResourceView(client).body.path("nodes")) {
                    if (still.contains(n.path("rank").asInt())) {
                        hosts.add(n.path("host").asText() + " (" + String.join(",", ResourceView.drains(n).stream()
                                .map(d -> d.path("source").asText()).toList()) + ")");
                    }
                }
                spec.commandLine().getErr().println("canopy: still drained by another source: " + String.join(", ", hosts));
            }
        }
        return 0;
    }
}
