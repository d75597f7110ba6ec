package io.canopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.client.CanopyClient;
import java.io.PrintWriter;
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
 * {@code canopy resource drain [-f|-ff|-u] TARGETS [REASON...]}: stop new work landing on nodes,
 * with a reason; without targets, lists the drained nodes. As {@code flux resource drain}: a node
 * already drained is an error unless {@code --force} replaces its reason or {@code --update}
 * leaves it as it is.
 */
@Command(name = "drain", mixinStandardHelpOptions = true,
        description = {"Drain nodes (ranks like 0-3,7 or hosts like node[1-4]) with an optional reason, so no new "
                + "work starts there (owner only). Without TARGETS, list drained nodes.",
            "A node that is already drained is an error (nothing changes) unless --force replaces its reason "
                + "or --update leaves it drained as it is. Nodes in [resource] exclude cannot be drained."})
public final class ResourceDrainCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Parameters(index = "0", arity = "0..1", paramLabel = "TARGETS", description = "ranks (0-3,7) or hosts (node[1-4])")
    String targets;

    @Parameters(index = "1..*", paramLabel = "REASON", description = "why, for the record")
    List<String> reason = List.of();

    @Option(names = {"-f", "--force"}, description = "Replace the reason of nodes already drained, keeping when "
            + "they were drained; twice (-ff), replace that time too.")
    boolean[] force = new boolean[0];

    @Option(names = {"-u", "--update"}, description = "Leave nodes already drained as they are (no error); drain the "
            + "others.")
    boolean update;

    @Option(names = {"-o", "--format"}, paramLabel = "FORMAT", description = "Without TARGETS: the columns, as "
            + "`resource status -o` takes them (default: {timestamp} {state} {user} {nodelist} {reason}).")
    String format;

    @Option(names = {"-n", "--no-header"}, description = "Without TARGETS: no header line.")
    boolean noHeader;

    @Option(names = "--json", description = "Without TARGETS: print the drained nodes as JSON.")
    boolean json;

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
        if (force.length > 0 && update) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "only one of --force and --update may be given");
        }
        try (CanopyClient client = connection.connect()) {
            if (targets == null) {
                return ResourceFormat.listDrains(new ResourceView(client), out, format, noHeader, json);
            }
            String mode = update ? "update" : force.length >= 2 ? "force-overwrite" : force.length == 1 ? "overwrite"
                    : "fail";
            JsonNode r;
            try {
                r = Json.tree(client.call("resource.drain", ResourceView.LEADER, Map.of("targets", targets,
                        "reason", String.join(" ", reason), "mode", mode), null).payload());
            } catch (io.canopy.module.RpcException e) {
                if (e.errnum() == io.canopy.message.Errno.EEXIST) {
                    throw new io.canopy.module.RpcException(e.errnum(), e.getMessage() + " (use --force to replace "
                            + "the reason, or --update to leave drained nodes as they are)");
                }
                throw e;
            }
            JsonNode kept = r.path("alreadyDrained");
            if (await) {
                java.util.List<Integer> ranks = new java.util.ArrayList<>();
                r.path("drained").forEach(n -> ranks.add(n.asInt()));
                kept.forEach(n -> ranks.add(n.asInt()));
                java.time.Duration limit = timeout == null ? null : io.canopy.module.Durations.parse("--timeout", timeout);
                return new DrainWait(client, ranks, spec.commandLine().getErr(), System.console() != null).await(limit);
            }
        }
        return 0;
    }
}
