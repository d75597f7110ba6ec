package io.canopy.tools.cli;

import io.canopy.client.CanopyClient;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code canopy resource undrain TARGETS}: let work land on nodes again. */
@Command(name = "undrain", mixinStandardHelpOptions = true,
        description = "Undrain nodes (ranks or hosts), so work may start there again (owner only).")
public final class ResourceUndrainCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Parameters(paramLabel = "TARGETS", description = "ranks (0-3,7) or hosts (node[1-4])")
    String targets;

    @Override
    public Integer call() throws Exception {
        try (CanopyClient client = connection.connect()) {
            client.call("resource.undrain", ResourceView.LEADER, Map.of("targets", targets), null);
        }
        return 0;
    }
}
