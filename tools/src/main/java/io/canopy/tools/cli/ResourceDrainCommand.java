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

    @Option(names = "--wait", description = "Wait until no job runs on the nodes any more (they are drained, "
            + "not draining), showing progress.")
    boolean await;

    @Option(names = "--timeout", paramLabel = "T", description = "With --wait: give up after T (e.g. 30m); default: wait as long as it takes.")
    String timeout;

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
            if (await) {
                java.util.List<Integer> ranks = new java.util.ArrayList<>();
                r.path("drained").forEach(n -> ranks.add(n.asInt()));
                kept.forEach(n -> ranks.add(n.asInt()));
                java.time.Duration limit = timeout == null ? null : io.canopy.module.Durations.parse("--timeout", timeout);
                return new DrainWait(client, ranks, spec.commandLine().getErr(), System.console() != null).await(limit);
            }
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
