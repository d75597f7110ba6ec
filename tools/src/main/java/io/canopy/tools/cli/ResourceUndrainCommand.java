package io.canopy.tools.cli;

import io.canopy.client.CanopyClient;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code canopy resource undrain TARGETS}: let work land on nodes again. */
@Command(name = "undrain", mixinStandardHelpOptions = true,
        description = "Undrain nodes (ranks or hosts), so work may start there again (owner only); a REASON goes "
                + "to the resource eventlog. A node that is not drained is an error naming it, and nothing changes.")
public final class ResourceUndrainCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Parameters(index = "0", paramLabel = "TARGETS", description = "ranks (0-3,7) or hosts (node[1-4])")
    String targets;

    @Parameters(index = "1..*", paramLabel = "REASON", description = "why, for the eventlog")
    java.util.List<String> reason = java.util.List.of();

    @Override
    public Integer call() throws Exception {
        try (CanopyClient client = connection.connect()) {
            client.call("resource.undrain", ResourceView.LEADER, Map.of("targets", targets, "reason",
                    String.join(" ", reason)), null);
        }
        return 0;
    }
}
