package io.canopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.client.CanopyClient;
import io.canopy.idset.IdSet;
import java.io.PrintWriter;
import java.time.Instant;
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
 * {@code canopy resource drain [-f] TARGETS [REASON...]}: stop new work landing on nodes, with a
 * reason; without targets, lists the drained nodes.
 */
@Command(name = "drain", mixinStandardHelpOptions = true,
        description = "Drain nodes (ranks like 0-3,7 or hosts like node[1-4]) with an optional reason, so no new "
                + "work starts there (owner only). Without TARGETS, list drained nodes.")
public final class ResourceDrainCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Parameters(index = "0", arity = "0..1", paramLabel = "TARGETS", description = "ranks (0-3,7) or hosts (node[1-4])")
    String targets;

    @Parameters(index = "1..*", paramLabel = "REASON", description = "why, for the record")
    List<String> reason = List.of();

    @Option(names = {"-f", "--force"}, description = "Replace the reason of nodes already drained.")
    boolean force;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (CanopyClient client = connection.connect()) {
            if (targets == null) {
                out.printf("%-20s %-8s %-10s %-20s %s%n", "TIME", "STATE", "USER", "NODELIST", "REASON");
                for (ResourceView.Group g : new ResourceView(client).groups()) {
                    if (g.state().startsWith("drain")) {
                        out.printf("%-20s %-8s %-10s %-20s %s%n", Instant.ofEpochMilli((long) (g.time() * 1000))
                                .toString().substring(0, 19), g.state(), g.user(), ResourceView.hostlist(g.hosts()),
                                g.reason() == null ? "" : g.reason());
                    }
                }
                return 0;
            }
            JsonNode r = Json.tree(client.call("resource.drain", ResourceView.LEADER, Map.of("targets", targets,
                    "reason", String.join(" ", reason), "force", force), null).payload());
            JsonNode kept = r.path("alreadyDrained");
            if (kept.size() > 0) {
                int[] ranks = new int[kept.size()];
                for (int i = 0; i < ranks.length; i++) {
                    ranks[i] = kept.get(i).asInt();
                }
                spec.commandLine().getErr().println("canopy: rank(s) " + IdSet.of(ranks)
                        + " already drained; kept their first reason (use --force to replace it)");
            }
        }
        return 0;
    }
}
