package io.canopy.tools.cli;

import io.canopy.client.CanopyClient;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code canopy overlay disconnect RANK}: asks RANK's parent to drop it (it goes back to join). */
@Command(name = "disconnect", mixinStandardHelpOptions = true,
        description = "Ask a broker's parent to drop its connection; the broker goes back to join and retries (owner only).")
public final class OverlayDisconnectCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Parameters(paramLabel = "RANK", description = "the rank to disconnect (not 0)")
    int rank;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try (CanopyClient client = connection.connect()) {
            OverlayWalk walk = new OverlayWalk(client, Duration.ofSeconds(5));
            if (rank < 0 || rank >= walk.size()) {
                throw new IllegalArgumentException(rank + " is not a valid rank in this instance (size " + walk.size() + ")");
            }
            int parent = walk.parentOf(rank);
            if (parent < 0) {
                throw new IllegalArgumentException("rank 0 has no parent to disconnect it from");
            }
            spec.commandLine().getOut().printf("asking %s (rank %d) to disconnect child %s (rank %d)%n",
                    walk.hostOf(parent), parent, walk.hostOf(rank), rank);
            client.call("overlay.disconnect", parent, Map.of("rank", rank), Duration.ofSeconds(10));
        }
        return 0;
    }
}
